/**
 * Wire protocol of `tether rpc`, version 1: every request, response and event.
 *
 * These zod schemas are the single source of truth. Types are derived from them,
 * every inbound line is parsed through them, and `docs/protocol.schema.json` is
 * generated from them (see `json-schema.ts`). The seed contract
 * (`{"type":"status"}`, `send`, `set-heartbeats`, `{"type":"error","error":…}`)
 * is a subset: no `id`, no handshake.
 *
 * Unknown fields on requests are ignored (stripped), so newer clients can talk to
 * older hosts; every known field is checked strictly.
 */
import { z } from 'zod';

/** The protocol version this host speaks; `hello` negotiates down to it. */
export const PROTOCOL_VERSION = 1;

/** The session a request names when it names none. */
export const DEFAULT_SESSION = 'main';

// ---------------------------------------------------------------------------
// Shared pieces

/** Correlates a request with its response and the events it causes. */
export const RequestIdSchema = z.union([z.string().max(256), z.number().finite()]);
export type RequestId = z.infer<typeof RequestIdSchema>;

/**
 * A session key, e.g. `main` or `+15551234567`.
 *
 * Keys become file names (encoded), so control characters and path separators are
 * refused outright rather than escaped into surprising names.
 */
export const SessionKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\u0000-\u001f\u007f/\\]+$/u, 'must not contain "/", "\\" or control characters');
export type SessionKey = z.infer<typeof SessionKeySchema>;

/** How hard the provider should think; passed to providers that support it. */
export const ThinkingLevelSchema = z.enum(['off', 'minimal', 'low', 'medium', 'high']);
export type ThinkingLevel = z.infer<typeof ThinkingLevelSchema>;

/**
 * Names one logical send, so that sending it again never runs it twice.
 *
 * Opaque to the host (clients should use a UUID) and scoped to the session. It is
 * stored on the transcript records the send writes and never used in a file path.
 */
export const IdempotencyKeySchema = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
export type IdempotencyKey = z.infer<typeof IdempotencyKeySchema>;

/** Names of the events the host emits. */
export const EventNameSchema = z.enum(['reply.delta', 'reply', 'heartbeat', 'session.updated', 'delivery', 'session.deleted', 'tool.call', 'tool.result', 'approval.requested', 'approval.resolved']);
export type EventName = z.infer<typeof EventNameSchema>;

/** A tool's name as sends and events give it: `server/tool`, or a pattern such as `server/*`. */
export const ToolNameSchema = z.string().min(3).max(200);

/** An answer to an approval: run this call, run every call of this tool in the session from now on, or do not run it. */
export const ApprovalDecisionSchema = z.enum(['allow-once', 'allow-session', 'deny']);
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

/** What the config's policy says about a tool. */
export const ToolPolicySchema = z.enum(['allow', 'ask', 'deny']);

