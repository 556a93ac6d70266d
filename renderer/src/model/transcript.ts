/**
 * The open session's transcript as the window shows it: pages of history, the
 * user's messages as they are sent, replies as they stream in, and how each ended.
 *
 * A pure reducer, so streaming, reordering and failure cases are unit-tested
 * without a browser. Rows are matched by identity, never by text or time: a user
 * message by the idempotency key of its send (made when Send is pressed, stored by
 * the gateway, echoed on every event the send causes), a reply by its run id. So
 * the row made when Send is pressed becomes the stored message, in its stored
 * place, when history arrives; and how a reply ended (complete, aborted, failed,
 * interrupted by a gateway crash, still streaming) comes from history, so it
 * survives reloads and gateway restarts.
 *
 * Deltas carry `runId` and `seq`: a repeated or late delta is dropped, one after a
 * gap waits for the gap to fill (a reply's text is always seqs 0..lastSeq), and the
 * final `reply` (or the send's answer) replaces the streamed text with the
 * authoritative one.
 */
import type { BridgeArgs, BridgeResult } from '../../../main/bridge/contract.js';
import { applyDelta, endStream, joinHeld, type HeldDelta } from './stream-text.js';
import { withToolCall, withToolResult, withWaiting, type ToolCallView, type ToolResultPayload } from './tool-calls.js';

type HistoryPage = BridgeResult<'get-history'>;
type HistoryMessage = HistoryPage['messages'][number];
type SendResult = BridgeResult<'send'>;
/** A model of the fallback chain that failed before another answered. */
export type SkippedModel = NonNullable<HistoryMessage['failures']>[number];

/** What the window sends, less what it adds itself (the session and the key). */
export type SendArgs = Omit<BridgeArgs<'send'>, 'session' | 'idempotencyKey'>;

/** How a reply ended, or `streaming` while it runs (the wire's reply states). */
export type ReplyState = NonNullable<HistoryMessage['state']>;

/** How a reply reached the window. */
export type ReplyPath = 'gateway' | 'cli' | 'heartbeat';

/** Why a send from this window failed, as its bridge call answered. */
export interface SendFailure {
  /** The bridge error code (`gateway_exited`, `gateway_error`, …). */
  code: string;
  message: string;
  /** For `gateway_error`: the gateway's own code (`provider_error`, `invalid_request`, …). */
  wireCode?: string | undefined;
  /** For `gateway_exited`: whether the message had reached the gateway. */
  reached?: 'no' | 'maybe' | 'yes' | undefined;
}

/** One message row. */
export interface TranscriptItem {
  /** Stable React key, also the row's identity: `k:<idempotency key>` (user), `r:<runId>` (reply), `h<index>` (history without a key). */
  key: string;
  role: 'user' | 'assistant';
  text: string;
  ts: number;
  runId: string | null;
  /** The idempotency key of the send this message belongs to, when it had one. */
  idempotencyKey?: string | undefined;
  /** Where the message came from (`rpc`, `cli`, `heartbeat`), when known. */
  source?: 'rpc' | 'cli' | 'heartbeat' | undefined;
  /** Replies: how it ended, or `streaming`. */
  state?: ReplyState | undefined;
  /** Replies in state `failed`: why, in the gateway's words. */
  failure?: string | undefined;
  /** A user message whose send has not answered yet. */
  pending?: boolean | undefined;
  /** Why this window's send of this user message failed. */
  error?: SendFailure | undefined;
  /** The options this window sent the message with, so "Send again" sends the same. */
  sendArgs?: SendArgs | undefined;
  /** The index in the session's transcript, for history rows. */
  index?: number | undefined;
  /** Streaming replies: the last delta seq the text includes (-1 for none). */
  lastSeq?: number | undefined;
  /** Streaming replies: deltas that arrived after a gap. */
  held?: readonly HeldDelta[] | undefined;
  /** What the send's answer said beyond the text: how delivery went. */
  notes?: ReplyNote[] | undefined;
  /** Replies: the provider and model that answered, when known. */
  provider?: string | undefined;
  model?: string | undefined;
  /** Replies: the models the fallback chain skipped before this one answered, in the order tried. */
  failures?: readonly SkippedModel[] | undefined;
  /** Replies: the tool calls of its run, in the order asked, with their results once they came. */
  toolCalls?: readonly ToolCallView[] | undefined;
}

