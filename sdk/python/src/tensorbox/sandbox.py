"""The :class:`Sandbox` class: create / connect / list / kill sandboxes, and their commands."""

from __future__ import annotations

import builtins
import time as _time
import types
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from ._transport import NOT_FOUND, Api, ConnectionConfig, Transport, quote
from .commands import Commands
from .files import Files
from .models import SandboxInfo
from .exceptions import ConflictError, UnavailableError
from .processes import Processes

__all__ = ["Sandbox"]

_PC = ParamSpec("_PC")
_RC = TypeVar("_RC")
_PI = ParamSpec("_PI")
_RI = TypeVar("_RI")


class _ClassOrInstanceMethod(Generic[_PC, _RC, _PI, _RI]):
    """A method with two forms: ``Sandbox.kill(sandbox_id)`` on the class and ``sandbox.kill()``
    on an instance (as E2B's SDK has). Each form is an ordinary, fully typed function."""

    def __init__(
        self,
        on_class: Callable[Concatenate[Any, _PC], _RC],
        on_instance: Callable[Concatenate[Any, _PI], _RI],
    ) -> None:
        self._on_class = on_class
        self._on_instance = on_instance
        self.__doc__ = f"{on_instance.__doc__}\n\nOn the class: {on_class.__doc__}"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Callable[_PC, _RC]: ...

    @overload
    def __get__(self, obj: object, owner: type[Any] | None = None) -> Callable[_PI, _RI]: ...

    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> Callable[..., Any]:
        if obj is None:
            return types.MethodType(self._on_class, owner)
        return types.MethodType(self._on_instance, obj)


def _static_api(
    api_url: str | None, api_key: str | None, request_timeout_ms: int | None, domain: str | None = None
) -> Api:
    return Api(ConnectionConfig.resolve(api_url, api_key, domain, request_timeout_ms))


def _kill_by_id(
    cls: type[Sandbox],
    sandbox_id: str,
    *,
    api_url: str | None = None,
    api_key: str | None = None,
    request_timeout_ms: int | None = None,
) -> bool:
    """``Sandbox.kill(sandbox_id)``: True if it was killed (or had stopped), False if not found."""
    api = _static_api(api_url, api_key, request_timeout_ms)
    try:
        return api.call("DELETE", f"/v1/sandboxes/{quote(sandbox_id)}", not_found_ok=True) is not NOT_FOUND
    finally:
        api.transport.close()


def _set_timeout_by_id(
    cls: type[Sandbox],
    sandbox_id: str,
    timeout: int,
    *,
    api_url: str | None = None,
    api_key: str | None = None,
    request_timeout_ms: int | None = None,
) -> SandboxInfo:
    """``Sandbox.set_timeout(sandbox_id, seconds)``: the sandbox now stops ``timeout`` seconds
    from now; returns the updated record."""
    api = _static_api(api_url, api_key, request_timeout_ms)
    try:
        data = api.call("POST", f"/v1/sandboxes/{quote(sandbox_id)}/timeout", {"timeout_seconds": int(timeout)})
    finally:
        api.transport.close()
    return SandboxInfo.from_json(data)


def _get_info_by_id(
    cls: type[Sandbox],
    sandbox_id: str,
    *,
    api_url: str | None = None,
    api_key: str | None = None,
    request_timeout_ms: int | None = None,
) -> SandboxInfo:
    """``Sandbox.get_info(sandbox_id)``: the sandbox's current record."""
    api = _static_api(api_url, api_key, request_timeout_ms)
    try:
        return SandboxInfo.from_json(api.call("GET", f"/v1/sandboxes/{quote(sandbox_id)}"))
    finally:
        api.transport.close()


_START_WAIT_S = 120
"""How long create waits for a pending sandbox (a pod being scheduled) to run."""


