"""HTTP plumbing: configuration, a keep-alive connection pool on http.client, SSE parsing.

Internal module: nothing here is public API.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import threading
import urllib.parse
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .exceptions import (
    AuthenticationError,
    InvalidArgumentError,
    RequestTimeoutError,
    TensorBoxError,
    UnavailableError,
    error_from_response,
)

__version__ = "0.1.0"

DEFAULT_API_URL = "http://localhost:8080"
DEFAULT_REQUEST_TIMEOUT_MS = 30_000
_MAX_IDLE = 8
NOT_FOUND: object = object()
"""What Api.call returns for a 404 when called with not_found_ok=True."""
_READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class ConnectionConfig:
    """Where and how to reach the TensorBox API (options first, then the environment)."""

    api_url: str
    api_key: str
    domain: str | None
    request_timeout_ms: int

    @classmethod
    def resolve(
        cls,
        api_url: str | None = None,
        api_key: str | None = None,
        domain: str | None = None,
        request_timeout_ms: int | None = None,
    ) -> ConnectionConfig:
        url = (api_url or os.environ.get("TENSORBOX_API_URL") or DEFAULT_API_URL).rstrip("/")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidArgumentError(
                f"api_url: {url!r} is not an http(s) URL", code="invalid_api_url"
            )
        key = api_key or os.environ.get("TENSORBOX_API_KEY")
        if not key:
            raise AuthenticationError(
                "No TensorBox API key: pass api_key=... or set TENSORBOX_API_KEY",
                code="missing_api_key",
            )
        dom = domain or os.environ.get("TENSORBOX_DOMAIN") or None
        timeout = DEFAULT_REQUEST_TIMEOUT_MS if request_timeout_ms is None else request_timeout_ms
        if timeout < 0:
            raise InvalidArgumentError("request_timeout_ms: must be >= 0", code="invalid_argument")
        return cls(api_url=url, api_key=key, domain=dom, request_timeout_ms=timeout)

    @property
    def host_domain(self) -> str:
        """The domain of preview hosts: option, TENSORBOX_DOMAIN, else the API URL's host name."""
        if self.domain:
            return self.domain
        return urllib.parse.urlsplit(self.api_url).hostname or "localhost"


def _seconds(timeout_ms: int | None) -> float | None:
    """Socket timeout for a request timeout in ms; 0 or None = no timeout."""
    if not timeout_ms:
        return None
    return timeout_ms / 1000.0


