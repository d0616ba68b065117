"""TensorBox Python SDK: disposable Linux sandboxes for running code.

>>> from tensorbox import Sandbox
>>> sandbox = Sandbox.create()
>>> res = sandbox.commands.run('python3 -c "print(1 + 1)"')
>>> res.stdout, res.exit_code
('2\\n', 0)
>>> sandbox.kill()
True

Configuration: options, else ``TENSORBOX_API_URL`` / ``TENSORBOX_API_KEY`` / ``TENSORBOX_DOMAIN``.
"""

from ._transport import ConnectionConfig, __version__
from .commands import CommandHandle, Commands, OutputHandler
from .exceptions import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    TensorBoxError,
    UnavailableError,
)
from .files import EntryInfo, FileStream, Files, FilesystemEvent, WatchHandle, WriteInfo
from .models import CommandResult, ProcessInfo, ProcessRecord, SandboxInfo
from .processes import Processes
from .sandbox import Sandbox

__all__ = [
    "__version__",
    "Sandbox",
    "SandboxInfo",
    "Commands",
    "CommandHandle",
    "CommandResult",
    "OutputHandler",
    "ProcessInfo",
    "Files",
    "EntryInfo",
    "WriteInfo",
    "FileStream",
    "FilesystemEvent",
    "WatchHandle",
    "Processes",
    "ProcessRecord",
    "ConnectionConfig",
    "TensorBoxError",
    "InvalidArgumentError",
    "AuthenticationError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "UnavailableError",
    "RequestTimeoutError",
]