/** Machine-readable error codes; `error` carries the human message. */
export const ErrorCodeSchema = z.enum([
  'parse_error',
  'invalid_request',
  'unknown_type',
  'line_too_long',
  'not_found',
  'aborted',
  'provider_error',
  'busy',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** Timestamps on the wire are milliseconds since the Unix epoch. */
const EpochMs = z.number().int().nonnegative();

const withId = { id: RequestIdSchema.optional() };

// ---------------------------------------------------------------------------
// Requests (stdin)

/** Health ping; `verbose` adds per-session queues, memory and event-loop lag. */
export const StatusRequestSchema = z.object({
  type: z.literal('status'),
  ...withId,
  verbose: z.boolean().optional(),
});

/** Runs one agent turn in a session and answers with the reply. */
export const SendRequestSchema = z.object({
  type: z.literal('send'),
  ...withId,
  text: z.string().min(1, 'must not be empty'),
  session: SessionKeySchema.optional(),
  thinking: ThinkingLevelSchema.optional(),
  deliver: z.boolean().optional(),
  to: z.string().min(1, 'must not be empty').max(512).optional(),
  model: z.string().min(1, 'must not be empty').max(200).optional(),
  /** Makes the send retry-safe: a send with a key the session has seen is attached, replayed or resumed, never run twice. */
  idempotencyKey: IdempotencyKeySchema.optional(),
  /**
   * The tools the model may call: `server/tool` names and `server/*` patterns of
   * the configured MCP servers. The session remembers the choice for later sends
   * that give none; `[]` chooses none. Without it: the session's last choice, else
   * the config's `tools.default`.
   */
  tools: z.array(ToolNameSchema).max(500).optional(),
});

/** Starts or stops the heartbeat timer at once, without a restart. */
export const SetHeartbeatsRequestSchema = z.object({
  type: z.literal('set-heartbeats'),
  ...withId,
  enabled: z.boolean(),
});

/** Aborts one run (`runId`) or every run of a session (default `main`). */
export const AbortRequestSchema = z.object({
  type: z.literal('abort'),
  ...withId,
  session: SessionKeySchema.optional(),
  runId: z.string().min(1).max(128).optional(),
});

/** Replaces a session's provider context with a summary; the transcript stays on disk. */
export const CompactRequestSchema = z.object({
  type: z.literal('compact'),
  ...withId,
  session: SessionKeySchema,
});

/** Lists the known sessions, most recently updated first. */
export const SessionsRequestSchema = z.object({
  type: z.literal('sessions'),
  ...withId,
});

/** Reads a page of a session's transcript, oldest first. */
export const HistoryRequestSchema = z.object({
  type: z.literal('history'),
  ...withId,
  session: SessionKeySchema,
  limit: z.number().int().min(1).max(1000).optional(),
  before: z.number().int().nonnegative().optional(),
});

/**
 * Changes what lists show of a session: its display title (`null` or `""` clears it)
 * and whether it is pinned. The key, and so the transcript, stays as it is.
 */
export const UpdateSessionRequestSchema = z.object({
  type: z.literal('update-session'),
  ...withId,
  session: SessionKeySchema,
  title: z.string().max(200, 'must be at most 200 characters').nullable().optional(),
  pinned: z.boolean().optional(),
});

/** Moves a session's transcript to the trash folder of the data dir; `restore-session` undoes it. */
export const DeleteSessionRequestSchema = z.object({
  type: z.literal('delete-session'),
  ...withId,
  session: SessionKeySchema,
});

/** The name a deleted session has in the trash, as `delete-session` answered it. */
export const TrashIdSchema = z
  .string()
  .min(1)
  .max(400)
  .regex(/^[A-Za-z0-9%._-]+$/u, 'must be a trash id as "delete-session" answered it');

/** Puts a deleted session back where it was, with its title and pin. */
export const RestoreSessionRequestSchema = z.object({
  type: z.literal('restore-session'),
  ...withId,
  trashId: TrashIdSchema,
});

/** The most search results one page holds. */
export const MAX_SEARCH_LIMIT = 100;

/**
 * Finds sessions by title and messages by text, across every session: each word of
 * `query` must appear (case-insensitive). Title matches first, then messages, newest
 * first; paged by `offset`.
 */
export const SearchRequestSchema = z.object({
  type: z.literal('search'),
  ...withId,
  query: z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
  offset: z.number().int().nonnegative().optional(),
});

/** The longest a `wait` may hold its answer back. */
export const MAX_WAIT_MS = 3_600_000;

/**
 * Asks what became of a send, by its idempotency key or run id, optionally waiting
 * up to `timeoutMs` for it to end: how a client that lost its connection learns the
 * outcome without sending again.
 */
export const WaitRequestSchema = z
  .object({
    type: z.literal('wait'),
    ...withId,
    idempotencyKey: IdempotencyKeySchema.optional(),
    runId: z.string().min(1).max(128).optional(),
    /** The session of the key (default `main`); for a run id, narrows the search. */
    session: SessionKeySchema.optional(),
    /** How long to wait for a terminal state; 0 (the default) answers at once. */
    timeoutMs: z.number().int().min(0).max(MAX_WAIT_MS).optional(),
  })
  .refine((request) => (request.idempotencyKey === undefined) !== (request.runId === undefined), {
    message: 'give exactly one of "idempotencyKey" and "runId"',
    path: ['idempotencyKey'],
  });

/** Lists the models a send can name: the configured providers, the default, and the fallback chain. */
export const ModelsRequestSchema = z.object({
  type: z.literal('models'),
  ...withId,
});

/** Optional handshake: version negotiation, capabilities and event selection. */
export const HelloRequestSchema = z.object({
  type: z.literal('hello'),
  ...withId,
  protocol: z.number().int().min(1),
  client: z
    .object({ name: z.string().min(1).max(100), version: z.string().max(100).optional() })
    .optional(),
  events: z.array(EventNameSchema).optional(),
  /**
   * `in-result`: the `reply` event of this connection's own sends leaves its text
   * out (with `textInResult: true`), because the send's result carries the same
   * text; a big reply then crosses the connection once, not twice. `full` (the
   * default, and what a connection that never says hello gets) keeps it.
   */
  replyText: z.enum(['full', 'in-result']).optional(),
  /**
   * `all`: this connection also gets the `approval.requested` and
   * `approval.resolved` events of runs other connections started, so it can answer
   * them (an approver for headless scripts, a second window). `own` (the default)
   * gets those of its own runs. The gateway's stdio connection, the app, always gets all.
   */
  approvals: z.enum(['own', 'all']).optional(),
});

/** Lists the configured MCP servers (starting them) and the tools each offers. */
export const ToolsRequestSchema = z.object({
  type: z.literal('tools'),
  ...withId,
});

/** Answers an `approval.requested` event. */
export const ApproveRequestSchema = z.object({
  type: z.literal('approve'),
  ...withId,
  callId: z.string().min(1).max(200),
  decision: ApprovalDecisionSchema,
});

/** Every request the host understands, told apart by `type`. */
export const RequestSchema = z.discriminatedUnion('type', [
  StatusRequestSchema,
  SendRequestSchema,
  SetHeartbeatsRequestSchema,
  AbortRequestSchema,
  CompactRequestSchema,
  SessionsRequestSchema,
  HistoryRequestSchema,
  HelloRequestSchema,
  WaitRequestSchema,
  ModelsRequestSchema,
  UpdateSessionRequestSchema,
  DeleteSessionRequestSchema,
  RestoreSessionRequestSchema,
  SearchRequestSchema,
  ToolsRequestSchema,
  ApproveRequestSchema,
]);
export type Request = z.infer<typeof RequestSchema>;
export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

/** The request schema for each `type`, for precise per-type validation errors. */
export const REQUEST_SCHEMAS = {
  status: StatusRequestSchema,
  send: SendRequestSchema,
  'set-heartbeats': SetHeartbeatsRequestSchema,
  abort: AbortRequestSchema,
  compact: CompactRequestSchema,
  sessions: SessionsRequestSchema,
  history: HistoryRequestSchema,
  hello: HelloRequestSchema,
  wait: WaitRequestSchema,
  models: ModelsRequestSchema,
  'update-session': UpdateSessionRequestSchema,
  'delete-session': DeleteSessionRequestSchema,
  'restore-session': RestoreSessionRequestSchema,
  search: SearchRequestSchema,
  tools: ToolsRequestSchema,
  approve: ApproveRequestSchema,
} as const satisfies { [T in RequestType]: z.ZodType<RequestOf<T>> };

export const REQUEST_TYPES = Object.keys(REQUEST_SCHEMAS) as RequestType[];

// ---------------------------------------------------------------------------
// Result payloads

/** What a heartbeat came to: suppressed (`ok`), delivered (`sent`), not run, or failed. */
export const HeartbeatOutcomeSchema = z.enum(['ok', 'sent', 'skipped', 'failed']);
export type HeartbeatOutcome = z.infer<typeof HeartbeatOutcomeSchema>;

export const HeartbeatStatusSchema = z.object({
  enabled: z.boolean(),
  intervalMs: z.number().int().positive(),
  lastAt: EpochMs.nullable(),
  lastOutcome: HeartbeatOutcomeSchema.nullable(),
  nextAt: EpochMs.nullable(),
});

export const SessionQueueInfoSchema = z.object({
  session: SessionKeySchema,
  queued: z.number().int().nonnegative(),
  running: z.object({ runId: z.string(), startedAt: EpochMs, source: z.string() }).nullable(),
});

/** A configured MCP server as `status` (verbose) and `tools` show it. */
export const ToolServerStatusSchema = z.object({
  name: z.string(),
  transport: z.enum(['stdio', 'http']),
  /** `idle`: not started yet (servers start on first use); `restarting`: crashed, starting again at `retryAt`; `failed`: could not start. */
  state: z.enum(['idle', 'starting', 'ready', 'restarting', 'failed', 'stopped']),
  /** Tools it offers (0 until it is ready). */
  tools: z.number().int().nonnegative(),
  /** Restarts after crashes so far. */
  restarts: z.number().int().nonnegative(),
  pid: z.number().int().optional(),
  error: z.string().optional(),
  retryAt: EpochMs.optional(),
  /** The end of what the server wrote on stderr (stdio servers). */
  stderrTail: z.string().optional(),
});

export const StatusPayloadSchema = z.object({
  ok: z.literal(true),
  protocol: z.number().int(),
  version: z.string(),
  pid: z.number().int(),
  uptimeMs: z.number().int().nonnegative(),
  provider: z.string(),
  providerLabel: z.string(),
  heartbeats: HeartbeatStatusSchema,
  sessions: z.number().int().nonnegative(),
  queue: z.object({
    depth: z.number().int().nonnegative(),
    running: z.number().int().nonnegative(),
  }),
  /**
   * How long runs may finish after stdin EOF or SIGTERM before they are aborted: a
   * supervisor waits at least this long before it escalates. Absent from hosts before 0.1.
   */
  shutdownGraceMs: z.number().int().nonnegative().optional(),
  // verbose only
  sessionQueues: z.array(SessionQueueInfoSchema).optional(),
  memory: z
    .object({
      rss: z.number().int(),
      heapUsed: z.number().int(),
      heapTotal: z.number().int(),
      external: z.number().int(),
    })
    .optional(),
  eventLoopLagMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).optional(),
  dataDir: z.string().optional(),
  /** Every provider the host offers (verbose only). */
  providers: z.array(z.object({ id: z.string(), label: z.string(), defaultModel: z.string() })).optional(),
  /** The fallback chain, as model references (verbose only). */
  fallback: z.array(z.string()).optional(),
  /** The configured MCP servers (verbose only). */
  toolServers: z.array(ToolServerStatusSchema).optional(),
});
export type StatusPayload = z.infer<typeof StatusPayloadSchema>;

export const UsageSchema = z.object({
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  totalTokens: z.number().int().nonnegative().optional(),
});

/** One model of the fallback chain that failed before another answered. */
export const ModelFailureSchema = z.object({ provider: z.string(), model: z.string(), error: z.string() });
export type ModelFailure = z.infer<typeof ModelFailureSchema>;

export const SendMetaSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  provider: z.string(),
  model: z.string(),
  durationMs: z.number().int().nonnegative(),
  thinking: ThinkingLevelSchema.optional(),
  aborted: z.boolean().optional(),
  delivered: z.boolean().optional(),
  deliveryError: z.string().optional(),
  usage: UsageSchema.optional(),
  /** Models of the fallback chain that failed before the one that answered, in order. */
  failures: z.array(ModelFailureSchema).optional(),
  /** The send's idempotency key, when it had one. */
  idempotencyKey: IdempotencyKeySchema.optional(),
  /** True when this answer is the stored result of an earlier send with the same key: nothing ran again. */
  replayed: z.boolean().optional(),
  /**
   * `tether agent` only (never on the wire): which path served the turn, the gateway
   * serving the data dir (over its socket) or a gateway in the CLI's own process.
   */
  via: z.enum(['gateway', 'in-process']).optional(),
  /** The tools the model was offered (`server/tool`), when it was offered any. */
  tools: z.array(z.string()).optional(),
  /** Tool calls the model made in this run. */
  toolCalls: z.number().int().nonnegative().optional(),
  /** Something the caller should know about how the run ended, e.g. that the turn limit (`tools.maxSteps`) stopped it. */
  note: z.string().optional(),
});