/** One line under a reply, from its send's `meta`; `warn` for what went wrong but lost nothing. */
export interface ReplyNote {
  tone: 'info' | 'warn';
  text: string;
}

/**
 * The notes a send's `meta` calls for: whether the reply was delivered. (Which model
 * answered, and which the fallback chain skipped, the row shows from `provider`,
 * `model` and `failures`, which history has too.)
 */
export function replyNotes(meta: SendResult['payload']['meta']): ReplyNote[] {
  const notes: ReplyNote[] = [];
  if (meta.delivered === true) notes.push({ tone: 'info', text: 'Delivered' });
  if (meta.deliveryError !== undefined) notes.push({ tone: 'warn', text: `Not delivered: ${meta.deliveryError} (the reply is kept here)` });
  return notes;
}

/** The transcript of one session as far as it is loaded. */
export interface TranscriptState {
  session: string;
  items: TranscriptItem[];
  /** Messages in the session on disk (as of the last page). */
  total: number;
  /** The transcript index of the oldest loaded message. */
  firstIndex: number;
  hasMore: boolean;
}

/** Everything that changes a transcript. */
export type TranscriptAction =
  | { type: 'reset'; session: string }
  | { type: 'page'; session: string; page: HistoryPage; mode: 'replace' | 'prepend' }
  /** Send was pressed: the user's row, keyed by the send's idempotency key. */
  | { type: 'sent'; session: string; idempotencyKey: string; args: SendArgs; ts: number }
  /** "Send again": the same send (same key) goes out again; its row stays where it is. */
  | { type: 'retry'; session: string; idempotencyKey: string }
  | { type: 'delta'; session: string; runId: string; seq: number; text: string; idempotencyKey?: string | undefined; ts: number }
  | { type: 'reply'; session: string; runId: string; text: string; source: 'rpc' | 'cli' | 'heartbeat'; aborted?: boolean | undefined; idempotencyKey?: string | undefined; ts: number; answeredBy?: AnsweredBy | undefined }
  | { type: 'send-result'; session: string; idempotencyKey: string; result: SendResult; ts: number }
  | { type: 'send-failed'; session: string; idempotencyKey: string; error: SendFailure }
  /** The model asked for a tool call (`tool.call`): shown on the run's reply, made if it has no row yet. */
  | { type: 'tool-call'; session: string; runId: string; call: ToolCallView; idempotencyKey?: string | undefined; ts: number }
  /** A call of a run waits for approval, or no longer does (`approval.requested`, `approval.resolved`). */
  | { type: 'tool-waiting'; session: string; runId: string; callId: string; waiting: boolean }
  /** A tool call ended (`tool.result`). */
  | { type: 'tool-result'; session: string; result: ToolResultPayload; ts: number }
  /** The gateway process is gone: whatever it was streaming stopped with it. */
  | { type: 'gateway-stopped'; session: string };

/** Who answered a reply, and whom the fallback chain skipped first. */
export interface AnsweredBy {
  provider: string;
  model: string;
  failures?: readonly SkippedModel[] | undefined;
}

/** The row fields of who answered; `failures` only when the chain skipped some. */
function answeredFields(by: AnsweredBy | undefined): Pick<TranscriptItem, 'provider' | 'model' | 'failures'> {
  if (by === undefined) return {};
  return { provider: by.provider, model: by.model, ...(by.failures !== undefined && by.failures.length > 0 ? { failures: by.failures } : {}) };
}

/** An empty transcript for a session. */
export function emptyTranscript(session: string): TranscriptState {
  return { session, items: [], total: 0, firstIndex: 0, hasMore: false };
}

