"""``sandbox.commands``: run shell commands in the foreground or background (seed 003)."""

from __future__ import annotations

import builtins
import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Literal, overload

from ._transport import NOT_FOUND, Api, Response, quote
from .exceptions import NotFoundError, TensorBoxError
from .models import CommandResult, ProcessInfo

__all__ = ["Commands", "CommandHandle", "OutputHandler"]

OutputHandler = Callable[[str], Any]
"""A callback that receives one chunk of output (a str) as it arrives."""

_log = logging.getLogger("tensorbox")

PidLike = int | str
"""A command's pid, or its process id (``proc_...``)."""


def _call_safely(callback: OutputHandler | None, data: str) -> None:
    if callback is None or not data:
        return
    try:
        callback(data)
    except Exception:  # a failing callback must not stop the stream (it runs on the stream thread)
        _log.exception("tensorbox: an output callback raised")


class CommandHandle:
    """A command running in the background: ``pid``, ``process_id``, ``wait()``, ``kill()``,
    ``disconnect()``.

    The output is read on a daemon thread (one per handle), which calls ``on_stdout`` for every
    chunk (in background mode stdout and stderr arrive merged, all through ``on_stdout``). An
    exception raised by a callback is logged (logger ``tensorbox``) and the stream goes on.
    """

    def __init__(
        self,
        commands: Commands,
        pid: int,
        process_id: str | None,
        stream: Response,
        on_stdout: OutputHandler | None,
        on_stderr: OutputHandler | None,
    ) -> None:
        self._commands = commands
        self._pid = pid
        self._process_id = process_id
        self._stream = stream
        self._on_stdout = on_stdout
        self._on_stderr = on_stderr
        self._lock = threading.Lock()
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._exit_code: int | None = None
        self._error: BaseException | None = None
        self._disconnected = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=f"tensorbox-command-{pid}", daemon=True)
        self._thread.start()

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def process_id(self) -> str | None:
        """The process id (``proc_...``) of the command's record in the Processes API."""
        return self._process_id

    @property
    def stdout(self) -> str:
        """The output received so far."""
        with self._lock:
            return "".join(self._stdout)

    @property
    def stderr(self) -> str:
        """Always empty for background commands (their output arrives merged in ``stdout``)."""
        with self._lock:
            return "".join(self._stderr)

    @property
    def exit_code(self) -> int | None:
        """The exit code once the command ended (-1 when killed), else None."""
        return self._exit_code

    def _pump(self) -> None:
        stream = self._stream
        exited = False
        try:
            for event, data in stream.events():
                try:
                    msg: Any = json.loads(data)
                except ValueError:
                    continue
                kind = msg.get("type", event) if isinstance(msg, dict) else event
                if kind in ("output", "stdout", "stderr"):
                    text = msg.get("data") if isinstance(msg, dict) else msg
                    if not isinstance(text, str):
                        continue
                    if kind == "stderr":
                        with self._lock:
                            self._stderr.append(text)
                        _call_safely(self._on_stderr, text)
                    else:
                        with self._lock:
                            self._stdout.append(text)
                        _call_safely(self._on_stdout, text)
                elif kind == "exit":
                    code = msg.get("exit_code") if isinstance(msg, dict) else None
                    self._exit_code = code if isinstance(code, int) else -1
                    exited = True
                    break
                elif kind == "error" and isinstance(msg, dict):
                    self._error = TensorBoxError(str(msg.get("message", data)), code=msg.get("code"))
            if not exited and not self._disconnected and self._error is None:
                self._error = TensorBoxError(
                    f"the output stream of command {self._pid} ended before its exit",
                    code="stream_ended",
                )
        except BaseException as e:  # noqa: BLE001 - surfaced by wait()
            if not self._disconnected:
                self._error = e
        finally:
            if exited:
                self._done.set()  # wait() returns now; the end of the body is read below
                stream.finish(1000)
            else:
                stream.close()
                self._done.set()

    def wait(self, timeout: float | None = None) -> CommandResult:
        """Waits until the command ends and returns its result (all output in ``stdout``).

        A non-zero exit code is returned, not raised. ``timeout`` (seconds) bounds the wait:
        past it, ``TimeoutError`` is raised and the command keeps running.
        """
        if self._disconnected and not self._done.is_set():
            raise TensorBoxError(
                "this handle was disconnected; use commands.connect(pid) to follow the command again",
                code="disconnected",
            )
        if not self._done.wait(timeout):
            raise TimeoutError(f"command {self._pid} still running after {timeout} s")
        if self._exit_code is not None:
            with self._lock:
                return CommandResult(
                    stdout="".join(self._stdout), stderr="".join(self._stderr), exit_code=self._exit_code
                )
        if self._disconnected:
            raise TensorBoxError(
                "this handle was disconnected before the command ended", code="disconnected"
            )
        if isinstance(self._error, TensorBoxError):
            raise self._error
        raise TensorBoxError(
            f"lost the output stream of command {self._pid}: {self._error!r}", code="stream_broken"
        ) from self._error

    def kill(self) -> bool:
        """Kills the command (its whole process group). True if it was killed or had ended."""
        return self._commands.kill(self._process_id or self._pid)

    def disconnect(self) -> None:
        """Stops receiving output; the command keeps running."""
        self._disconnected = True
        self._stream.abort()
        if threading.current_thread() is not self._thread:
            self._thread.join(5)

    def send_stdin(self, data: str) -> None:
        """Writes to the command's stdin."""
        self._commands.send_stdin(self._process_id or self._pid, data)

    def close_stdin(self) -> None:
        """Closes the command's stdin (end of input)."""
        self._commands.close_stdin(self._process_id or self._pid)

    def __repr__(self) -> str:
        return f"CommandHandle(pid={self._pid}, process_id={self._process_id!r}, exit_code={self._exit_code!r})"