export const SendPayloadSchema = z.object({
  payloads: z.array(z.object({ text: z.string() })),
  meta: SendMetaSchema,
});
export type SendPayload = z.infer<typeof SendPayloadSchema>;
export type SendMeta = z.infer<typeof SendMetaSchema>;

export const SetHeartbeatsPayloadSchema = z.object({ enabled: z.boolean() });

export const AbortPayloadSchema = z.object({
  aborted: z.number().int().nonnegative(),
  runIds: z.array(z.string()),
});

export const CompactPayloadSchema = z.object({
  session: SessionKeySchema,
  messagesBefore: z.number().int().nonnegative(),
  messagesAfter: z.number().int().nonnegative(),
  transcriptMessages: z.number().int().nonnegative(),
  summary: z.string(),
});

export const SessionSummarySchema = z.object({
  key: SessionKeySchema,
  updatedAt: EpochMs,
  messageCount: z.number().int().nonnegative(),
  preview: z.string(),
  thinking: ThinkingLevelSchema.nullable(),
  /** The display title the user gave it (`update-session`); absent when it has none. */
  title: z.string().optional(),
  /** Present (`true`) when the user pinned it. */
  pinned: z.literal(true).optional(),
});
export type SessionSummary = z.infer<typeof SessionSummarySchema>;

