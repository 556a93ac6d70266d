"""The wire protocol of ``tether rpc``, version 1, as typed dictionaries.

One TypedDict per request, result payload and event payload, field for field as
``docs/protocol.schema.json`` describes them (a test holds them to that file, so
they cannot drift). Required keys are declared in a ``_...Fields`` base and optional
ones in a ``total=False`` subclass, which works from Python 3.10 on.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

PROTOCOL_VERSION = 1
"""The protocol version this client speaks."""

DEFAULT_SESSION = "main"
"""The session a send goes to when it names none."""

MAX_WAIT_MS = 3_600_000
"""The longest ``timeoutMs`` a ``wait`` request may ask for."""

RequestId = str | float  # a JSON number: int values are floats to the type checker too
ThinkingLevel = Literal["off", "minimal", "low", "medium", "high"]
EventName = Literal[
    "reply.delta",
    "reply",
    "heartbeat",
    "session.updated",
    "delivery",
    "session.deleted",
    "tool.call",
    "tool.result",
    "approval.requested",
    "approval.resolved",
]
ApprovalDecision = Literal["allow-once", "allow-session", "deny"]
ToolPolicy = Literal["allow", "ask", "deny"]
ErrorCode = Literal[
    "parse_error",
    "invalid_request",
    "unknown_type",
    "line_too_long",
    "not_found",
    "aborted",
    "provider_error",
    "busy",
    "internal",
]
MessageSource = Literal["rpc", "cli", "heartbeat"]
ReplyState = Literal["complete", "aborted", "failed", "interrupted", "streaming"]
RunState = Literal["queued", "running", "done", "aborted", "failed", "interrupted", "unknown"]
HeartbeatOutcome = Literal["ok", "sent", "skipped", "failed"]

# ---------------------------------------------------------------------------
# Requests


class _StatusRequestFields(TypedDict):
    type: Literal["status"]


class StatusRequest(_StatusRequestFields, total=False):
    id: RequestId
    verbose: bool


class _SendRequestFields(TypedDict):
    type: Literal["send"]
    text: str


class SendRequest(_SendRequestFields, total=False):
    id: RequestId
    session: str
    thinking: ThinkingLevel
    deliver: bool
    to: str
    model: str
    idempotencyKey: str
    tools: list[str]


class _SetHeartbeatsRequestFields(TypedDict):
    type: Literal["set-heartbeats"]
    enabled: bool


class SetHeartbeatsRequest(_SetHeartbeatsRequestFields, total=False):
    id: RequestId


class _AbortRequestFields(TypedDict):
    type: Literal["abort"]


class AbortRequest(_AbortRequestFields, total=False):
    id: RequestId
    session: str
    runId: str


class _CompactRequestFields(TypedDict):
    type: Literal["compact"]
    session: str


class CompactRequest(_CompactRequestFields, total=False):
    id: RequestId


class _SessionsRequestFields(TypedDict):
    type: Literal["sessions"]


class SessionsRequest(_SessionsRequestFields, total=False):
    id: RequestId


class _HistoryRequestFields(TypedDict):
    type: Literal["history"]
    session: str


class HistoryRequest(_HistoryRequestFields, total=False):
    id: RequestId
    limit: int
    before: int


class _HelloClientFields(TypedDict):
    name: str


class HelloClient(_HelloClientFields, total=False):
    version: str


class _HelloRequestFields(TypedDict):
    type: Literal["hello"]
    protocol: int


class HelloRequest(_HelloRequestFields, total=False):
    id: RequestId
    client: HelloClient
    events: list[EventName]
    replyText: Literal["full", "in-result"]
    approvals: Literal["own", "all"]


class _UpdateSessionRequestFields(TypedDict):
    type: Literal["update-session"]
    session: str


class UpdateSessionRequest(_UpdateSessionRequestFields, total=False):
    id: RequestId
    title: str | None
    pinned: bool


class _DeleteSessionRequestFields(TypedDict):
    type: Literal["delete-session"]
    session: str


class DeleteSessionRequest(_DeleteSessionRequestFields, total=False):
    id: RequestId


class _RestoreSessionRequestFields(TypedDict):
    type: Literal["restore-session"]
    trashId: str


class RestoreSessionRequest(_RestoreSessionRequestFields, total=False):
    id: RequestId


class _SearchRequestFields(TypedDict):
    type: Literal["search"]
    query: str


class SearchRequest(_SearchRequestFields, total=False):
    id: RequestId
    limit: int
    offset: int


class _WaitRequestFields(TypedDict):
    type: Literal["wait"]


class WaitRequest(_WaitRequestFields, total=False):
    id: RequestId
    idempotencyKey: str
    runId: str
    session: str
    timeoutMs: int


class _ModelsRequestFields(TypedDict):
    type: Literal["models"]


class ModelsRequest(_ModelsRequestFields, total=False):
    id: RequestId


class _ToolsRequestFields(TypedDict):
    type: Literal["tools"]


class ToolsRequest(_ToolsRequestFields, total=False):
    id: RequestId


class _ApproveRequestFields(TypedDict):
    type: Literal["approve"]
    callId: str
    decision: ApprovalDecision


class ApproveRequest(_ApproveRequestFields, total=False):
    id: RequestId


Request = (
    StatusRequest
    | SendRequest
    | SetHeartbeatsRequest
    | AbortRequest
    | CompactRequest
    | SessionsRequest
    | HistoryRequest
    | HelloRequest
    | WaitRequest
    | ModelsRequest
    | UpdateSessionRequest
    | DeleteSessionRequest
    | RestoreSessionRequest
    | SearchRequest
    | ToolsRequest
    | ApproveRequest
)

# ---------------------------------------------------------------------------
# Result payloads


class HeartbeatStatus(TypedDict):
    enabled: bool
    intervalMs: int
    lastAt: int | None
    lastOutcome: HeartbeatOutcome | None
    nextAt: int | None


class QueueStatus(TypedDict):
    depth: int
    running: int


class RunningRun(TypedDict):
    runId: str
    startedAt: int
    source: str


class SessionQueueInfo(TypedDict):
    session: str
    queued: int
    running: RunningRun | None


class MemoryStatus(TypedDict):
    rss: int
    heapUsed: int
    heapTotal: int
    external: int


class EventLoopLag(TypedDict):
    p50: float
    p99: float
    max: float


class ProviderInfo(TypedDict):
    id: str
    label: str
    defaultModel: str


ToolServerState = Literal["idle", "starting", "ready", "restarting", "failed", "stopped"]


class _ToolServerStatusFields(TypedDict):
    name: str
    transport: Literal["stdio", "http"]
    state: ToolServerState
    tools: int
    restarts: int


class ToolServerStatus(_ToolServerStatusFields, total=False):
    pid: int
    error: str
    retryAt: int
    stderrTail: str


class _StatusPayloadFields(TypedDict):
    ok: Literal[True]
    protocol: int
    version: str
    pid: int
    uptimeMs: int
    provider: str
    providerLabel: str
    heartbeats: HeartbeatStatus
    sessions: int
    queue: QueueStatus


class StatusPayload(_StatusPayloadFields, total=False):
    shutdownGraceMs: int
    sessionQueues: list[SessionQueueInfo]
    memory: MemoryStatus
    eventLoopLagMs: EventLoopLag
    dataDir: str
    providers: list[ProviderInfo]
    fallback: list[str]
    toolServers: list[ToolServerStatus]


class Usage(TypedDict, total=False):
    inputTokens: int
    outputTokens: int
    totalTokens: int


class Failure(TypedDict):
    provider: str
    model: str
    error: str


class ReplyText(TypedDict):
    text: str


class _SendMetaFields(TypedDict):
    session: str
    runId: str
    provider: str
    model: str
    durationMs: int


class SendMeta(_SendMetaFields, total=False):
    thinking: ThinkingLevel
    aborted: bool
    delivered: bool
    deliveryError: str
    usage: Usage
    failures: list[Failure]
    idempotencyKey: str
    replayed: bool
    via: Literal["gateway", "in-process"]
    tools: list[str]
    toolCalls: int
    note: str


class SendPayload(TypedDict):
    payloads: list[ReplyText]
    meta: SendMeta


class SetHeartbeatsPayload(TypedDict):
    enabled: bool


class AbortPayload(TypedDict):
    aborted: int
    runIds: list[str]


class CompactPayload(TypedDict):
    session: str
    messagesBefore: int
    messagesAfter: int
    transcriptMessages: int
    summary: str


class _SessionSummaryFields(TypedDict):
    key: str
    updatedAt: int
    messageCount: int
    preview: str
    thinking: ThinkingLevel | None


class SessionSummary(_SessionSummaryFields, total=False):
    title: str
    pinned: Literal[True]


class SessionsPayload(TypedDict):
    sessions: list[SessionSummary]


class _HistoryToolCallFields(TypedDict):
    callId: str
    step: int
    server: str
    tool: str
    arguments: str


class HistoryToolCall(_HistoryToolCallFields, total=False):
    ok: bool
    content: str
    denied: bool


class _HistoryMessageFields(TypedDict):
    index: int
    role: Literal["user", "assistant"]
    text: str
    ts: int
    runId: str


class HistoryMessage(_HistoryMessageFields, total=False):
    source: MessageSource
    provider: str
    model: str
    aborted: bool
    error: str
    idempotencyKey: str
    state: ReplyState
    seq: int
    failures: list[Failure]
    toolCalls: list[HistoryToolCall]


class HistoryPayload(TypedDict):
    session: str
    messages: list[HistoryMessage]
    total: int
    hasMore: bool


class ModelChoice(TypedDict):
    provider: str
    model: str


class ModelsPayload(TypedDict):
    default: ModelChoice
    providers: list[ProviderInfo]
    fallback: list[ModelChoice]


class HelloPayload(TypedDict):
    protocol: int
    version: str
    capabilities: list[str]


class UpdateSessionPayload(TypedDict):
    session: SessionSummary


class DeleteSessionPayload(TypedDict):
    session: str
    trashId: str
    trashPath: str


class RestoreSessionPayload(TypedDict):
    session: SessionSummary


class SearchMatch(TypedDict):
    start: int
    end: int


class _SearchHitFields(TypedDict):
    kind: Literal["title", "message"]
    session: str
    ts: int
    snippet: str
    matches: list[SearchMatch]


class SearchHit(_SearchHitFields, total=False):
    title: str
    index: int
    role: Literal["user", "assistant"]


class _SearchPayloadFields(TypedDict):
    query: str
    hits: list[SearchHit]
    total: int


class SearchPayload(_SearchPayloadFields, total=False):
    nextOffset: int


class WireError(TypedDict):
    code: ErrorCode
    message: str


class _WaitPayloadFields(TypedDict):
    state: RunState


class WaitPayload(_WaitPayloadFields, total=False):
    session: str
    runId: str
    idempotencyKey: str
    result: SendPayload
    error: WireError
    partialText: str
    hint: str


# ---------------------------------------------------------------------------
# Responses


class _ResultResponseFields(TypedDict):
    type: Literal["result"]
    ok: Literal[True]
    payload: dict[str, object]


class ResultResponse(_ResultResponseFields, total=False):
    id: RequestId


class _ErrorResponseFields(TypedDict):
    type: Literal["error"]
    ok: Literal[False]
    code: ErrorCode
    error: str


class ErrorResponse(_ErrorResponseFields, total=False):
    id: RequestId


# ---------------------------------------------------------------------------
# Event payloads


class _ReplyDeltaPayloadFields(TypedDict):
    session: str
    runId: str
    seq: int
    text: str


class ReplyDeltaPayload(_ReplyDeltaPayloadFields, total=False):
    idempotencyKey: str


class _ReplyPayloadFields(TypedDict):
    session: str
    runId: str
    text: str
    source: MessageSource
    provider: str
    model: str


class ReplyPayload(_ReplyPayloadFields, total=False):
    aborted: bool
    delivered: bool
    failures: list[Failure]
    idempotencyKey: str


class _ReplyWithoutTextPayloadFields(TypedDict):
    session: str
    runId: str
    source: MessageSource
    provider: str
    model: str
    textInResult: Literal[True]


class ReplyWithoutTextPayload(_ReplyWithoutTextPayloadFields, total=False):
    """A `reply` event of a connection that asked hello for `replyText: "in-result"`: the result has the text."""

    aborted: bool
    delivered: bool
    failures: list[Failure]
    idempotencyKey: str


class _HeartbeatPayloadFields(TypedDict):
    outcome: HeartbeatOutcome
    at: int
    session: str


class HeartbeatPayload(_HeartbeatPayloadFields, total=False):
    runId: str
    reason: str
    text: str
    error: str


class _SessionUpdatedPayloadFields(TypedDict):
    session: str
    updatedAt: int
    messageCount: int
    preview: str


class SessionUpdatedPayload(_SessionUpdatedPayloadFields, total=False):
    title: str
    pinned: Literal[True]
    idempotencyKey: str


class SessionDeletedPayload(TypedDict):
    session: str
    trashId: str


class _DeliveryPayloadFields(TypedDict):
    session: str
    runId: str
    to: str
    channel: Literal["outbox", "webhook"]
    delivered: bool
    attempts: int


class DeliveryPayload(_DeliveryPayloadFields, total=False):
    error: str
    keptIn: str
    idempotencyKey: str


class _CatalogToolFields(TypedDict):
    name: str
    server: str
    tool: str
    inputSchema: dict[str, Any]
    policy: ToolPolicy


class CatalogTool(_CatalogToolFields, total=False):
    title: str
    description: str
    annotations: dict[str, Any]


class _ToolServerCatalogFields(TypedDict):
    name: str
    transport: Literal["stdio", "http"]
    state: ToolServerState
    tools: int
    restarts: int
    catalog: list[CatalogTool]


class ToolServerCatalog(_ToolServerCatalogFields, total=False):
    pid: int
    error: str
    retryAt: int
    stderrTail: str


class ToolsPayload(TypedDict):
    servers: list[ToolServerCatalog]


class ApprovePayload(TypedDict):
    callId: str
    decision: ApprovalDecision


class _ToolCallPayloadFields(TypedDict):
    session: str
    runId: str
    callId: str
    step: int
    server: str
    tool: str
    arguments: str


class ToolCallPayload(_ToolCallPayloadFields, total=False):
    idempotencyKey: str


class _ToolResultPayloadFields(TypedDict):
    session: str
    runId: str
    callId: str
    server: str
    tool: str
    ok: bool
    content: str
    chars: int


class ToolResultPayload(_ToolResultPayloadFields, total=False):
    truncated: bool
    denied: bool
    idempotencyKey: str


class _ApprovalRequestedPayloadFields(TypedDict):
    session: str
    runId: str
    callId: str
    server: str
    tool: str
    arguments: str
    expiresAt: int


class ApprovalRequestedPayload(_ApprovalRequestedPayloadFields, total=False):
    idempotencyKey: str


class _ApprovalResolvedPayloadFields(TypedDict):
    session: str
    runId: str
    callId: str
    decision: ApprovalDecision
    by: Literal["user", "timeout", "abort"]


class ApprovalResolvedPayload(_ApprovalResolvedPayloadFields, total=False):
    idempotencyKey: str


RESULT_PAYLOADS: dict[str, type] = {
    "status": StatusPayload,
    "send": SendPayload,
    "set-heartbeats": SetHeartbeatsPayload,
    "abort": AbortPayload,
    "compact": CompactPayload,
    "sessions": SessionsPayload,
    "history": HistoryPayload,
    "hello": HelloPayload,
    "wait": WaitPayload,
    "models": ModelsPayload,
    "update-session": UpdateSessionPayload,
    "delete-session": DeleteSessionPayload,
    "restore-session": RestoreSessionPayload,
    "search": SearchPayload,
    "tools": ToolsPayload,
    "approve": ApprovePayload,
}
"""The result payload type of each request type."""

REQUESTS: dict[str, type] = {
    "status": StatusRequest,
    "send": SendRequest,
    "set-heartbeats": SetHeartbeatsRequest,
    "abort": AbortRequest,
    "compact": CompactRequest,
    "sessions": SessionsRequest,
    "history": HistoryRequest,
    "hello": HelloRequest,
    "wait": WaitRequest,
    "models": ModelsRequest,
    "update-session": UpdateSessionRequest,
    "delete-session": DeleteSessionRequest,
    "restore-session": RestoreSessionRequest,
    "search": SearchRequest,
    "tools": ToolsRequest,
    "approve": ApproveRequest,
}
"""The TypedDict of each request type."""

EVENT_PAYLOADS: dict[str, Any] = {
    "reply.delta": ReplyDeltaPayload,
    "reply": ReplyPayload | ReplyWithoutTextPayload,
    "heartbeat": HeartbeatPayload,
    "session.updated": SessionUpdatedPayload,
    "delivery": DeliveryPayload,
    "session.deleted": SessionDeletedPayload,
    "tool.call": ToolCallPayload,
    "tool.result": ToolResultPayload,
    "approval.requested": ApprovalRequestedPayload,
    "approval.resolved": ApprovalResolvedPayload,
}
"""The payload type of each event."""
