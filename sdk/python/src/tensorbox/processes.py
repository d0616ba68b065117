"""``sandbox.processes``: the Processes API of seed 000 (long-running processes and their logs).

These routes take the API key (Bearer), never the sandbox's access token.
"""

from __future__ import annotations

import builtins
import codecs
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._transport import NOT_FOUND, Api, quote
from .models import ProcessRecord

__all__ = ["Processes"]


class Processes:
    """Starts, lists, reads and kills the long-running processes of a sandbox."""

    def __init__(self, api: Api) -> None:
        self._api = api

    def _path(self, suffix: str = "") -> str:
        return f"/v1/sandboxes/{quote(self._api.sandbox_id or '')}/processes{suffix}"

    def start(
        self,
        command: Sequence[str],
        env: Mapping[str, str] | Sequence[str] | None = None,
        cwd: str | None = None,
    ) -> ProcessRecord:
        """Starts ``command`` (an argv list, e.g. ``["pnpm", "dev"]``).

        ``env``: a mapping or ``"KEY=value"`` strings; ``cwd``: relative to the workspace root
        (empty = the root).
        """
        if isinstance(command, (str, bytes)):
            raise TypeError(
                "command is an argv list such as ['pnpm', 'dev']; "
                "for a shell line use ['bash', '-lc', line] or sandbox.commands.run(line)"
            )
        body: dict[str, Any] = {"command": [str(c) for c in command]}
        if env is not None:
            if isinstance(env, Mapping):
                body["env"] = [f"{k}={v}" for k, v in env.items()]
            else:
                body["env"] = [str(item) for item in env]
        if cwd is not None:
            body["cwd"] = cwd
        return ProcessRecord.from_json(self._api.call("POST", self._path(), body))

    def list(self) -> builtins.list[ProcessRecord]:
        """Every process of the sandbox, the ended ones included."""
        data = self._api.call("GET", self._path())
        items = data.get("processes", []) if isinstance(data, dict) else []
        return [ProcessRecord.from_json(item) for item in items if isinstance(item, dict)]

    def get(self, process_id: str) -> ProcessRecord:
        """One process (:class:`NotFoundError` when there is none)."""
        return ProcessRecord.from_json(self._api.call("GET", self._path(f"/{quote(process_id)}")))

    def logs(
        self,
        process_id: str,
        follow: bool = False,
        on_output: Callable[[str], Any] | None = None,
    ) -> str:
        """The process's output (stdout and stderr merged, the current log file).

        ``follow=True`` streams until the process ends, calling ``on_output`` per chunk, and
        returns everything read.
        """
        suffix = f"/{quote(process_id)}/logs" + ("?follow=true" if follow else "")
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        parts: builtins.list[str] = []
        with self._api.open("GET", self._path(suffix), accept="text/plain") as response:
            if not follow:
                response.set_read_timeout(self._api.config.request_timeout_ms)
            while True:
                data = response.read1()
                text = decoder.decode(data, final=not data)
                if text:
                    parts.append(text)
                    if on_output is not None:
                        on_output(text)
                if not data:
                    break
        return "".join(parts)

    def kill(self, process_id: str) -> bool:
        """Kills the process: True if killed (or already ended), False if there is no such one."""
        return self._api.call("DELETE", self._path(f"/{quote(process_id)}"), not_found_ok=True) is not NOT_FOUND