export const SessionsPayloadSchema = z.object({ sessions: z.array(SessionSummarySchema) });

/** Where a message came from: a client's send, the heartbeat timer, or the one-shot CLI. */
export const MessageSourceSchema = z.enum(['rpc', 'cli', 'heartbeat']);
export type MessageSource = z.infer<typeof MessageSourceSchema>;

/** How a reply ended: whole, stopped by an abort, broken off by a provider failure, or cut short by the gateway stopping. */
export const ReplyStateSchema = z.enum(['complete', 'aborted', 'failed', 'interrupted', 'streaming']);
export type ReplyState = z.infer<typeof ReplyStateSchema>;

/** A tool call a reply's run made, as `history` shows it. */
export const HistoryToolCallSchema = z.object({
  callId: z.string(),
  /** The model request of the run that asked for it (1-based). */
  step: z.number().int().positive(),
  server: z.string(),
  tool: z.string(),
  /** The arguments as the model wrote them (JSON text). */
  arguments: z.string(),
  /** Absent when the call has no result (the gateway stopped while it ran). */
  ok: z.boolean().optional(),
  /** The full result the model was given: tool output, untrusted. */
  content: z.string().optional(),
  /** Not run: denied by the user or the policy, or its approval timed out. */
  denied: z.boolean().optional(),
});