/** The row key of a user message with an idempotency key. */
export function userRowKey(idempotencyKey: string): string {
  return `k:${idempotencyKey}`;
}

/** The row key of a reply. */
export function replyRowKey(runId: string): string {
  return `r:${runId}`;
}

/** A history message as a row. */
export function fromHistory(message: HistoryMessage): TranscriptItem {
  const base = {
    role: message.role,
    text: message.text,
    ts: message.ts,
    runId: message.runId,
    source: message.source,
    index: message.index,
    ...(message.idempotencyKey !== undefined ? { idempotencyKey: message.idempotencyKey } : {}),
  };
  if (message.role === 'user') return { key: message.idempotencyKey !== undefined ? userRowKey(message.idempotencyKey) : `h${message.index}`, ...base };
  // Transcripts written before reply states had only `aborted` and `error`.
  const state: ReplyState = message.state ?? (message.aborted ? 'aborted' : message.error !== undefined ? 'failed' : 'complete');
  return {
    key: replyRowKey(message.runId),
    ...base,
    ...(message.provider !== undefined && message.model !== undefined ? answeredFields({ provider: message.provider, model: message.model, failures: message.failures }) : {}),
    state,
    ...(message.error !== undefined ? { failure: message.error } : {}),
    ...(state === 'streaming' ? { lastSeq: message.seq ?? -1 } : {}),
    ...(message.toolCalls !== undefined && message.toolCalls.length > 0 ? { toolCalls: message.toolCalls } : {}),
  };
}

/** The path a finished assistant row came through, for its badge (none for the gateway). */
export function replyPath(item: TranscriptItem): ReplyPath | null {
  if (item.role !== 'assistant') return null;
  if (item.source === 'cli') return 'cli';
  if (item.source === 'heartbeat') return 'heartbeat';
  return 'gateway';
}

/** True while a reply of this transcript is still streaming or a send is pending. */
export function isBusy(state: TranscriptState): boolean {
  return state.items.some((item) => item.state === 'streaming' || item.pending);
}

/**
 * True when a reply of the send with this key is still streaming here. A
 * `session.updated` about that send then means its reply was stored without a
 * `reply` event (a failed reply has none): only history tells how it ended.
 */
export function isStreamingSend(state: TranscriptState, idempotencyKey: string): boolean {
  return state.items.some((item) => item.role === 'assistant' && item.idempotencyKey === idempotencyKey && item.state === 'streaming');
}

/** The words in front of a failed send's error: whether the message got anywhere. */
export function failureLabel(error: SendFailure): 'No reply' | 'Not sent' {
  if (error.code === 'gateway_exited') return error.reached === 'no' ? 'Not sent' : 'No reply';
  if (error.code === 'timeout' || error.code === 'disconnected') return 'No reply';
  if (error.code === 'gateway_error' && (error.wireCode === 'provider_error' || error.wireCode === 'aborted')) return 'No reply';
  return 'Not sent';
}

/**
 * The rows that offer "Send again", at most one per send: the user's row while it
 * carries this window's error, else the send's last reply when that one failed or
 * was interrupted. Never while the send is pending, and only for sends with a key
 * whose message is loaded (sending again is the same send, under the same key, so
 * the gateway never stores the message twice).
 */
export function sendAgainRows(items: readonly TranscriptItem[]): Set<string> {
  const users = new Map<string, TranscriptItem>();
  const lastReply = new Map<string, TranscriptItem>();
  for (const item of items) {
    if (item.idempotencyKey === undefined) continue;
    if (item.role === 'user') users.set(item.idempotencyKey, item);
    else lastReply.set(item.idempotencyKey, item);
  }
  const rows = new Set<string>();
  for (const [idempotencyKey, user] of users) {
    if (user.pending) continue; // on its way already
    if (user.error) {
      rows.add(user.key);
      continue;
    }
    const reply = lastReply.get(idempotencyKey);
    if (reply && (reply.state === 'failed' || reply.state === 'interrupted')) rows.add(reply.key);
  }
  return rows;
}

