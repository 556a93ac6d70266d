/**
 * The open session's transcript as the window shows it: pages of history, the
 * user's messages as they are sent, replies as they stream in, and how each ended.
 *
 * A pure reducer, so streaming, reordering and failure cases are unit-tested
 * without a browser. Deltas carry `runId` and `seq`: a repeated or late delta is
 * dropped, and the final `reply` (or the send's answer) replaces the streamed text
 * with the authoritative one.
 */
import type { BridgeResult } from '../../../main/bridge.js';

type HistoryPage = BridgeResult<'get-history'>;
type HistoryMessage = HistoryPage['messages'][number];
type SendResult = BridgeResult<'send'>;

/** How a reply reached the window. */
export type ReplyPath = 'gateway' | 'cli' | 'heartbeat';

/** One message row. */
export interface TranscriptItem {
  /** Stable React key. */
  key: string;
  role: 'user' | 'assistant';
  text: string;
  ts: number;
  runId: string | null;
  /** Where the message came from (`rpc`, `cli`, `heartbeat`), when known. */
  source?: 'rpc' | 'cli' | 'heartbeat' | undefined;
  aborted?: boolean;
  /** A reply still streaming. */
  streaming?: boolean;
  /** A user message whose send has not answered yet. */
  pending?: boolean;
  /** Why the send of this user message failed. */
  error?: { code: string; message: string } | undefined;
  /** The index in the session's transcript, for history pages. */
  index?: number | undefined;
  /** Highest delta seq applied (streaming only). */
  lastSeq?: number;
  /** What the send's answer said beyond the text: which model answered after which failed, how delivery went. */
  notes?: ReplyNote[] | undefined;
}

/** One line under a reply, from its send's `meta`; `warn` for what went wrong but lost nothing. */
export interface ReplyNote {
  tone: 'info' | 'warn';
  text: string;
}

/**
 * The notes a send's `meta` calls for: the model that answered when the fallback chain
 * had to skip others (and why they failed), and whether the reply was delivered.
 */
export function replyNotes(meta: SendResult['payload']['meta']): ReplyNote[] {
  const notes: ReplyNote[] = [];
  for (const failure of meta.failures ?? []) {
    notes.push({ tone: 'warn', text: `${failure.provider}/${failure.model} failed: ${failure.error}` });
  }
  if ((meta.failures ?? []).length > 0) notes.push({ tone: 'info', text: `Answered by ${meta.provider}/${meta.model}` });
  if (meta.delivered === true) notes.push({ tone: 'info', text: 'Delivered' });
  if (meta.deliveryError !== undefined) notes.push({ tone: 'warn', text: `Not delivered: ${meta.deliveryError} (the reply is kept here)` });
  return notes;
}

export interface TranscriptState {
  session: string;
  items: TranscriptItem[];
  /** Messages in the session on disk (as of the last page). */
  total: number;
  /** The transcript index of the oldest loaded message. */
  firstIndex: number;
  hasMore: boolean;
}

export type TranscriptAction =
  | { type: 'reset'; session: string }
  | { type: 'page'; session: string; page: HistoryPage; mode: 'replace' | 'prepend' }
  | { type: 'sent'; session: string; key: string; text: string; ts: number }
  | { type: 'delta'; session: string; runId: string; seq: number; text: string; ts: number }
  | { type: 'reply'; session: string; runId: string; text: string; source: 'rpc' | 'cli' | 'heartbeat'; aborted?: boolean | undefined; ts: number }
  | { type: 'send-result'; session: string; key: string; result: SendResult; ts: number }
  | { type: 'send-failed'; session: string; key: string; error: { code: string; message: string } }
  | { type: 'retry'; session: string; key: string };

/** How far apart a failed send and its stored message may be timestamped and still be the same send. */
const SAME_SEND_MS = 60_000;

/** An empty transcript for a session. */
export function emptyTranscript(session: string): TranscriptState {
  return { session, items: [], total: 0, firstIndex: 0, hasMore: false };
}

