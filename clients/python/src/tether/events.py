"""What a run produces, as dataclasses: the final Reply and the events before it.

The wire carries camelCase dictionaries; callers get frozen dataclasses with
snake_case fields, each keeping the dictionary it came from in ``raw`` so nothing the
gateway adds later is out of reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from tether.errors import RequestError, request_error
from tether.protocol import (
    ApprovalRequestedPayload,
    ApprovalResolvedPayload,
    DeliveryPayload,
    Failure,
    ReplyDeltaPayload,
    SendPayload,
    SessionUpdatedPayload,
    ToolCallPayload,
    ToolResultPayload,
    Usage,
    WaitPayload,
)


@dataclass(frozen=True)
class FallbackFailure:
    """A model of the fallback chain that failed before the one that answered."""

    provider: str
    model: str
    error: str


@dataclass(frozen=True)
class Reply:
    """The settled outcome of a run: the reply text and everything known about it.

    ``aborted`` runs carry the partial text streamed before the abort. ``replayed`` is
    true when the gateway answered from the stored result of an earlier send with the
    same idempotency key (nothing ran again).
    """

    text: str
    payloads: tuple[str, ...]
    session: str
    run_id: str
    provider: str
    model: str
    duration_ms: int
    idempotency_key: str | None
    usage: Usage | None = None
    failures: tuple[FallbackFailure, ...] = ()
    aborted: bool = False
    delivered: bool | None = None
    delivery_error: str | None = None
    thinking: str | None = None
    replayed: bool = False
    tools: tuple[str, ...] = ()
    tool_calls: int = 0
    note: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_payload(cls, payload: SendPayload | dict[str, Any]) -> Reply:
        """Builds a Reply from a ``send`` result payload (or a ``wait`` result)."""
        typed = cast(SendPayload, payload)
        meta = typed["meta"]
        texts = tuple(piece["text"] for piece in typed["payloads"])
        failures: list[Failure] = meta.get("failures", [])
        return cls(
            text=texts[0] if texts else "",
            payloads=texts,
            session=meta["session"],
            run_id=meta["runId"],
            provider=meta["provider"],
            model=meta["model"],
            duration_ms=meta["durationMs"],
            idempotency_key=meta.get("idempotencyKey"),
            usage=meta.get("usage"),
            failures=tuple(FallbackFailure(f["provider"], f["model"], f["error"]) for f in failures),
            aborted=meta.get("aborted", False),
            delivered=meta.get("delivered"),
            delivery_error=meta.get("deliveryError"),
            thinking=meta.get("thinking"),
            replayed=meta.get("replayed", False),
            tools=tuple(meta.get("tools", [])),
            tool_calls=meta.get("toolCalls", 0),
            note=meta.get("note"),
            raw=dict(payload),
        )


@dataclass(frozen=True)
class TextDelta:
    """A piece of the reply, in order: the deltas of one run add up to its text so far."""

    session: str
    run_id: str
    seq: int
    text: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SessionUpdated:
    """A message of the run was written to the session's transcript."""

    session: str
    message_count: int
    updated_at: int
    preview: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ReplyFinished:
    """The reply's final text, just before the run's Reply (partial when aborted)."""

    session: str
    run_id: str
    text: str
    provider: str
    model: str
    aborted: bool
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Delivery:
    """How handing the reply to its delivery channel went (``deliver=True``)."""

    session: str
    run_id: str
    to: str
    channel: str
    delivered: bool
    attempts: int
    error: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ToolCall:
    """The model asked for a tool call (before it runs or is approved).

    ``arguments`` is the JSON text as the model wrote it; it may be malformed.
    """

    session: str
    run_id: str
    call_id: str
    step: int
    server: str
    tool: str
    arguments: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ToolResult:
    """How a tool call went. ``content`` is tool output (untrusted), cut to a few
    thousand characters on the wire (``truncated``); history has all of it."""

    session: str
    run_id: str
    call_id: str
    server: str
    tool: str
    ok: bool
    content: str
    chars: int
    truncated: bool
    denied: bool
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ApprovalRequested:
    """A tool call waits for approval: answer with ``approve(call_id, decision)``."""

    session: str
    run_id: str
    call_id: str
    server: str
    tool: str
    arguments: str
    expires_at: int
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        """``server/tool``, as sends and policies name it."""
        return f"{self.server}/{self.tool}"