/** Applies one action. */
export function transcriptReducer(state: TranscriptState, action: TranscriptAction): TranscriptState {
  if (action.type === 'reset') return emptyTranscript(action.session);
  if (action.session !== state.session) return state; // about another session
  switch (action.type) {
    case 'page': {
      const loaded = uniqueKeys(action.page.messages.map(fromHistory));
      const firstIndex = action.page.messages[0]?.index ?? action.page.total;
      if (action.mode === 'prepend') {
        const known = new Set(state.items.map((item) => item.key));
        const older = loaded.filter((item) => !known.has(item.key));
        return { ...state, items: [...older, ...state.items], firstIndex: Math.min(firstIndex, state.firstIndex), hasMore: action.page.hasMore };
      }
      return { ...state, items: mergePage(state.items, loaded), total: action.page.total, firstIndex, hasMore: action.page.hasMore };
    }
    case 'sent': {
      const key = userRowKey(action.idempotencyKey);
      if (state.items.some((item) => item.key === key)) return state; // a key is made once per Send
      const item: TranscriptItem = { key, role: 'user', text: action.args.text, ts: action.ts, runId: null, idempotencyKey: action.idempotencyKey, pending: true, sendArgs: action.args };
      return { ...state, items: [...state.items, item] };
    }
    case 'retry':
      return mapItems(state, (item) => (item.role === 'user' && item.idempotencyKey === action.idempotencyKey ? { ...item, pending: true, error: undefined } : item));
    case 'delta': {
      let at = findReply(state.items, action.runId);
      let items = state.items;
      if (at === -1) {
        // A reply this window has not seen yet: from its first delta (or, after a
        // reload mid-reply, a later one: its text then waits for the history page).
        items = [...items, { key: replyRowKey(action.runId), role: 'assistant', text: '', ts: action.ts, runId: action.runId, idempotencyKey: action.idempotencyKey, state: 'streaming', lastSeq: -1 }];
        at = items.length - 1;
      }
      const current = items[at]!;
      if (current.state !== 'streaming') return state; // already finished: a late delta
      const next = applyDelta(current, action.seq, action.text);
      if (next === current) return state; // a repeat
      return { ...state, items: replaceAt(items, at, next) };
    }
    case 'reply': {
      // The send was answered after all (its call here timed out or lost the connection, say):
      // an error this window shows about it is stale.
      const items = state.items.map((item) => (item.role === 'user' && item.error && action.idempotencyKey !== undefined && item.idempotencyKey === action.idempotencyKey ? { ...item, error: undefined } : item));
      const at = findReply(items, action.runId);
      const ended: ReplyState = action.aborted ? 'aborted' : 'complete';
      if (at === -1) {
        const item: TranscriptItem = { key: replyRowKey(action.runId), role: 'assistant', ts: action.ts, runId: action.runId, idempotencyKey: action.idempotencyKey, text: action.text, source: action.source, state: ended, ...answeredFields(action.answeredBy) };
        return { ...state, items: [...items, item], total: state.total + 1 };
      }
      const current = items[at]!;
      return { ...state, items: replaceAt(items, at, endStream({ ...current, text: action.text, source: action.source, state: ended, idempotencyKey: current.idempotencyKey ?? action.idempotencyKey, ...answeredFields(action.answeredBy) })) };
    }
    case 'send-result': {
      const { payload, via } = action.result;
      const runId = payload.meta.runId;
      const source = via === 'cli' ? ('cli' as const) : ('rpc' as const);
      let items = state.items.map((item) =>
        item.role === 'user' && item.idempotencyKey === action.idempotencyKey ? { ...item, pending: false, error: undefined, runId: item.runId ?? runId, source: item.source ?? source } : item,
      );
      const text = payload.payloads[0]?.text ?? '';
      const notes = replyNotes(payload.meta);
      const ended: ReplyState = payload.meta.aborted ? 'aborted' : 'complete';
      const by = answeredFields(payload.meta);
      const at = findReply(items, runId);
      if (at === -1) {
        items = [...items, { key: replyRowKey(runId), role: 'assistant', text, ts: action.ts, runId, idempotencyKey: action.idempotencyKey, source, state: ended, ...by, ...(notes.length > 0 ? { notes } : {}) }];
      } else {
        const current = items[at]!;
        const answered: TranscriptItem = { ...current, ...by, text, state: ended, source: via === 'cli' ? 'cli' : (current.source ?? source), idempotencyKey: current.idempotencyKey ?? action.idempotencyKey };
        items = replaceAt(items, at, endStream(notes.length > 0 ? { ...answered, notes } : answered));
      }
      return { ...state, items };
    }
    case 'send-failed': {
      // A reply still streaming for this send ends here too, keeping what arrived: cut off
      // with the gateway, or failed. Unless the call only lost sight of it (a timeout, a
      // lost connection): the run may go on, and the history read that follows says.
      const ended = streamEndFor(action.error);
      return mapItems(state, (item) => {
        if (item.idempotencyKey !== action.idempotencyKey) return item;
        if (item.role === 'user') return { ...item, pending: false, error: action.error };
        if (item.state === 'streaming' && ended !== undefined) return endStream({ ...item, state: ended });
        return item;
      });
    }
    case 'tool-call': {
      const { items, at } = replyRowFor(state.items, action.runId, action.idempotencyKey, action.ts);
      const current = items[at]!;
      return { ...state, items: replaceAt(items, at, { ...current, toolCalls: withToolCall(current.toolCalls, action.call) }) };
    }
    case 'tool-result': {
      const { items, at } = replyRowFor(state.items, action.result.runId, action.result.idempotencyKey, action.ts);
      const current = items[at]!;
      return { ...state, items: replaceAt(items, at, { ...current, toolCalls: withToolResult(current.toolCalls, action.result) }) };
    }
    case 'tool-waiting': {
      const at = findReply(state.items, action.runId);
      if (at === -1) return state; // its call was not seen here: the approval card alone tells it
      const current = state.items[at]!;
      const toolCalls = withWaiting(current.toolCalls, action.callId, action.waiting);
      return toolCalls === current.toolCalls ? state : { ...state, items: replaceAt(state.items, at, { ...current, toolCalls }) };
    }
    case 'gateway-stopped':
      // A run lives in the gateway process: when it is gone, so is every reply it was
      // streaming. History (read when a gateway runs again) says the same, with the text
      // it kept.
      return mapItems(state, (item) => (item.state === 'streaming' ? endStream({ ...item, state: 'interrupted' }) : item));
  }
}

