"""``sandbox.files``: read, write, list and watch the files of a sandbox (SPEC §9)."""

from __future__ import annotations

import builtins
import collections
import io
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any, Literal, Union, overload

from ._transport import Api, Response
from .exceptions import NotFoundError, TensorBoxError

__all__ = ["Files", "EntryInfo", "WriteInfo", "FilesystemEvent", "FileStream", "WatchHandle"]

WriteData = Union[str, bytes, bytearray, memoryview, IO[bytes], Iterable[bytes]]
"""What :meth:`Files.write` accepts; a file object or an iterable of bytes is streamed."""

_MAX_QUEUED_EVENTS = 10_000
"""Events a :class:`WatchHandle` without a callback keeps until they are read (the oldest go first)."""


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _file_type(value: Any) -> str:
    return value if value in ("dir", "symlink") else "file"


def _base_name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.fromtimestamp(0, timezone.utc)


@dataclass(frozen=True)
class EntryInfo:
    """A file, directory or symlink in the sandbox."""

    name: str
    path: str
    """Absolute path inside the sandbox."""
    type: str
    """``file``, ``dir`` or ``symlink``."""
    size: int
    mode: str
    """Permission bits as an octal string, e.g. ``"0644"``."""
    permissions: str
    """``ls -l`` style, e.g. ``"-rw-r--r--"``."""
    owner: str
    group: str
    modified_at: datetime
    symlink_target: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> EntryInfo:
        """An entry as the server sent it, checked field by field (it comes from inside the sandbox)."""
        if not isinstance(data, dict) or not isinstance(data.get("path"), str):
            raise TensorBoxError(f"unexpected file entry: {str(data)[:200]}", code="protocol_error")
        path = data["path"]
        target = data.get("symlink_target")
        return cls(
            name=data["name"] if isinstance(data.get("name"), str) else _base_name(path),
            path=path,
            type=_file_type(data.get("type")),
            size=_int(data.get("size")),
            mode=_str(data.get("mode")),
            permissions=_str(data.get("permissions")),
            owner=_str(data.get("owner")),
            group=_str(data.get("group")),
            modified_at=_time(data.get("modified_at")),
            symlink_target=target if isinstance(target, str) else None,
        )


@dataclass(frozen=True)
class WriteInfo:
    """What :meth:`Files.write` wrote."""

    name: str
    path: str
    """Absolute path inside the sandbox."""
    type: str
    """Always ``file``."""
    size: int
    """Bytes written."""


@dataclass(frozen=True)
class FilesystemEvent:
    """One change seen by :meth:`Files.watch_dir`."""

    type: str
    """``created``, ``written``, ``removed`` or ``renamed``."""
    path: str
    """Absolute path of what changed."""
    name: str
    """The path relative to the watched directory (E2B's ``name``)."""
    entry_type: str
    """``file``, ``dir`` or ``symlink``."""