class Transport:
    """A small thread-safe pool of keep-alive http.client connections to one API origin."""

    def __init__(self, api_url: str) -> None:
        parts = urllib.parse.urlsplit(api_url)
        self._url = api_url
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _close_connections, self._idle)
        self._ssl: ssl.SSLContext | None = ssl.create_default_context() if self._https else None

    def _new_connection(self, timeout: float | None) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=self._ssl, blocksize=_READ_SIZE
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout, blocksize=_READ_SIZE)

    def _acquire(self) -> http.client.HTTPConnection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def release(self, conn: http.client.HTTPConnection) -> None:
        """Gives back a connection whose last response was read to its end."""
        if conn.sock is None:
            return
        with self._lock:
            if len(self._idle) < _MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Closes the idle connections (requests made later open new ones)."""
        with self._lock:
            idle = list(self._idle)
            self._idle.clear()
        _close_connections(idle)

    def open(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: Any,
        timeout_ms: int | None,
    ) -> tuple[http.client.HTTPConnection, socket.socket | None, http.client.HTTPResponse]:
        """Sends a request and returns once the response headers are in (with the socket, which
        http.client forgets when the server said it will close the connection).

        ``body`` is bytes, or a binary file object / iterable of bytes that is sent as it is read
        (chunked unless its length is known); such a body cannot be sent twice, so it always goes
        on a new connection."""
        timeout = _seconds(timeout_ms)
        target = self._prefix + path
        replayable = body is None or isinstance(body, (bytes, bytearray, memoryview))
        for attempt in ((0, 1) if replayable else (1,)):
            conn = self._acquire() if attempt == 0 else None
            reused = conn is not None
            if conn is None:
                conn = self._new_connection(timeout)
            else:
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
            try:
                conn.request(method, target, body=body, headers=dict(headers))
                sock = conn.sock
                return conn, sock, conn.getresponse()
            except TimeoutError as e:  # socket.timeout is TimeoutError since Python 3.10
                conn.close()
                raise RequestTimeoutError(
                    f"{method} {path}: no answer from {self._url} within {timeout_ms} ms",
                    code="request_timeout",
                ) from e
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as e:
                conn.close()
                if reused:
                    continue  # the server closed an idle keep-alive connection: retry on a new one
                raise UnavailableError(
                    f"{method} {path}: connection to {self._url} lost: {e}", code="connection_error"
                ) from e
            except OSError as e:
                conn.close()
                raise UnavailableError(
                    f"cannot reach the TensorBox API at {self._url}: {e}", code="connection_error"
                ) from e
            except http.client.HTTPException as e:
                conn.close()
                raise TensorBoxError(
                    f"{method} {path}: bad HTTP answer from {self._url}: {e!r}", code="protocol_error"
                ) from e
        raise AssertionError("unreachable")


def _close_connections(connections: list[http.client.HTTPConnection]) -> None:
    for conn in connections:
        conn.close()


class Response:
    """A streamed response: read with :meth:`read1` / :meth:`events`, then :meth:`close`."""

    def __init__(
        self,
        transport: Transport,
        conn: http.client.HTTPConnection,
        sock: socket.socket | None,
        resp: http.client.HTTPResponse,
    ) -> None:
        self._transport = transport
        self._conn = conn
        self._resp = resp
        self._sock = sock
        self._done = False
        self._closed = False
        self.aborted = False
        self.status = resp.status
        self.content_type = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
        self.set_read_timeout(None)  # the request timeout bounds the headers, not the stream

    def set_read_timeout(self, timeout_ms: int | None) -> None:
        if self._sock is not None:
            try:
                self._sock.settimeout(_seconds(timeout_ms))
            except OSError:
                pass

    def read1(self) -> bytes:
        """Whatever has arrived (at least one byte), or b"" at the end of the body."""
        if self._done or self._closed:
            return b""
        try:
            data = self._resp.read1(_READ_SIZE)
        except (OSError, http.client.HTTPException, ValueError, AttributeError) as e:
            self._done = True
            if self.aborted:
                return b""
            raise UnavailableError(f"the stream broke: {e!r}", code="stream_broken") from e
        if not data:
            self._done = True
        return data

    def read_all(self) -> bytes:
        chunks = []
        while True:
            data = self.read1()
            if not data:
                return b"".join(chunks)
            chunks.append(data)

    def events(self) -> Iterator[tuple[str, str]]:
        """Server-sent events of the body as (event name, data)."""
        parser = SSEParser()
        while True:
            data = self.read1()
            if not data:
                return
            yield from parser.feed(data)

    def finish(self, timeout_ms: int | None) -> None:
        """Reads the rest of the body (expected to be empty) so the connection can be reused."""
        if not self._done and not self._closed:
            try:
                self.set_read_timeout(timeout_ms or 5000)
                while self.read1():
                    pass
            except TensorBoxError:
                pass
        self.close()

    def abort(self) -> None:
        """Breaks the stream from any thread (a blocked read returns)."""
        self.aborted = True
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._done and not self.aborted and not self._resp.will_close and self._conn.sock is not None:
            self._resp.close()
            self._transport.release(self._conn)
        else:
            self._resp.close()
            self._conn.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SSEParser:
    """Incremental text/event-stream parser (WHATWG rules; unknown fields are ignored)."""

    def __init__(self) -> None:
        self._buf = b""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        buf = self._buf + chunk if self._buf else chunk
        out: list[tuple[str, str]] = []
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            end = nl - 1 if nl > start and buf[nl - 1] == 0x0D else nl
            ev = self._line(buf[start:end].decode("utf-8", "replace"))
            if ev is not None:
                out.append(ev)
            start = nl + 1
        self._buf = buf[start:]
        return out

    def _line(self, line: str) -> tuple[str, str] | None:
        if not line:
            if not self._data:
                self._event = ""
                return None
            ev = (self._event or "message", "\n".join(self._data))
            self._event = ""
            self._data = []
            return ev
        if line[0] == ":":
            return None
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        return None  # id, retry and unknown fields (e.g. content-type) are ignored


class Api:
    """Calls of one client: control routes with the API key, runtime routes of one sandbox with its
    access token (or the key when there is no token)."""

    def __init__(
        self,
        config: ConnectionConfig,
        transport: Transport | None = None,
        sandbox_id: str | None = None,
        access_token: str | None = None,
    ) -> None:
        self.config = config
        self.transport = transport or Transport(config.api_url)
        self.sandbox_id = sandbox_id
        self.access_token = access_token
        agent = f"tensorbox-python/{__version__}"
        self._control_headers = {"Authorization": f"Bearer {config.api_key}", "User-Agent": agent}
        if access_token:
            self._runtime_headers = {"X-Access-Token": access_token, "User-Agent": agent}
        else:
            self._runtime_headers = self._control_headers

    @property
    def runtime_path(self) -> str:
        return f"/v1/sandboxes/{quote(self.sandbox_id or '')}"

    def _headers(self, runtime: bool, accept: str, content_type: str | None) -> dict[str, str]:
        headers = dict(self._runtime_headers if runtime else self._control_headers)
        headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def open(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        runtime: bool = False,
        accept: str = "application/json",
        timeout_ms: int | None = None,
        raw: Any = None,
    ) -> Response:
        """Sends a request; raises the typed error for an error status; else the open response.

        ``raw`` (instead of the JSON ``body``) is sent as ``application/octet-stream``: bytes, a
        binary file object or an iterable of bytes, streamed."""
        if raw is not None:
            payload: Any = raw
            content_type: str | None = "application/octet-stream"
        else:
            payload = None if body is None else json.dumps(body).encode("utf-8")
            content_type = None if payload is None else "application/json"
        timeout = self.config.request_timeout_ms if timeout_ms is None else timeout_ms
        conn, sock, resp = self.transport.open(
            method, path, self._headers(runtime, accept, content_type), payload, timeout
        )
        response = Response(self.transport, conn, sock, resp)
        if resp.status >= 400:
            with response:
                try:
                    data = response.read_all()
                except TensorBoxError:
                    data = b""
            raise error_from_response(resp.status, data)
        return response

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        runtime: bool = False,
        timeout_ms: int | None = None,
        not_found_ok: bool = False,
    ) -> Any:
        """A JSON call: the parsed body (None for 204; NOT_FOUND for a 404 with not_found_ok)."""
        timeout = self.config.request_timeout_ms if timeout_ms is None else timeout_ms
        try:
            response = self.open(method, path, body, runtime=runtime, timeout_ms=timeout_ms)
        except TensorBoxError as e:
            if not_found_ok and e.status == 404:
                return NOT_FOUND
            raise
        with response:
            response.set_read_timeout(timeout)
            try:
                data = response.read_all()
            except UnavailableError as e:
                if isinstance(e.__cause__, TimeoutError):
                    raise RequestTimeoutError(
                        f"{method} {path}: the answer did not arrive within {timeout} ms",
                        code="request_timeout",
                    ) from e
                raise
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError as e:
            raise TensorBoxError(
                f"{method} {path}: the answer is not JSON: {data[:200]!r}",
                status=response.status,
                code="protocol_error",
            ) from e


def quote(segment: str | int) -> str:
    return urllib.parse.quote(str(segment), safe="")