/** A history message as a row. */
export function fromHistory(message: HistoryMessage): TranscriptItem {
  return {
    key: `h${message.index}`,
    role: message.role,
    text: message.text,
    ts: message.ts,
    runId: message.runId,
    source: message.source,
    index: message.index,
    ...(message.aborted ? { aborted: true } : {}),
    ...(message.error !== undefined ? { notes: [{ tone: 'warn' as const, text: `The reply broke off: ${message.error}` }] } : {}),
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
  return state.items.some((item) => item.streaming || item.pending);
}

export function transcriptReducer(state: TranscriptState, action: TranscriptAction): TranscriptState {
  if (action.type === 'reset') return emptyTranscript(action.session);
  if (action.session !== state.session) return state; // about another session
  switch (action.type) {
    case 'page': {
      const loaded = action.page.messages.map(fromHistory);
      const firstIndex = action.page.messages[0]?.index ?? action.page.total;
      if (action.mode === 'prepend') {
        const known = new Set<number | undefined>(state.items.map((item) => item.index).filter((index) => index !== undefined));
        const older = loaded.filter((item) => !known.has(item.index));
        return { ...state, items: [...older, ...state.items], firstIndex: Math.min(firstIndex, state.firstIndex), hasMore: action.page.hasMore };
      }
      // Keep rows that are live (streaming, pending, failed) and not in the page yet. A failed
      // send whose message did reach the transcript (the gateway died while answering) is that
      // stored message: the error moves onto it rather than showing the text twice.
      const pageRuns = new Set(loaded.map((item) => `${item.role}:${item.runId}`));
      const claimed = new Set<TranscriptItem>();
      const live: TranscriptItem[] = [];
      for (const item of state.items) {
        if (!(item.streaming || item.pending || item.error) || pageRuns.has(`${item.role}:${item.runId}`)) continue;
        if (item.error && item.role === 'user') {
          const stored = loaded.find((row) => row.role === 'user' && !claimed.has(row) && row.text === item.text && row.ts >= item.ts - SAME_SEND_MS);
          if (stored) {
            claimed.add(stored);
            stored.error = item.error;
            continue;
          }
        }
        live.push(item);
      }
      return { ...state, items: [...loaded, ...live], total: action.page.total, firstIndex, hasMore: action.page.hasMore };
    }
    case 'sent':
      return { ...state, items: [...state.items, { key: action.key, role: 'user', text: action.text, ts: action.ts, runId: null, pending: true }] };
    case 'delta': {
      const at = findReply(state.items, action.runId);
      if (at === -1) {
        const item: TranscriptItem = { key: `r${action.runId}`, role: 'assistant', text: action.text, ts: action.ts, runId: action.runId, streaming: true, lastSeq: action.seq };
        return { ...state, items: [...state.items, item] };
      }
      const current = state.items[at]!;
      if (!current.streaming) return state; // already finished: a late delta
      if (current.lastSeq !== undefined && action.seq <= current.lastSeq) return state; // a repeat
      return replaceAt(state, at, { ...current, text: current.text + action.text, lastSeq: action.seq });
    }
    case 'reply': {
      const at = findReply(state.items, action.runId);
      const finished: Partial<TranscriptItem> = { text: action.text, streaming: false, source: action.source, ...(action.aborted ? { aborted: true } : {}) };
      if (at === -1) {
        const item: TranscriptItem = { key: `r${action.runId}`, role: 'assistant', ts: action.ts, runId: action.runId, text: action.text, source: action.source, ...(action.aborted ? { aborted: true } : {}) };
        return { ...state, items: [...state.items, item], total: state.total + 1 };
      }
      return replaceAt(state, at, { ...state.items[at]!, ...finished });
    }
    case 'send-result': {
      const { payload, via } = action.result;
      const runId = payload.meta.runId;
      let items = state.items.map((item) => (item.key === action.key ? { ...item, pending: false, runId, source: via === 'cli' ? ('cli' as const) : ('rpc' as const) } : item));
      const text = payload.payloads[0]?.text ?? '';
      const source = via === 'cli' ? ('cli' as const) : ('rpc' as const);
      const notes = replyNotes(payload.meta);
      const extra = { ...(payload.meta.aborted ? { aborted: true } : {}), ...(notes.length > 0 ? { notes } : {}) };
      const at = findReply(items, runId);
      if (at === -1) {
        items = [...items, { key: `r${runId}`, role: 'assistant', text, ts: action.ts, runId, source, ...extra }];
      } else {
        const current = items[at]!;
        items = items.map((item, i) => (i === at ? { ...current, text, streaming: false, source: current.source === 'heartbeat' ? current.source : source, ...extra } : item));
      }
      return { ...state, items };
    }
    case 'send-failed': {
      // A reply that was streaming for this send ends here too (the gateway died under it, say):
      // it keeps what arrived, and stops claiming to stream.
      const at = state.items.findIndex((item) => item.key === action.key);
      if (at === -1) return state; // not ours (another window's send)
      return {
        ...state,
        items: state.items.map((item, i) => {
          if (i === at) return { ...item, pending: false, error: action.error };
          if (i > at && item.streaming) return { ...item, streaming: false, aborted: true };
          return item;
        }),
      };
    }
    case 'retry':
      // A stored message stays (it is in the transcript) and loses its error; a local one goes.
      return { ...state, items: state.items.flatMap((item) => (item.key !== action.key ? [item] : item.index !== undefined ? [{ ...item, error: undefined }] : [])) };
  }
}

function findReply(items: readonly TranscriptItem[], runId: string): number {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.role === 'assistant' && item.runId === runId) return i;
  }
  return -1;
}

function replaceAt(state: TranscriptState, at: number, item: TranscriptItem): TranscriptState {
  const items = state.items.slice();
  items[at] = item;
  return { ...state, items };
}
