#!/usr/bin/python3
"""Python SDK overhead: sandbox.commands.run("true") beside the same call with raw http.client.

One process, one sandbox. N calls of each series, alternated in blocks so that load from
elsewhere on the machine hits both alike:
  sdk       sandbox.commands.run("true")  (POST /run with Accept: text/event-stream, SSE parsed)
  raw-json  http.client, one keep-alive connection: POST /run {"cmd":"true"} -> JSON result
  raw-sse   http.client, one keep-alive connection: the same request as the SDK's, read to the end
raw-json is the baseline the issue names; raw-sse isolates the SDK's own cost from the server's
cost of streaming. The last column is this process's CPU time per call (time.process_time), the
client's own work, which server-side noise does not blur.

  TENSORBOX_API_URL=... TENSORBOX_API_KEY=... /usr/bin/python3 bench/sdk/python/bench.py [N] [--block B]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "sdk", "python", "src")))

from tensorbox import Sandbox  # noqa: E402


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Raw:
    """POST /run over one keep-alive http.client connection, as a user without the SDK would."""

    def __init__(self, sandbox: Sandbox) -> None:
        url = urllib.parse.urlsplit(sandbox.api_url)
        self.conn = http.client.HTTPConnection(url.hostname or "localhost", url.port or 80, timeout=30)
        self.path = f"{url.path.rstrip('/')}/v1/sandboxes/{sandbox.sandbox_id}/run"
        self.body = json.dumps({"cmd": "true"}).encode()
        self.token = sandbox.access_token or ""

    def run(self, accept: str) -> bytes:
        headers = {"X-Access-Token": self.token, "Content-Type": "application/json", "Accept": accept}
        self.conn.request("POST", self.path, body=self.body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"POST /run answered {resp.status}: {data[:200]!r}")
        return data

    def run_json(self) -> None:
        result = json.loads(self.run("application/json"))
        if result["exit_code"] != 0:
            raise RuntimeError(f"unexpected result {result}")

    def run_sse(self) -> None:
        if b"event:exit" not in self.run("text/event-stream"):
            raise RuntimeError("no exit event")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=200, help="calls per series (default 200)")
    parser.add_argument("--block", type=int, default=20, help="calls per block before switching series")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured calls per series first")
    args = parser.parse_args()

    sandbox = Sandbox.create(timeout=600, metadata={"bench": "python-sdk"})
    try:
        raw = Raw(sandbox)

        def sdk() -> None:
            if sandbox.commands.run("true").exit_code != 0:
                raise RuntimeError("unexpected exit code")

        series: dict[str, Callable[[], None]] = {"sdk": sdk, "raw-json": raw.run_json, "raw-sse": raw.run_sse}
        samples: dict[str, list[float]] = {name: [] for name in series}
        cpu: dict[str, float] = {name: 0.0 for name in series}
        for fn in series.values():
            for _ in range(args.warmup):
                fn()
        done = 0
        while done < args.n:
            size = min(args.block, args.n - done)
            for name, fn in series.items():
                cpu_start = time.process_time()
                for _ in range(size):
                    start = time.perf_counter()
                    fn()
                    samples[name].append((time.perf_counter() - start) * 1000)
                cpu[name] += time.process_time() - cpu_start
            done += size
        raw.conn.close()
    finally:
        sandbox.kill()

    print(f"commands.run('true'), N={args.n} per series, blocks of {args.block}, one sandbox, "
          f"API {sandbox.api_url}, Python {sys.version.split()[0]}")
    print(f"{'series':<10} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'client CPU ms/call':>19}")
    stats = {}
    for name, values in samples.items():
        stats[name] = (percentile(values, 50), percentile(values, 99), statistics.fmean(values))
        print(f"{name:<10} {stats[name][0]:8.2f} {stats[name][1]:8.2f} {stats[name][2]:8.2f}"
              f" {cpu[name] * 1000 / len(values):19.3f}")
    for base in ("raw-json", "raw-sse"):
        d = [s - b for s, b in zip(stats["sdk"], stats[base])]
        print(f"sdk - {base:<8} p50 {d[0]:+.2f} ms, p99 {d[1]:+.2f} ms, mean {d[2]:+.2f} ms")


if __name__ == "__main__":
    main()