export const HistoryMessageSchema = z.object({
  index: z.number().int().nonnegative(),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  ts: EpochMs,
  runId: z.string(),
  source: MessageSourceSchema.optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  aborted: z.boolean().optional(),
  /** An assistant reply that failed (broken off after streaming this much, or with no text at all): why. */
  error: z.string().optional(),
  /** The idempotency key of the send this message belongs to. */
  idempotencyKey: IdempotencyKeySchema.optional(),
  /**
   * Replies only: how the reply ended. `streaming` is a reply still running in this
   * gateway (its text is the last checkpoint, up to `seq`); `interrupted` is one the
   * gateway stopped under (a crash): its text is what was checkpointed.
   */
  state: ReplyStateSchema.optional(),
  /** For a `streaming` reply: the last `reply.delta` seq its text includes. */
  seq: z.number().int().min(-1).optional(),
  /** Replies answered after the fallback chain skipped models: those models and why, in the order tried. */
  failures: z.array(ModelFailureSchema).optional(),
  /** Replies: the tool calls of the run, in call order. */
  toolCalls: z.array(HistoryToolCallSchema).optional(),
});
export type HistoryMessage = z.infer<typeof HistoryMessageSchema>;

export const HistoryPayloadSchema = z.object({
  session: SessionKeySchema,
  messages: z.array(HistoryMessageSchema),
  total: z.number().int().nonnegative(),
  hasMore: z.boolean(),
});

