/**
 * Wire protocol of `tether rpc`, version 1: result payloads, error responses and
 * events, everything a client reads from the gateway.
 *
 * The gateway builds these and never parses them, so the command line loads this
 * module only where it reads answers (an attached `tether agent`, `tether
 * status`); requests.ts has what every command needs. Types are derived from
 * these schemas, and `docs/protocol.schema.json` is generated from them.
 */
import * as z from 'zod';
import {
  ApprovalDecisionSchema,
  EpochMs,
  ErrorCodeSchema,
  type EventName,
  IdempotencyKeySchema,
  MessageSourceSchema,
  ModelFailureSchema,
  RequestIdSchema,
  type RequestType,
  SendMetaSchema,
  SessionKeySchema,
  ThinkingLevelSchema,
  ToolPolicySchema,
  TrashIdSchema,
} from './requests.js';

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




export const SendPayloadSchema = z.object({
  payloads: z.array(z.object({ text: z.string() })),
  meta: SendMetaSchema,
});
export type SendPayload = z.infer<typeof SendPayloadSchema>;

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