@dataclass(frozen=True)
class ApprovalResolved:
    """An approval ended: answered (``by="user"``), timed out, or ended with its run."""

    session: str
    run_id: str
    call_id: str
    decision: str
    by: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Retrying:
    """The connection broke mid-run; the run is being sent again with its idempotency key.

    Deltas after this event start over: a run the gateway resumes streams again from
    its first piece under a new run id, and one it attaches to continues from where it
    is. A streaming display should clear what it showed of the broken attempt.
    """

    attempt: int
    delay_s: float
    reason: str


RunEvent = (
    TextDelta
    | SessionUpdated
    | ReplyFinished
    | Delivery
    | ToolCall
    | ToolResult
    | ApprovalRequested
    | ApprovalResolved
    | Retrying
)
"""Any event a stream yields before its Reply."""


def decode_event(name: str, payload: dict[str, Any]) -> RunEvent | None:
    """The typed event for a wire event of a run, or None for one a run never has (heartbeats)."""
    if name == "reply.delta":
        delta = cast(ReplyDeltaPayload, payload)
        return TextDelta(delta["session"], delta["runId"], delta["seq"], delta["text"], raw=payload)
    if name == "session.updated":
        updated = cast(SessionUpdatedPayload, payload)
        return SessionUpdated(
            updated["session"], updated["messageCount"], updated["updatedAt"], updated["preview"], raw=payload
        )
    if name == "reply":
        return ReplyFinished(
            payload["session"],
            payload["runId"],
            str(payload.get("text", "")),  # absent only for a connection that asked for it in-result
            payload["provider"],
            payload["model"],
            bool(payload.get("aborted", False)),
            raw=payload,
        )
    if name == "delivery":
        delivery = cast(DeliveryPayload, payload)
        return Delivery(
            delivery["session"],
            delivery["runId"],
            delivery["to"],
            delivery["channel"],
            delivery["delivered"],
            delivery["attempts"],
            delivery.get("error"),
            raw=payload,
        )
    if name == "tool.call":
        called = cast(ToolCallPayload, payload)
        return ToolCall(
            called["session"],
            called["runId"],
            called["callId"],
            called["step"],
            called["server"],
            called["tool"],
            called["arguments"],
            raw=payload,
        )
    if name == "tool.result":
        result = cast(ToolResultPayload, payload)
        return ToolResult(
            result["session"],
            result["runId"],
            result["callId"],
            result["server"],
            result["tool"],
            result["ok"],
            result["content"],
            result["chars"],
            result.get("truncated", False),
            result.get("denied", False),
            raw=payload,
        )
    if name == "approval.requested":
        asked = cast(ApprovalRequestedPayload, payload)
        return ApprovalRequested(
            asked["session"],
            asked["runId"],
            asked["callId"],
            asked["server"],
            asked["tool"],
            asked["arguments"],
            asked["expiresAt"],
            raw=payload,
        )
    if name == "approval.resolved":
        resolved = cast(ApprovalResolvedPayload, payload)
        return ApprovalResolved(
            resolved["session"],
            resolved["runId"],
            resolved["callId"],
            resolved["decision"],
            resolved["by"],
            raw=payload,
        )
    return None  # heartbeat, session.deleted: not part of any run a client started


@dataclass(frozen=True)
class WaitOutcome:
    """Where a send stands, from ``wait``: its state and, once settled, its reply or error."""

    state: str
    session: str | None
    run_id: str | None
    idempotency_key: str | None
    reply: Reply | None
    error: RequestError | None
    partial_text: str | None
    hint: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_payload(cls, payload: WaitPayload | dict[str, Any]) -> WaitOutcome:
        """Builds the outcome from a ``wait`` result payload."""
        typed = cast(WaitPayload, payload)
        result = typed.get("result")
        wire_error = typed.get("error")
        return cls(
            state=typed["state"],
            session=typed.get("session"),
            run_id=typed.get("runId"),
            idempotency_key=typed.get("idempotencyKey"),
            reply=Reply.from_payload(result) if result is not None else None,
            error=request_error(wire_error["code"], wire_error["message"], dict(wire_error))
            if wire_error is not None
            else None,
            partial_text=typed.get("partialText"),
            hint=typed.get("hint"),
            raw=dict(payload),
        )