export const HelloPayloadSchema = z.object({
  protocol: z.number().int(),
  version: z.string(),
  capabilities: z.array(z.string()),
});

export const UpdateSessionPayloadSchema = z.object({ session: SessionSummarySchema });

export const DeleteSessionPayloadSchema = z.object({
  session: SessionKeySchema,
  /** Names the transcript in `<data dir>/trash/`: pass it to `restore-session` to undo. */
  trashId: TrashIdSchema,
  /** The file the transcript was moved to. */
  trashPath: z.string(),
});

export const RestoreSessionPayloadSchema = z.object({ session: SessionSummarySchema });

/** One search hit: a session whose title matches, or one message. */
export const SearchHitSchema = z.object({
  kind: z.enum(['title', 'message']),
  session: SessionKeySchema,
  title: z.string().optional(),
  /** `message` hits: the message's index, for `history` (`before: index + 1`). */
  index: z.number().int().nonnegative().optional(),
  role: z.enum(['user', 'assistant']).optional(),
  ts: EpochMs,
  /** The matching text around the first match, whitespace collapsed, cut with `…`. */
  snippet: z.string(),
  /** Where in `snippet` each query word matched: from `start` up to (not including) `end`, in UTF-16 units. */
  matches: z.array(z.object({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative() })),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchPayloadSchema = z.object({
  query: z.string(),
  hits: z.array(SearchHitSchema),
  /** Every hit there is, over all pages. */
  total: z.number().int().nonnegative(),
  /** The `offset` of the next page; absent on the last. */
  nextOffset: z.number().int().nonnegative().optional(),
});
export type SearchPayload = z.infer<typeof SearchPayloadSchema>;

/** Where a send stands, as `wait` reports it. */
export const RunStateSchema = z.enum(['queued', 'running', 'done', 'aborted', 'failed', 'interrupted', 'unknown']);
export type RunState = z.infer<typeof RunStateSchema>;

export const WaitPayloadSchema = z.object({
  state: RunStateSchema,
  /** The send's session; absent only for an `unknown` run id asked about in every session. */
  session: SessionKeySchema.optional(),
  runId: z.string().optional(),
  idempotencyKey: IdempotencyKeySchema.optional(),
  /** `done` and `aborted`: the send's answer, as a repeated `send` would give it (`meta.replayed: true`). */
  result: SendPayloadSchema.optional(),
  /** `failed`: the error `send` answered with. */
  error: z.object({ code: ErrorCodeSchema, message: z.string() }).optional(),
  /** `interrupted`: the reply text the gateway kept before it stopped (may be empty). */
  partialText: z.string().optional(),
  /** A sentence on what to do next, for the non-obvious states (`interrupted`, `unknown`). */
  hint: z.string().optional(),
});
export type WaitPayload = z.infer<typeof WaitPayloadSchema>;

/** A model a send can name, as `provider` and `model` (the reference is `provider/model`). */
export const ModelChoiceSchema = z.object({ provider: z.string(), model: z.string() });

export const ModelsPayloadSchema = z.object({
  /** The model a send without `model` asks first. */
  default: ModelChoiceSchema,
  /** Every provider, built-in `echo` first: `model: "<id>"` asks its `defaultModel`, `"<id>/<model>"` another model. */
  providers: z.array(z.object({ id: z.string(), label: z.string(), defaultModel: z.string() })),
  /** The fallback chain, in order: tried after the asked model fails before any output (a model already tried is skipped). */
  fallback: z.array(ModelChoiceSchema),
});
export type ModelsPayload = z.infer<typeof ModelsPayloadSchema>;
/** One tool of the catalog. */
export const CatalogToolSchema = z.object({
  /** `server/tool`, the name sends use. */
  name: z.string(),
  server: z.string(),
  /** The tool's own name on its server. */
  tool: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  /** JSON Schema of its arguments, as the server gives it. */
  inputSchema: z.record(z.string(), z.unknown()),
  /** MCP annotations (`readOnlyHint`, `destructiveHint`, …): hints from the server, not guarantees. */
  annotations: z.record(z.string(), z.unknown()).optional(),
  /** What happens when the model calls it: the config's policy, else the default. */
  policy: ToolPolicySchema,
});

export const ToolsPayloadSchema = z.object({
  servers: z.array(ToolServerStatusSchema.extend({ catalog: z.array(CatalogToolSchema) })),
});

export const ApprovePayloadSchema = z.object({
  callId: z.string(),
  decision: ApprovalDecisionSchema,
});

/** The result payload schema for each request type. */
export const RESULT_PAYLOAD_SCHEMAS = {
  status: StatusPayloadSchema,
  send: SendPayloadSchema,
  'set-heartbeats': SetHeartbeatsPayloadSchema,
  abort: AbortPayloadSchema,
  compact: CompactPayloadSchema,
  sessions: SessionsPayloadSchema,
  history: HistoryPayloadSchema,
  hello: HelloPayloadSchema,
  wait: WaitPayloadSchema,
  models: ModelsPayloadSchema,
  'update-session': UpdateSessionPayloadSchema,
  'delete-session': DeleteSessionPayloadSchema,
  'restore-session': RestoreSessionPayloadSchema,
  search: SearchPayloadSchema,
  tools: ToolsPayloadSchema,
  approve: ApprovePayloadSchema,
} as const satisfies { [T in RequestType]: z.ZodType };

export type ResultPayloadOf<T extends RequestType> = z.infer<(typeof RESULT_PAYLOAD_SCHEMAS)[T]>;

// ---------------------------------------------------------------------------
// Responses (stdout)


export const ResultResponseSchema = z.object({
  type: z.literal('result'),
  ok: z.literal(true),
  id: RequestIdSchema.optional(),
  payload: z.record(z.string(), z.unknown()),
});
export type ResultResponse = z.infer<typeof ResultResponseSchema>;

export const ErrorResponseSchema = z.object({
  type: z.literal('error'),
  ok: z.literal(false),
  id: RequestIdSchema.optional(),
  code: ErrorCodeSchema,
  error: z.string(),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

// ---------------------------------------------------------------------------
// Events (stdout, unsolicited)

/** On every event a keyed send causes: its idempotency key. */
const eventKey = { idempotencyKey: IdempotencyKeySchema.optional() };

export const ReplyDeltaPayloadSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  seq: z.number().int().nonnegative(),
  text: z.string(),
  ...eventKey,
});

export const ReplyPayloadSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  text: z.string(),
  source: MessageSourceSchema,
  provider: z.string(),
  model: z.string(),
  aborted: z.boolean().optional(),
  delivered: z.boolean().optional(),
  /** Models of the fallback chain that failed before `provider`/`model` answered, in the order tried. */
  failures: z.array(ModelFailureSchema).optional(),
  ...eventKey,
});