/** How a failed send's streaming reply ended, as far as the failure tells; undefined when it does not. */
function streamEndFor(error: SendFailure): 'interrupted' | 'failed' | undefined {
  if (error.code === 'gateway_exited') return 'interrupted';
  if (error.code === 'timeout' || error.code === 'disconnected') return undefined;
  return 'failed';
}

/**
 * A fresh last page merged with the rows on screen. Stored rows take their stored
 * place; a row on screen with the same identity lends what only the window knows
 * (a pending send, its error, its options, the notes of its answer), and a reply
 * that streamed further here than the stored checkpoint keeps its text. Rows only
 * on screen stay while they are live (a pending or failed send, a streaming reply),
 * after the row they followed (else at the end).
 */
function mergePage(current: readonly TranscriptItem[], loaded: readonly TranscriptItem[]): TranscriptItem[] {
  const onScreen = new Map(current.map((item) => [item.key, item]));
  // A send whose reply is in history: history says how it went, so this window's
  // error about it (the call failed, timed out, lost its connection) is stale.
  const answered = new Set(loaded.filter((item) => item.role === 'assistant' && item.idempotencyKey !== undefined).map((item) => item.idempotencyKey));
  const merged = loaded.map((stored) => {
    const live = onScreen.get(stored.key);
    if (!live) return stored;
    if (stored.role === 'user') {
      return { ...stored, pending: live.pending, sendArgs: live.sendArgs, error: answered.has(stored.idempotencyKey) ? undefined : live.error };
    }
    return mergeReply(stored, live);
  });

  const placed = new Set(merged.map((item) => item.key));
  const isLive = (item: TranscriptItem) => item.pending || item.error !== undefined || item.state === 'streaming';
  current.forEach((item, i) => {
    if (placed.has(item.key) || !isLive(item)) return; // stored, or not worth keeping
    const before = findLast(current, i, (other) => placed.has(other.key));
    if (before === undefined) {
      merged.push(item); // nothing on the page came before it
    } else {
      // After the row it followed, and after the rest of that row's send that the page
      // brought (its reply, say): a send's rows stay together.
      let at = merged.findIndex((row) => row.key === before.key) + 1;
      while (at < merged.length && !onScreen.has(merged[at]!.key) && sameSend(before, merged[at]!)) at++;
      merged.splice(at, 0, item);
    }
    placed.add(item.key);
  });
  return merged;
}

