"""One exception hierarchy for everything the client can raise.

Local failures (no gateway, a gateway that died, a lost connection, a deadline) and
wire errors (a request the gateway answered with an error ``code``) are separate
branches under :class:`TetherError`, so a caller can catch all of Tether with one
``except`` and still tell "my request was refused" from "the gateway went away".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tether.events import Reply


class TetherError(Exception):
    """Base of every error this package raises."""


class GatewayNotFound(TetherError):
    """No gateway could be attached to, and none could be started."""


class GatewayExited(TetherError):
    """The gateway process ended while the client needed it.

    Carries the exit code (negative: the signal that killed it) and the last lines it
    wrote on stderr, which usually say why.
    """

    def __init__(self, message: str, *, exit_code: int | None, stderr_tail: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.stderr_tail = stderr_tail


class ConnectionLost(TetherError):
    """The connection to a gateway closed while requests were open, and could not be restored."""


class Timeout(TetherError):
    """A call ran past its deadline.

    For a run, the run was aborted when the deadline passed; ``reply`` is what it had
    produced by then (``reply.aborted`` is true), or None when it never started.
    """

    def __init__(self, message: str, *, reply: Reply | None = None) -> None:
        super().__init__(message)
        self.reply = reply


class RequestError(TetherError):
    """The gateway answered a request with an error.

    ``code`` is the wire error code (branch on it, or on the subclass, not on the
    text); ``details`` is the whole error line as received.
    """

    def __init__(self, code: str, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details: dict[str, Any] = dict(details or {})


class InvalidRequest(RequestError):
    """The gateway refused the request as malformed or inconsistent.

    Codes ``invalid_request``, ``unknown_type``, ``parse_error`` and ``line_too_long``.
    """


class Busy(RequestError):
    """The session's queue is full, the gateway is shutting down, or another process runs this send (``busy``)."""


class ProviderError(RequestError):
    """Every model of the fallback chain failed (``provider_error``); the message names each one and why."""


class Aborted(RequestError):
    """The run was cancelled while it waited in its session's queue, before it started (``aborted``)."""


class NotFound(RequestError):
    """The named session has no transcript (``not_found``)."""


_BY_CODE: dict[str, type[RequestError]] = {
    "invalid_request": InvalidRequest,
    "unknown_type": InvalidRequest,
    "parse_error": InvalidRequest,
    "line_too_long": InvalidRequest,
    "busy": Busy,
    "provider_error": ProviderError,
    "aborted": Aborted,
    "not_found": NotFound,
}


def request_error(code: str, message: str, details: dict[str, Any] | None = None) -> RequestError:
    """The exception for a wire error ``code``: its subclass, or RequestError itself (e.g. ``internal``)."""
    return _BY_CODE.get(code, RequestError)(code, message, details=details)