export const HeartbeatPayloadSchema = z.object({
  outcome: HeartbeatOutcomeSchema,
  at: EpochMs,
  session: SessionKeySchema,
  runId: z.string().optional(),
  reason: z.string().optional(),
  text: z.string().optional(),
  error: z.string().optional(),
});

export const SessionUpdatedPayloadSchema = z.object({
  session: SessionKeySchema,
  updatedAt: EpochMs,
  messageCount: z.number().int().nonnegative(),
  preview: z.string(),
  /** The session's display title, when it has one. */
  title: z.string().optional(),
  /** Present (`true`) when the session is pinned. */
  pinned: z.literal(true).optional(),
  ...eventKey,
});

/** A session was deleted (moved to the trash); `restore-session` with `trashId` brings it back. */
export const SessionDeletedPayloadSchema = z.object({
  session: SessionKeySchema,
  trashId: TrashIdSchema,
});

/** How delivering a reply went (`deliver: true`). */
export const DeliveryPayloadSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  to: z.string(),
  channel: z.enum(['outbox', 'webhook']),
  delivered: z.boolean(),
  attempts: z.number().int().nonnegative(),
  error: z.string().optional(),
  /** The outbox file that kept a reply the webhook could not take. */
  keptIn: z.string().optional(),
  ...eventKey,
});