class Sandbox:
    """A TensorBox sandbox.

    Make one with :meth:`create` (which keeps the sandbox's access token and uses it for every
    command) or :meth:`connect` (an existing sandbox; commands then use the API key). Options
    default to the environment: ``TENSORBOX_API_URL`` (default ``http://localhost:8080``),
    ``TENSORBOX_API_KEY`` (required), ``TENSORBOX_DOMAIN``.

    Used as a context manager, the sandbox is killed at the end of the ``with`` block.
    """

    commands: Commands
    """Run commands (foreground, background), list / connect / kill them, write their stdin."""
    files: Files
    """Read, write, list and watch the sandbox's files."""
    processes: Processes
    """The Processes API of seed 000 (start, list, get, logs, kill)."""

    def __init__(
        self,
        *,
        info: SandboxInfo,
        config: ConnectionConfig,
        access_token: str | None = None,
        _transport: Transport | None = None,
    ) -> None:
        """Internal: use :meth:`create` or :meth:`connect`."""
        self._info = info
        self._config = config
        self._access_token = access_token
        self._transport = _transport or Transport(config.api_url)
        self._api = Api(config, self._transport, info.sandbox_id, access_token)
        self.commands = Commands(self._api)
        self.files = Files(self._api)
        self.processes = Processes(self._api)

    # -- identity -------------------------------------------------------------------------------

    @property
    def sandbox_id(self) -> str:
        return self._info.sandbox_id

    @property
    def id(self) -> str:
        """Alias of :attr:`sandbox_id`."""
        return self._info.sandbox_id

    @property
    def access_token(self) -> str | None:
        """The sandbox's access token (only known to the :meth:`create` caller)."""
        return self._access_token

    @property
    def runtime_url(self) -> str:
        return self._info.runtime_url or f"{self._config.api_url}/v1/sandboxes/{self.sandbox_id}"

    @property
    def template(self) -> str:
        return self._info.template

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self._info.metadata)

    @property
    def api_url(self) -> str:
        return self._config.api_url

    def get_host(self, port: int) -> str:
        """The preview host of ``port``: ``"{port}-{sandbox id with _ as -}.{domain}"`` (SPEC §6; a
        host name has no ``_``), where the domain is the ``domain`` option, else ``TENSORBOX_DOMAIN``,
        else the API URL's host name."""
        return f"{int(port)}-{self.sandbox_id.replace('_', '-')}.{self._config.host_domain}"

    # -- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        template: str | None = None,
        timeout: int | None = None,
        metadata: Mapping[str, str] | None = None,
        envs: Mapping[str, str] | None = None,
        *,
        api_url: str | None = None,
        api_key: str | None = None,
        domain: str | None = None,
        request_timeout_ms: int | None = None,
    ) -> Sandbox:
        """Creates a sandbox.

        ``template``: the template name (server default ``base``); ``timeout``: seconds until the
        sandbox is stopped; ``metadata``: your labels; ``envs``: variables of every command.
        """
        config = ConnectionConfig.resolve(api_url, api_key, domain, request_timeout_ms)
        body: dict[str, Any] = {}
        if template is not None:
            body["template"] = template
        if timeout is not None:
            body["timeout_seconds"] = timeout
        if envs is not None:
            body["env"] = dict(envs)
        if metadata is not None:
            body["metadata"] = dict(metadata)
        api = Api(config)
        data = api.call("POST", "/v1/sandboxes", body)
        token = data.get("access_token") if isinstance(data, dict) else None
        info = SandboxInfo.from_json(data)
        # on kubernetes create answers "pending" while the pod starts: a sandbox is usable once running
        deadline = _time.monotonic() + _START_WAIT_S
        pause = 0.05
        while info.state == "pending":
            if _time.monotonic() > deadline:
                raise UnavailableError(f"Sandbox {info.sandbox_id} is still pending after {_START_WAIT_S} s.",
                                       code="sandbox_not_started")
            _time.sleep(pause)
            pause = min(0.5, pause * 2)
            info = SandboxInfo.from_json(api.call("GET", f"/v1/sandboxes/{info.sandbox_id}"))
        if info.state != "running":
            raise ConflictError(f"Sandbox {info.sandbox_id} is {info.state}.", status=409, code="sandbox_not_running")
        return cls(info=info, config=config, access_token=token or None, _transport=api.transport)

    @classmethod
    def connect(
        cls,
        sandbox_id: str,
        *,
        api_url: str | None = None,
        api_key: str | None = None,
        domain: str | None = None,
        request_timeout_ms: int | None = None,
        access_token: str | None = None,
    ) -> Sandbox:
        """Connects to an existing sandbox (:class:`NotFoundError` if there is none).

        The server gives the access token only to the creator, so commands use the API key
        unless you pass the ``access_token`` you kept.
        """
        config = ConnectionConfig.resolve(api_url, api_key, domain, request_timeout_ms)
        api = Api(config)
        data = api.call("GET", f"/v1/sandboxes/{quote(sandbox_id)}")
        return cls(
            info=SandboxInfo.from_json(data), config=config, access_token=access_token, _transport=api.transport
        )

    @classmethod
    def list(
        cls,
        state: str | None = None,
        *,
        api_url: str | None = None,
        api_key: str | None = None,
        request_timeout_ms: int | None = None,
    ) -> builtins.list[SandboxInfo]:
        """The team's sandboxes (``state="running"`` to filter)."""
        api = _static_api(api_url, api_key, request_timeout_ms)
        query = f"?state={quote(state)}" if state else ""
        try:
            data = api.call("GET", f"/v1/sandboxes{query}")
        finally:
            api.transport.close()
        items = data.get("sandboxes", []) if isinstance(data, dict) else []
        return [SandboxInfo.from_json(item) for item in items if isinstance(item, dict)]

    # kill / set_timeout / get_info: Sandbox.kill(sandbox_id, ...) on the class (the functions
    # above) and sandbox.kill() on an instance

    def _kill_self(self) -> bool:
        """Kills this sandbox: True if it was killed (or had stopped), False if not found."""
        try:
            return self._api.call("DELETE", f"/v1/sandboxes/{quote(self.sandbox_id)}", not_found_ok=True) is not NOT_FOUND
        finally:
            self._transport.close()

    kill = _ClassOrInstanceMethod(_kill_by_id, _kill_self)

    def _set_timeout_self(self, timeout: int) -> SandboxInfo:
        """The sandbox now stops ``timeout`` seconds from now; returns the updated record."""
        data = self._api.call(
            "POST", f"/v1/sandboxes/{quote(self.sandbox_id)}/timeout", {"timeout_seconds": int(timeout)}
        )
        self._info = SandboxInfo.from_json(data)
        return self._info

    set_timeout = _ClassOrInstanceMethod(_set_timeout_by_id, _set_timeout_self)

    def _get_info_self(self) -> SandboxInfo:
        """The sandbox's current record (state, expires_at, ...)."""
        self._info = SandboxInfo.from_json(self._api.call("GET", f"/v1/sandboxes/{quote(self.sandbox_id)}"))
        return self._info

    get_info = _ClassOrInstanceMethod(_get_info_by_id, _get_info_self)

    def is_running(self) -> bool:
        """True while the sandbox's state is ``running``."""
        return self._get_info_self().state == "running"

    def close(self) -> None:
        """Closes the pooled connections (the sandbox keeps running)."""
        self._transport.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self._kill_self()

    def __repr__(self) -> str:
        return f"Sandbox(sandbox_id={self.sandbox_id!r}, template={self.template!r})"