class Commands:
    """Runs commands in a sandbox (``sandbox.commands``)."""

    def __init__(self, api: Api) -> None:
        self._api = api

    def _path(self, suffix: str) -> str:
        return self._api.runtime_path + suffix

    @overload
    def run(
        self,
        cmd: str,
        background: Literal[False] = False,
        envs: Mapping[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        timeout_ms: int | None = None,
        request_timeout_ms: int | None = None,
        stdin: str | None = None,
    ) -> CommandResult: ...

    @overload
    def run(
        self,
        cmd: str,
        background: Literal[True],
        envs: Mapping[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        timeout_ms: int | None = None,
        request_timeout_ms: int | None = None,
        stdin: str | None = None,
    ) -> CommandHandle: ...

    @overload
    def run(
        self,
        cmd: str,
        background: bool,
        envs: Mapping[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        timeout_ms: int | None = None,
        request_timeout_ms: int | None = None,
        stdin: str | None = None,
    ) -> CommandResult | CommandHandle: ...

    def run(
        self,
        cmd: str,
        background: bool = False,
        envs: Mapping[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        timeout_ms: int | None = None,
        request_timeout_ms: int | None = None,
        stdin: str | None = None,
    ) -> CommandResult | CommandHandle:
        """Runs a shell command line (pipes, ``&&``, redirections work).

        Foreground (default): streams the output as it is written, calling ``on_stdout`` /
        ``on_stderr`` per chunk, and returns a :class:`CommandResult` once the command ended; a
        non-zero exit code is a result, not an error. ``background=True``: returns a
        :class:`CommandHandle` at once; all output (stdout and stderr merged) goes to
        ``on_stdout``.

        ``cwd``: absolute inside the sandbox or relative to the workspace. ``timeout_ms``: the
        command is killed at that deadline (0 = none; server default 60 s in the foreground, none
        in the background). ``request_timeout_ms`` bounds the wait for the server's answer
        (headers), not the command. ``stdin``: fed to the command, followed by end of input.
        """
        body: dict[str, Any] = {"cmd": cmd}
        if cwd is not None:
            body["cwd"] = cwd
        if envs is not None:
            body["env"] = dict(envs)
        if user is not None:
            body["user"] = user
        if timeout_ms is not None:
            body["timeoutMs"] = timeout_ms
        if stdin is not None:
            body["stdin"] = stdin
        if background:
            return self._run_background(body, on_stdout, on_stderr, request_timeout_ms)
        return self._run_foreground(body, on_stdout, on_stderr, request_timeout_ms)

    def _run_foreground(
        self,
        body: dict[str, Any],
        on_stdout: OutputHandler | None,
        on_stderr: OutputHandler | None,
        request_timeout_ms: int | None,
    ) -> CommandResult:
        response = self._api.open(
            "POST",
            self._path("/run"),
            body,
            runtime=True,
            accept="text/event-stream",
            timeout_ms=request_timeout_ms,
        )
        try:
            if response.content_type != "text/event-stream":
                return self._json_result(response, on_stdout, on_stderr)
            stdout: list[str] = []
            stderr: list[str] = []
            end: Any = None
            for event, data in response.events():
                if event == "stdout":
                    text = json.loads(data)
                    stdout.append(text)
                    if on_stdout is not None and text:
                        on_stdout(text)
                elif event == "stderr":
                    text = json.loads(data)
                    stderr.append(text)
                    if on_stderr is not None and text:
                        on_stderr(text)
                elif event == "exit":
                    end = json.loads(data)
                    break
                elif event == "error":
                    raise _stream_error(data)
        except BaseException:
            response.close()  # closing the request kills the command
            raise
        if not isinstance(end, dict):
            response.close()
            raise TensorBoxError(
                "the command's output stream ended before its exit event", code="stream_ended"
            )
        response.finish(request_timeout_ms)
        return CommandResult(
            stdout="".join(stdout),
            stderr="".join(stderr),
            exit_code=_exit_code(end.get("exit_code")),
            duration_ms=end.get("duration_ms") if isinstance(end.get("duration_ms"), int) else None,
            timed_out=bool(end.get("timed_out", False)),
            truncated=bool(end.get("truncated", False)),
        )

    @staticmethod
    def _json_result(
        response: Response, on_stdout: OutputHandler | None, on_stderr: OutputHandler | None
    ) -> CommandResult:
        """A server that answered the plain JSON result instead of a stream."""
        with response:
            data = json.loads(response.read_all())
        stdout = str(data.get("stdout", ""))
        stderr = str(data.get("stderr", ""))
        if on_stdout is not None and stdout:
            on_stdout(stdout)
        if on_stderr is not None and stderr:
            on_stderr(stderr)
        return CommandResult(
            stdout=stdout,
            stderr=stderr,
            exit_code=_exit_code(data.get("exit_code")),
            duration_ms=data.get("duration_ms") if isinstance(data.get("duration_ms"), int) else None,
            timed_out=bool(data.get("timed_out", False)),
            truncated=bool(data.get("truncated", False)),
        )

    def _run_background(
        self,
        body: dict[str, Any],
        on_stdout: OutputHandler | None,
        on_stderr: OutputHandler | None,
        request_timeout_ms: int | None,
    ) -> CommandHandle:
        started = self._api.call(
            "POST", self._path("/commands"), body, runtime=True, timeout_ms=request_timeout_ms
        )
        pid = _exit_code(started.get("pid"))
        process_id = started.get("process_id")
        try:
            return self._handle(pid, process_id, 0, on_stdout, on_stderr, request_timeout_ms)
        except BaseException:
            try:  # no handle to give back: do not leave an unreachable process running
                self.kill(process_id or pid)
            except TensorBoxError:
                pass
            raise

    def _handle(
        self,
        pid: int,
        process_id: str | None,
        offset: int | None,
        on_stdout: OutputHandler | None,
        on_stderr: OutputHandler | None,
        request_timeout_ms: int | None,
    ) -> CommandHandle:
        query = "" if offset is None else f"?offset={offset}"
        stream = self._api.open(
            "GET",
            self._path(f"/commands/{quote(process_id or pid)}/stream{query}"),
            runtime=True,
            accept="text/event-stream",
            timeout_ms=request_timeout_ms,
        )
        return CommandHandle(self, pid, process_id, stream, on_stdout, on_stderr)

    def connect(
        self,
        pid: PidLike,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        request_timeout_ms: int | None = None,
    ) -> CommandHandle:
        """A handle on a running command, streaming its output from now on.

        Raises :class:`NotFoundError` for an unknown pid.
        """
        found = self._find(pid, request_timeout_ms)
        return self._handle(found.pid, found.process_id, None, on_stdout, on_stderr, request_timeout_ms)

    def _find(self, pid: PidLike, request_timeout_ms: int | None) -> ProcessInfo:
        key = str(pid)
        for info in self._list(True, request_timeout_ms):
            if str(info.pid) == key or info.process_id == key:
                return info
        raise NotFoundError(
            f"No command '{pid}' in sandbox {self._api.sandbox_id}.", status=404, code="process_not_found"
        )

    def list(
        self, include_exited: bool = False, request_timeout_ms: int | None = None
    ) -> builtins.list[ProcessInfo]:
        """The running commands (``include_exited=True``: the ended ones too)."""
        return self._list(include_exited, request_timeout_ms)

    def _list(self, include_exited: bool, request_timeout_ms: int | None) -> builtins.list[ProcessInfo]:
        query = "?all=true" if include_exited else ""
        data = self._api.call(
            "GET", self._path(f"/commands{query}"), runtime=True, timeout_ms=request_timeout_ms
        )
        items = data.get("commands", []) if isinstance(data, dict) else []
        return [ProcessInfo.from_json(item) for item in items if isinstance(item, dict)]

    def kill(self, pid: PidLike, request_timeout_ms: int | None = None) -> bool:
        """Kills a command and its process group: True if killed (or already ended), False if
        there is no such command."""
        result = self._api.call(
            "DELETE",
            self._path(f"/commands/{quote(pid)}"),
            runtime=True,
            timeout_ms=request_timeout_ms,
            not_found_ok=True,
        )
        return result is not NOT_FOUND

    def send_stdin(self, pid: PidLike, data: str | bytes, request_timeout_ms: int | None = None) -> None:
        """Writes ``data`` to the command's stdin (:class:`ConflictError` once it ended)."""
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        self._api.call(
            "POST",
            self._path(f"/commands/{quote(pid)}/stdin"),
            {"data": text},
            runtime=True,
            timeout_ms=request_timeout_ms,
        )

    def close_stdin(self, pid: PidLike, request_timeout_ms: int | None = None) -> None:
        """Closes the command's stdin (end of input)."""
        self._api.call(
            "POST",
            self._path(f"/commands/{quote(pid)}/stdin"),
            {"eof": True},
            runtime=True,
            timeout_ms=request_timeout_ms,
        )

    def send_signal(self, pid: PidLike, signal: str = "SIGTERM", request_timeout_ms: int | None = None) -> None:
        """Sends a signal (``SIGTERM``, ``INT``, ``KILL``, ...) to the command."""
        self._api.call(
            "POST",
            self._path(f"/commands/{quote(pid)}/signal"),
            {"signal": signal},
            runtime=True,
            timeout_ms=request_timeout_ms,
        )


def _exit_code(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _stream_error(data: str) -> TensorBoxError:
    try:
        msg = json.loads(data)
    except ValueError:
        return TensorBoxError(data, code="stream_error")
    if isinstance(msg, dict):
        err = msg.get("error", msg)
        if isinstance(err, dict):
            return TensorBoxError(str(err.get("message", data)), code=err.get("code"))
    return TensorBoxError(str(msg), code="stream_error")
