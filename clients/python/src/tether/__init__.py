"""Tether's Python client: dispatch prompts to a local Tether gateway and get settled replies.

``tether.connect()`` attaches to the gateway serving a data dir, or starts one; the
returned Client (and AsyncClient, from ``tether.connect_async()``) runs prompts,
streams replies, runs many at once, and retries a broken run with its idempotency key
so that it runs exactly once.
"""

from tether.approvals import Approver
from tether.async_client import AsyncClient
from tether.backoff import Backoff
from tether.client import Client
from tether.connect import connect, connect_async
from tether.errors import (
    Aborted,
    Busy,
    ConnectionLost,
    GatewayExited,
    GatewayNotFound,
    InvalidRequest,
    NotFound,
    ProviderError,
    RequestError,
    TetherError,
    Timeout,
)
from tether.events import (
    ApprovalRequested,
    ApprovalResolved,
    Delivery,
    FallbackFailure,
    Reply,
    ReplyFinished,
    Retrying,
    RunEvent,
    SessionUpdated,
    TextDelta,
    ToolCall,
    ToolResult,
    WaitOutcome,
)
from tether.locate import default_data_dir, socket_path
from tether.version import __version__

__all__ = [
    "Aborted",
    "ApprovalRequested",
    "ApprovalResolved",
    "Approver",
    "AsyncClient",
    "Backoff",
    "Busy",
    "Client",
    "ConnectionLost",
    "Delivery",
    "FallbackFailure",
    "GatewayExited",
    "GatewayNotFound",
    "InvalidRequest",
    "NotFound",
    "ProviderError",
    "Reply",
    "ReplyFinished",
    "RequestError",
    "Retrying",
    "RunEvent",
    "SessionUpdated",
    "TetherError",
    "TextDelta",
    "Timeout",
    "ToolCall",
    "ToolResult",
    "WaitOutcome",
    "__version__",
    "connect",
    "connect_async",
    "default_data_dir",
    "socket_path",
]