/** True when two rows belong to one send: the same idempotency key, or the same run. */
function sameSend(a: TranscriptItem, b: TranscriptItem): boolean {
  return (a.idempotencyKey !== undefined && a.idempotencyKey === b.idempotencyKey) || (a.runId !== null && a.runId === b.runId);
}

/**
 * A stored reply and the same reply on screen: the one further along wins. History
 * has the last word, except over a reply it has as streaming that ended here (its
 * final event or answer came after the page was read). An end this window only
 * inferred (interrupted when the gateway went away, failed with the call) gives way
 * to history saying the run is still streaming.
 */
function mergeReply(stored: TranscriptItem, live: TranscriptItem): TranscriptItem {
  const extras = { index: stored.index, notes: live.notes ?? stored.notes, idempotencyKey: stored.idempotencyKey ?? live.idempotencyKey, failures: stored.failures ?? live.failures };
  if (stored.state !== 'streaming') return { ...stored, ...extras }; // history has how it ended
  if (live.state === 'complete' || live.state === 'aborted') return { ...live, ...extras }; // ended here after history was read
  if (live.state === 'streaming' && (live.lastSeq ?? -1) >= (stored.lastSeq ?? -1)) return { ...live, ...extras };
  // The checkpoint is further along (the window came in mid-reply): take it, and the
  // deltas held here that go beyond it.
  return joinHeld({ ...stored, ...extras, held: live.held?.filter((delta) => delta.seq > (stored.lastSeq ?? -1)) });
}

/** Keeps the first of rows with the same identity (a transcript written before keys were unique). */
function uniqueKeys(items: TranscriptItem[]): TranscriptItem[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const key = seen.has(item.key) ? `h${item.index}` : item.key;
    seen.add(key);
    return key === item.key ? item : { ...item, key };
  });
}

/**
 * The reply row of a run, made (streaming, empty) when the run has none yet: a model
 * may call tools before it writes a word.
 */
function replyRowFor(items: readonly TranscriptItem[], runId: string, idempotencyKey: string | undefined, ts: number): { items: readonly TranscriptItem[]; at: number } {
  const at = findReply(items, runId);
  if (at !== -1) return { items, at };
  const row: TranscriptItem = { key: replyRowKey(runId), role: 'assistant', text: '', ts, runId, idempotencyKey, state: 'streaming', lastSeq: -1 };
  return { items: [...items, row], at: items.length };
}

function findReply(items: readonly TranscriptItem[], runId: string): number {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.role === 'assistant' && item.runId === runId) return i;
  }
  return -1;
}

function findLast(items: readonly TranscriptItem[], before: number, test: (item: TranscriptItem) => boolean): TranscriptItem | undefined {
  for (let i = before - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

function mapItems(state: TranscriptState, change: (item: TranscriptItem) => TranscriptItem): TranscriptState {
  const items = state.items.map(change);
  return items.every((item, i) => item === state.items[i]) ? state : { ...state, items };
}

function replaceAt(items: readonly TranscriptItem[], at: number, item: TranscriptItem): TranscriptItem[] {
  const copy = items.slice();
  copy[at] = item;
  return copy;
}