/** The model asked for a tool call (sent before it runs, and before any approval). */
export const ToolCallPayloadSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  callId: z.string(),
  step: z.number().int().positive(),
  server: z.string(),
  tool: z.string(),
  /** The arguments as the model wrote them (JSON text, perhaps malformed). */
  arguments: z.string(),
  ...eventKey,
});

/** How a tool call went. `content` is tool output (untrusted), cut to a few thousand characters; the transcript has all of it. */
export const ToolResultPayloadSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  callId: z.string(),
  server: z.string(),
  tool: z.string(),
  ok: z.boolean(),
  content: z.string(),
  /** The length of the whole result; more than `content` holds when `truncated`. */
  chars: z.number().int().nonnegative(),
  truncated: z.boolean().optional(),
  denied: z.boolean().optional(),
  ...eventKey,
});

/** A tool call waits for the user: answer with `approve`. */
export const ApprovalRequestedPayloadSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  callId: z.string(),
  server: z.string(),
  tool: z.string(),
  /** The arguments in full (JSON text). */
  arguments: z.string(),
  /** When the call is denied unless answered. */
  expiresAt: EpochMs,
  ...eventKey,
});

/** An approval was answered, timed out, or went with its run. */
export const ApprovalResolvedPayloadSchema = z.object({
  session: SessionKeySchema,
  runId: z.string(),
  callId: z.string(),
  decision: ApprovalDecisionSchema,
  /** `user`: an `approve` request; `timeout`: nobody answered in time; `abort`: the run was aborted. */
  by: z.enum(['user', 'timeout', 'abort']),
  ...eventKey,
});

const eventOf = <N extends EventName, P extends z.ZodType>(event: N, payload: P) =>
  z.object({
    type: z.literal('event'),
    event: z.literal(event),
    id: RequestIdSchema.optional(),
    payload,
  });

export const ReplyDeltaEventSchema = eventOf('reply.delta', ReplyDeltaPayloadSchema);
/** A `reply` event without its text: for a connection that asked for `replyText: "in-result"`, of its own send. */
export const ReplyWithoutTextPayloadSchema = ReplyPayloadSchema.omit({ text: true }).extend({ textInResult: z.literal(true) });

export const ReplyEventSchema = eventOf('reply', z.union([ReplyPayloadSchema, ReplyWithoutTextPayloadSchema]));
export const HeartbeatEventSchema = eventOf('heartbeat', HeartbeatPayloadSchema);
export const SessionUpdatedEventSchema = eventOf('session.updated', SessionUpdatedPayloadSchema);
export const DeliveryEventSchema = eventOf('delivery', DeliveryPayloadSchema);
export const SessionDeletedEventSchema = eventOf('session.deleted', SessionDeletedPayloadSchema);
export const ToolCallEventSchema = eventOf('tool.call', ToolCallPayloadSchema);
export const ToolResultEventSchema = eventOf('tool.result', ToolResultPayloadSchema);
export const ApprovalRequestedEventSchema = eventOf('approval.requested', ApprovalRequestedPayloadSchema);
export const ApprovalResolvedEventSchema = eventOf('approval.resolved', ApprovalResolvedPayloadSchema);

export const EventSchema = z.discriminatedUnion('event', [
  ReplyDeltaEventSchema,
  ReplyEventSchema,
  HeartbeatEventSchema,
  SessionUpdatedEventSchema,
  DeliveryEventSchema,
  SessionDeletedEventSchema,
  ToolCallEventSchema,
  ToolResultEventSchema,
  ApprovalRequestedEventSchema,
  ApprovalResolvedEventSchema,
]);
export type Event = z.infer<typeof EventSchema>;
export type EventPayloadOf<N extends EventName> = Extract<Event, { event: N }>['payload'];

/** Every line the host writes to stdout. */
export const OutboundMessageSchema = z.union([ResultResponseSchema, ErrorResponseSchema, EventSchema]);
export type OutboundMessage = z.infer<typeof OutboundMessageSchema>;
