#!/usr/bin/python3
"""Time from starting a server in a sandbox to its port.opened event (SPEC §6, issue 8's aim: < 1 s p50).

Usage: TENSORBOX_API_URL=... TENSORBOX_API_KEY=... bench/ports/bind-to-event.py [N]

Each round starts `python3 -m http.server PORT --bind 0.0.0.0` as a background command and reads the
sandbox's event stream until port.opened for that port, then kills it and waits for port.closed.
Printed beside it, in the same run: the time until the port answers a TCP connect from inside the
sandbox (a poll every 20 ms), i.e. when the server really is bound - the baseline discovery adds to.
"""
import http.client, json, os, socket, statistics, sys, time, urllib.parse

API = os.environ["TENSORBOX_API_URL"].rstrip("/")
KEY = os.environ["TENSORBOX_API_KEY"]
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10
u = urllib.parse.urlparse(API)


def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    h = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}
    h.update(headers or {})
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (json.loads(data) if data else None)


def events(sbx):
    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    c.request("GET", f"/v1/sandboxes/{sbx}/events", headers={"Authorization": "Bearer " + KEY, "Accept": "text/event-stream"})
    r = c.getresponse()
    assert r.status == 200, r.status
    name = None
    while True:
        line = r.readline().decode().rstrip("\r\n")
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            yield name, json.loads(line[5:].strip())


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


status, sbx = call("POST", "/v1/sandboxes", {})
sid = sbx["id"]
bound, opened = [], []
try:
    for i in range(N):
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        stream = events(sid)
        t0 = time.perf_counter()
        st, started = call("POST", f"/v1/sandboxes/{sid}/commands", {"cmd": f"python3 -m http.server {port} --bind 0.0.0.0"})
        assert st == 201, (st, started)
        # baseline: when the port accepts connections (the sandbox's own view, via /run)
        st, r = call("POST", f"/v1/sandboxes/{sid}/run", {"cmd": f"python3 -c \"import socket,time\nwhile True:\n  try:\n    socket.create_connection(('127.0.0.1',{port}),0.05).close(); break\n  except OSError: time.sleep(0.02)\""})
        t_bound = time.perf_counter()
        for name, data in stream:
            if name == "port.opened" and data.get("port") == port:
                break
        t_open = time.perf_counter()
        bound.append((t_bound - t0) * 1000)
        opened.append((t_open - t0) * 1000)
        call("DELETE", f"/v1/sandboxes/{sid}/commands/{started['pid']}")
        for name, data in stream:
            if name == "port.closed" and data.get("port") == port:
                break
finally:
    call("DELETE", f"/v1/sandboxes/{sid}")

print(f"{N} rounds, ms from POST /commands        p50      p99")
print(f"port accepts connections (baseline)  {pct(bound, 50):8.0f} {pct(bound, 99):8.0f}")
print(f"port.opened event                    {pct(opened, 50):8.0f} {pct(opened, 99):8.0f}")
print(f"discovery after bind (difference)    {statistics.median([o - b for o, b in zip(opened, bound)]):8.0f}")
