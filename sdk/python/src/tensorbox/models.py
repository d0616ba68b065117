"""Result and record types of the SDK (plain dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SandboxInfo", "CommandResult", "ProcessInfo", "ProcessRecord"]


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class SandboxInfo:
    """A sandbox record (times are Unix seconds)."""

    sandbox_id: str
    template: str
    state: str
    """``pending``, ``running``, ``stopped`` or ``failed``."""
    created_at: int
    started_at: int
    expires_at: int
    metadata: dict[str, str] = field(default_factory=dict)
    runtime_url: str = ""

    @property
    def id(self) -> str:
        return self.sandbox_id

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SandboxInfo:
        metadata = data.get("metadata")
        return cls(
            sandbox_id=str(data.get("id", "")),
            template=str(data.get("template", "")),
            state=str(data.get("state", "")),
            created_at=_int(data.get("created_at")),
            started_at=_int(data.get("started_at")),
            expires_at=_int(data.get("expires_at")),
            metadata=dict(metadata) if isinstance(metadata, Mapping) else {},
            runtime_url=str(data.get("runtime_url", "")),
        )


@dataclass(frozen=True)
class CommandResult:
    """The outcome of a command. A non-zero ``exit_code`` is a result, not an error.

    ``exit_code`` is -1 when the command was killed (timeout, signal). For background commands
    ``stdout`` holds all the output (stdout and stderr merged) and ``stderr`` is empty.
    """

    stdout: str
    stderr: str
    exit_code: int
    duration_ms: int | None = None
    timed_out: bool = False
    truncated: bool = False


@dataclass(frozen=True)
class ProcessInfo:
    """A command of ``commands.list()``."""

    process_id: str
    pid: int
    cmd: str
    status: str
    exit_code: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessInfo:
        return cls(
            process_id=str(data.get("process_id", "")),
            pid=_int(data.get("pid")),
            cmd=str(data.get("cmd", "")),
            status=str(data.get("status", "")),
            exit_code=_opt_int(data.get("exit_code")),
        )


@dataclass(frozen=True)
class ProcessRecord:
    """A process of the Processes API (seed 000).

    ``state`` is ``running``, ``exited``, ``killed`` or ``failed``; ``exit_code`` is -1 when ended
    by a signal and undefined while running; ``exited_at`` is 0 while running.
    """

    id: str
    sandbox_id: str
    command: list[str]
    pid: int
    state: str
    exit_code: int
    started_at: int
    exited_at: int

    @property
    def process_id(self) -> str:
        return self.id

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessRecord:
        command = data.get("command")
        return cls(
            id=str(data.get("id", "")),
            sandbox_id=str(data.get("sandbox_id", "")),
            command=[str(c) for c in command] if isinstance(command, list) else [],
            pid=_int(data.get("pid")),
            state=str(data.get("state", "")),
            exit_code=_int(data.get("exit_code"), -1),
            started_at=_int(data.get("started_at")),
            exited_at=_int(data.get("exited_at")),
        )
