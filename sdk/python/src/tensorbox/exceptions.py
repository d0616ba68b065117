"""Typed errors of the TensorBox SDK.

Every error the SDK raises is a :class:`TensorBoxError`. Errors answered by the server carry the
HTTP ``status``, the server's error ``code`` (``"sandbox_not_found"``, ...) and the server's own
message (``str(err)`` is that message).
"""

from __future__ import annotations

import builtins
import json
from typing import Any

__all__ = [
    "TensorBoxError",
    "InvalidArgumentError",
    "AuthenticationError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "UnavailableError",
    "RequestTimeoutError",
    "error_from_response",
]


class TensorBoxError(Exception):
    """Base class of every error raised by the SDK."""

    status: int | None
    """HTTP status of the server's answer, ``None`` when the error did not come from the server."""
    code: str | None
    """The server's error code (``error.code`` of the JSON body), or an SDK code."""
    message: str
    """The server's message (``error.message``), or the SDK's."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class InvalidArgumentError(TensorBoxError):
    """400: the request is invalid (the message names the field)."""


class AuthenticationError(TensorBoxError):
    """401: no API key, or a bad one (also raised, with status None, when no key is configured)."""


class ForbiddenError(TensorBoxError):
    """403: the key's role is too low for this call."""


class NotFoundError(TensorBoxError):
    """404: no such sandbox, process or key (or one of another team)."""


class ConflictError(TensorBoxError):
    """409: the thing is in the wrong state (sandbox not running, process ended, ...)."""


class RateLimitError(TensorBoxError):
    """429: over a limit."""


class UnavailableError(TensorBoxError):
    """503: the runtime is unavailable; also raised (status None) when the API cannot be reached."""


class RequestTimeoutError(TensorBoxError, builtins.TimeoutError):
    """The server did not answer within ``request_timeout_ms``."""


_BY_STATUS: dict[int, type[TensorBoxError]] = {
    400: InvalidArgumentError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
    503: UnavailableError,
}


def error_from_response(status: int, body: bytes) -> TensorBoxError:
    """Builds the typed error for an HTTP error answer ``{"error":{"code","message"}}``."""
    code: str | None = None
    message: str | None = None
    try:
        parsed: Any = json.loads(body)
        err = parsed.get("error") if isinstance(parsed, dict) else None
        if isinstance(err, dict):
            code = err.get("code") if isinstance(err.get("code"), str) else None
            message = err.get("message") if isinstance(err.get("message"), str) else None
    except ValueError:
        pass
    if message is None:
        text = body.decode("utf-8", "replace").strip()
        message = text[:500] if text else f"HTTP {status}"
    cls = _BY_STATUS.get(status, TensorBoxError)
    return cls(message, status=status, code=code)