class FileStream(io.RawIOBase):
    """A file being downloaded: a binary file object (``read``, ``readinto``) and an iterator of
    byte chunks. Bytes are read from the sandbox as you read them; close it (or use ``with``) when
    you stop early."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self._response = response
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            self._pending = self._response.read1()
            if not self._pending:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def __iter__(self) -> Iterator[bytes]:  # type: ignore[override]
        return self

    def __next__(self) -> bytes:
        """The next chunk as it arrived (not a line)."""
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        chunk = self._response.read1()
        if not chunk:
            raise StopIteration
        return chunk

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()


class WatchHandle:
    """A running :meth:`Files.watch_dir`. Without a callback, iterate over it (blocks until the
    next event; ends after :meth:`stop`) or poll :meth:`get_new_events`. :meth:`stop` ends it."""

    def __init__(
        self,
        stream: Response,
        watched: str,
        on_event: Callable[[FilesystemEvent], object] | None,
        on_exit: Callable[[BaseException | None], object] | None,
    ) -> None:
        self._stream = stream
        self._watched = watched.rstrip("/")
        self._on_event = on_event
        self._on_exit = on_exit
        self._events: collections.deque[FilesystemEvent] = collections.deque(maxlen=_MAX_QUEUED_EVENTS)
        self._cond = threading.Condition()
        self._ready = threading.Event()
        self._ended = False
        self._stopped = False
        self._root = ""
        self._ready_ok = False
        self.error: BaseException | None = None
        """Why the watch ended, when it was not :meth:`stop` (else None)."""
        self._thread = threading.Thread(target=self._pump, name=f"tensorbox-watch-{watched}", daemon=True)
        self._thread.start()

    def _armed(self, timeout_ms: int) -> None:
        if not self._ready.wait(timeout_ms / 1000 if timeout_ms else None) or not self._ready_ok:
            self.stop()
            if isinstance(self.error, TensorBoxError):
                raise self.error
            if self.error is not None:
                raise TensorBoxError(f"the watch of {self._watched} failed: {self.error!r}",
                                     code="stream_broken") from self.error
            raise TensorBoxError(
                f"the watch of {self._watched} was not armed within {timeout_ms} ms", code="request_timeout"
            )

    def _pump(self) -> None:
        failure: BaseException | None = None
        try:
            for event, data in self._stream.events():
                if event == "ready":
                    try:
                        armed = json.loads(data or "{}")
                    except ValueError:
                        armed = {}
                    if isinstance(armed, dict) and isinstance(armed.get("path"), str):
                        self._root = armed["path"].rstrip("/")
                    self._ready_ok = True
                    self._ready.set()
                    continue
                if event == "error":
                    try:
                        msg = json.loads(data)
                        err = msg.get("error", msg) if isinstance(msg, dict) else {}
                    except ValueError:
                        err = {}
                    raise TensorBoxError(str(err.get("message", data)), code=err.get("code", "stream_error"))
                if event not in ("created", "written", "removed", "renamed") or self._stopped:
                    continue
                try:
                    msg = json.loads(data)
                except ValueError:
                    continue
                if not isinstance(msg, dict) or not isinstance(msg.get("path"), str):
                    continue
                kind = msg.get("type") if msg.get("type") in ("created", "written", "removed", "renamed") else event
                ev = FilesystemEvent(
                    type=kind, path=msg["path"], name=self._relative(msg["path"]),
                    entry_type=_file_type(msg.get("entry_type")),
                )
                if self._on_event is not None:
                    self._on_event(ev)
                else:
                    with self._cond:
                        self._events.append(ev)
                        self._cond.notify_all()
            if not self._stopped:
                failure = TensorBoxError(f"the watch of {self._watched} ended", code="stream_ended")
        except BaseException as e:  # noqa: BLE001 - reported by on_exit / error
            if not self._stopped:
                failure = e
        finally:
            self._stream.close()
            self.error = failure
            with self._cond:
                self._ended = True
                self._cond.notify_all()
            self._ready.set()
            if self._on_exit is not None:
                try:
                    self._on_exit(failure)
                except Exception:  # noqa: BLE001 - the user's callback
                    pass

    def _relative(self, path: str) -> str:
        root = self._root
        if not root:
            if self._watched.startswith("/"):
                root = self._watched
            else:
                i = path.find(f"/{self._watched}/")
                if i >= 0:
                    root = path[: i + len(self._watched) + 1]
        if root and path.startswith(root + "/"):
            return path[len(root) + 1:]
        return _base_name(path)

    def get_new_events(self) -> builtins.list[FilesystemEvent]:
        """The events received since the last call (without a callback)."""
        with self._cond:
            events = builtins.list(self._events)
            self._events.clear()
        return events

    def __iter__(self) -> Iterator[FilesystemEvent]:
        while True:
            with self._cond:
                while not self._events and not self._ended:
                    self._cond.wait()
                if self._events:
                    ev = self._events.popleft()
                else:
                    return
            yield ev

    def stop(self) -> None:
        """Stops watching (closes the stream, which ends the watch in the sandbox)."""
        self._stopped = True
        self._stream.abort()
        if threading.current_thread() is not self._thread:
            self._thread.join(5)

    def __enter__(self) -> WatchHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _query(**params: Any) -> str:
    items = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in params.items() if v is not None}
    return "?" + urllib.parse.urlencode(items) if items else ""


def _check_path(path: Any, what: str = "path") -> None:
    if not isinstance(path, str) or not path:
        raise TensorBoxError(f"{what} must be a non-empty string", code="invalid_request")


def _chunks(data: Any) -> Iterator[bytes]:
    for chunk in data:
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TensorBoxError("write: an iterable must yield bytes", code="invalid_request")
        yield bytes(chunk)


class Files:
    """``sandbox.files``. Paths are absolute inside the sandbox or relative to the workspace; the
    rights are those of the command ``user`` (default: the template's default user)."""

    def __init__(self, api: Api) -> None:
        self._api = api

    def _path(self, suffix: str) -> str:
        return self._api.runtime_path + suffix

    @overload
    def read(self, path: str, format: Literal["text"] = "text", user: str | None = None,
             request_timeout_ms: int | None = None) -> str: ...

    @overload
    def read(self, path: str, format: Literal["bytes"], user: str | None = None,
             request_timeout_ms: int | None = None) -> bytes: ...

    @overload
    def read(self, path: str, format: Literal["stream"], user: str | None = None,
             request_timeout_ms: int | None = None) -> FileStream: ...

    def read(self, path: str, format: str = "text", user: str | None = None,
             request_timeout_ms: int | None = None) -> str | bytes | FileStream:
        """Reads a file: ``format="text"`` (UTF-8 str), ``"bytes"``, or ``"stream"`` (a
        :class:`FileStream`: an iterator of byte chunks and a binary file object, read from the
        sandbox as you consume it). :class:`NotFoundError` when it does not exist."""
        _check_path(path)
        if format not in ("text", "bytes", "stream"):
            raise TensorBoxError(f"read: unknown format {format!r} (text, bytes or stream)", code="invalid_request")
        response = self._api.open(
            "GET", self._path("/files" + _query(path=path, user=user)), runtime=True,
            accept="application/octet-stream", timeout_ms=request_timeout_ms,
        )
        if format == "stream":
            return FileStream(response)
        with response:
            data = response.read_all()
        return data if format == "bytes" else data.decode("utf-8")

    def write(self, path: str, data: WriteData, user: str | None = None,
              request_timeout_ms: int | None = None) -> WriteInfo:
        """Writes a file (parents are created, an existing file is replaced). ``data`` is a str
        (UTF-8), bytes, a binary file object or an iterable of bytes; the last two are streamed,
        so a large file never sits in memory."""
        _check_path(path)
        body: Any
        if isinstance(data, str):
            body = data.encode("utf-8")
        elif isinstance(data, (bytes, bytearray, memoryview)):
            body = bytes(data)
        elif hasattr(data, "read"):
            body = data
        elif isinstance(data, Iterable):
            body = _chunks(data)
        else:
            raise TensorBoxError("write: data must be str, bytes, a binary file or an iterable of bytes",
                                 code="invalid_request")
        response = self._api.open(
            "PUT", self._path("/files" + _query(path=path, user=user)), runtime=True, raw=body,
            timeout_ms=request_timeout_ms,
        )
        with response:
            raw = response.read_all()
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        written = answer.get("path") if isinstance(answer, dict) and isinstance(answer.get("path"), str) else path
        size = _int(answer.get("size")) if isinstance(answer, dict) else 0
        return WriteInfo(name=_base_name(written), path=written, type="file", size=size)

    def list(self, path: str, depth: int | None = None, user: str | None = None,
             request_timeout_ms: int | None = None) -> builtins.list[EntryInfo]:
        """The entries under a directory, sorted by path (``depth`` 1, the default, = its children)."""
        _check_path(path)
        data = self._api.call(
            "GET", self._path("/files/list" + _query(path=path, depth=depth, user=user)), runtime=True,
            timeout_ms=request_timeout_ms,
        )
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, builtins.list):
            raise TensorBoxError("files.list: the answer has no entries", code="protocol_error")
        return [EntryInfo.from_json(e) for e in entries]

    def exists(self, path: str, user: str | None = None, request_timeout_ms: int | None = None) -> bool:
        """Whether a file, directory or symlink exists at ``path``."""
        try:
            self.get_info(path, user=user, request_timeout_ms=request_timeout_ms)
            return True
        except NotFoundError as e:
            if e.code == "sandbox_not_found":
                raise
            return False

    def get_info(self, path: str, user: str | None = None, request_timeout_ms: int | None = None) -> EntryInfo:
        """The entry at ``path`` (:class:`NotFoundError` when there is none)."""
        _check_path(path)
        return EntryInfo.from_json(self._api.call(
            "GET", self._path("/files/stat" + _query(path=path, user=user)), runtime=True,
            timeout_ms=request_timeout_ms,
        ))

    def make_dir(self, path: str, user: str | None = None, request_timeout_ms: int | None = None) -> bool:
        """Creates a directory and its parents: True when created, False when it already was a
        directory (:class:`ConflictError` when something else is there)."""
        _check_path(path)
        body = {"path": path} if user is None else {"path": path, "user": user}
        response = self._api.open("POST", self._path("/files/mkdir"), body, runtime=True, timeout_ms=request_timeout_ms)
        with response:
            response.read_all()
        return response.status == 201

    def rename(self, old_path: str, new_path: str, user: str | None = None,
               request_timeout_ms: int | None = None) -> EntryInfo:
        """Moves or renames a file or directory (parents of ``new_path`` are created); returns the
        entry at its new path."""
        _check_path(old_path, "old_path")
        _check_path(new_path, "new_path")
        body = {"from": old_path, "to": new_path}
        if user is not None:
            body["user"] = user
        return EntryInfo.from_json(self._api.call(
            "POST", self._path("/files/move"), body, runtime=True, timeout_ms=request_timeout_ms,
        ))

    def remove(self, path: str, user: str | None = None, request_timeout_ms: int | None = None) -> None:
        """Removes a file, or a directory with its contents (:class:`NotFoundError` when missing)."""
        _check_path(path)
        self._api.call("DELETE", self._path("/files" + _query(path=path, user=user)), runtime=True,
                       timeout_ms=request_timeout_ms)

    def watch_dir(
        self,
        path: str,
        on_event: Callable[[FilesystemEvent], object] | None = None,
        recursive: bool = False,
        user: str | None = None,
        on_exit: Callable[[BaseException | None], object] | None = None,
        request_timeout_ms: int | None = None,
    ) -> WatchHandle:
        """Watches a directory. Returns once the watch is armed (every later change is reported).

        With ``on_event``, it is called (on a background thread) for each change; without it,
        iterate over the handle or call ``get_new_events()``. ``on_exit(error)`` is called once
        when the watch ends (``None`` after ``stop()``)."""
        _check_path(path)
        timeout = self._api.config.request_timeout_ms if request_timeout_ms is None else request_timeout_ms
        stream = self._api.open(
            "GET", self._path("/files/watch" + _query(path=path, recursive=recursive, user=user)), runtime=True,
            accept="text/event-stream", timeout_ms=timeout,
        )
        handle = WatchHandle(stream, path, on_event, on_exit)
        handle._armed(timeout)
        return handle
