/**
 * Wire protocol of `tether rpc`, version 1: the requests, the pieces they share
 * with results and events, and the send metadata stored with every reply.
 *
 * This is the part of the protocol every command needs: the gateway parses each
 * inbound line through these schemas and checks transcript records against the
 * metadata. Results and events are in results.ts, which the command line loads
 * only where it reads them (zod builds every schema when its module loads, and
 * results.ts holds most of them). schemas.ts is the whole protocol in one import.
 *
 * Unknown fields on requests are ignored (stripped), so newer clients can talk to
 * older hosts; every known field is checked strictly.
 */
import * as z from 'zod';

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
/** A time as milliseconds since the epoch. */
export const EpochMs = z.number().int().nonnegative();

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
// Stored with every reply: in the transcript and in the send result

/** Where a message came from: a client's send, the heartbeat timer, or the one-shot CLI. */
export const MessageSourceSchema = z.enum(['rpc', 'cli', 'heartbeat']);
export type MessageSource = z.infer<typeof MessageSourceSchema>;

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
export type SendMeta = z.infer<typeof SendMetaSchema>;
