"""What both clients do the same way when a run's deadline passes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tether.backoff import Deadline
from tether.events import Reply
from tether.protocol import DEFAULT_SESSION, SendRequest

ABORT_SETTLE_S = 5.0
"""How long an aborted run may take to answer with its partial text."""


def timeout_message(request: SendRequest, deadline: Deadline, partial: Reply | None, stderr_note: str) -> str:
    """The Timeout text for a run: which run, how long, what was kept, and what to do."""
    session = request.get("session", DEFAULT_SESSION)
    kept = (
        f"it was aborted after streaming {len(partial.text)} characters (in the error's .reply)"
        if partial is not None
        else "it was aborted before it produced anything"
    )
    return (
        f"the run in session {session!r} (idempotency key {request['idempotencyKey']!r}) did not finish within "
        f"{deadline.timeout_s} s; {kept}{stderr_note}; pass a longer timeout=, or use stream() to watch it"
    )


def wire_type(request: Mapping[str, Any]) -> str:
    """The request's ``type``, for messages."""
    return str(request.get("type", "?"))
