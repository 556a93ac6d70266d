/**
 * Folds a transcript's records into the messages a reader sees.
 *
 * The file is append-only, so a reply that streams is written as pieces
 * (`checkpoint` records) and, when it ends, as one whole reply record. Readers
 * fold: a run's pieces become one message at the place of its first piece, and
 * its final reply record takes that same place (so message indices never move).
 * Pieces with no final record belong to a reply the gateway stopped under (or one
 * still streaming: the caller knows which runs are live). A piece that does not
 * start where the text so far ends (a lost line) ends the fold of that run: what
 * came before the gap is exact, what came after cannot be placed.
 */
import type { ModelFailure, ReplyState } from '../protocol/schemas.js';
import type { MessageRecord, TranscriptRecord } from './transcript-file.js';

/** A tool call made during a run, with its result once it came. */
export interface FoldedToolCall {
  callId: string;
  step: number;
  server: string;
  tool: string;
  arguments: string;
  /** Undefined while (or if, after a crash) the call has no result. */
  ok?: boolean;
  content?: string;
  denied?: boolean;
}

/** One message as readers see it. */
export interface FoldedMessage {
  role: 'user' | 'assistant';
  text: string;
  ts: number;
  runId: string;
  source?: MessageRecord['source'];
  thinking?: MessageRecord['thinking'];
  provider?: string;
  model?: string;
  idempotencyKey?: string;
  /** Replies only. `interrupted` here means "no final record yet"; see `FoldedTranscript.openRuns`. */
  state?: ReplyState;
  error?: string;
  /** Replies folded from pieces: the last delta seq the text includes. */
  seq?: number;
  /** Replies folded from pieces: the process that streamed them. */
  pid?: number;
  /** Replies: the fallback models that failed before this one answered (from the stored `meta`). */
  failures?: ModelFailure[];
  /** Replies: the tool calls the run made before (and while) answering, in call order. */
  toolCalls?: FoldedToolCall[];
}

/** A transcript as readers see it. */
export interface FoldedTranscript {
  /**
   * The messages held, oldest first: all of them unless a store released the
   * oldest (`TranscriptFolder.releaseBefore`); `messages[i]` is message
   * `firstHeld + i`.
   */
  messages: FoldedMessage[];
  /** The index of `messages[0]`: 0 unless older messages were released. */
  firstHeld: number;
  /** How many messages the transcript has, held or released. */
  total: number;
  /** The latest compaction: its summary and the index of the first message after it. */
  compaction: { summary: string; firstIndex: number } | undefined;
  /** Runs with pieces but no final reply record, and the index of their message. */
  openRuns: Map<string, number>;
  /** The tools the latest send that chose any chose (`tools` on its user message): what later sends inherit. */
  toolChoice: string[] | undefined;
}

/** How a stored reply ended; older records say it with `aborted` or `error` alone. */
export function replyStateOf(record: MessageRecord): Exclude<ReplyState, 'interrupted' | 'streaming'> {
  if (record.state !== undefined) return record.state;
  if (record.error !== undefined) return 'failed';
  return record.aborted === true ? 'aborted' : 'complete';
}

/** The message a stored message record shows as. */
export function messageOf(record: MessageRecord): FoldedMessage {
  const message: FoldedMessage = { role: record.role, text: record.text, ts: record.ts, runId: record.runId };
  if (record.source !== undefined) message.source = record.source;
  if (record.thinking !== undefined) message.thinking = record.thinking;
  if (record.provider !== undefined) message.provider = record.provider;
  if (record.model !== undefined) message.model = record.model;
  if (record.idempotencyKey !== undefined) message.idempotencyKey = record.idempotencyKey;
  if (record.error !== undefined) message.error = record.error;
  if (record.role === 'assistant') message.state = replyStateOf(record);
  if (record.meta?.failures !== undefined && record.meta.failures.length > 0) message.failures = record.meta.failures;
  return message;
}

/**
 * How many finished runs a fold remembers, to drop a piece of one written after
 * its final record. Tether's writers never write such a piece; a stray one could
 * only come from a writer racing its own final append, a few records on. Keeping
 * every finished run instead made a long-lived fold grow by a run id a turn for
 * as long as its session grew (about 600 KB over 10,000 turns), and a first read
 * of a 100,000-message session hold 50,000 of them.
 */
export const MAX_FINISHED_RUNS = 4096;

/**
 * A fold kept up to date one record at a time (records in file order), so a
 * reader that follows a growing file applies only what was appended.
 *
 * A long-lived reader may release the oldest messages (`releaseBefore`) to keep
 * its memory flat as a session grows; indices stay absolute (`firstHeld`
 * says where the held messages start), and what it released it reads again from
 * the file when asked.
 */
export class TranscriptFolder implements FoldedTranscript {
  messages: FoldedMessage[] = [];
  firstHeld = 0;
  readonly openRuns = new Map<string, number>();
  compaction: FoldedTranscript['compaction'];
  toolChoice: string[] | undefined;
  /** Tool calls of runs whose reply message does not exist yet, by run. */
  private readonly pendingToolCalls = new Map<string, FoldedToolCall[]>();
  /** Every tool call by call id, so its result finds it. */
  private readonly toolCallsById = new Map<string, FoldedToolCall>();
  /** Runs whose pieces stopped at a gap: later pieces are dropped. */
  private readonly broken = new Set<string>();
  /** Runs whose final reply is in, the latest `MAX_FINISHED_RUNS` of them, oldest first: later pieces are dropped. */
  private readonly finished = new Set<string>();

  get total(): number {
    return this.firstHeld + this.messages.length;
  }

  /**
   * Lets go of the messages before `index` (never of a reply still open: its
   * pieces may still come). The latest finished run ids stay known, so a late
   * piece of a finished reply is still dropped.
   */
  releaseBefore(index: number): void {
    let until = Math.min(index, this.total);
    for (const at of this.openRuns.values()) until = Math.min(until, at);
    const count = until - this.firstHeld;
    if (count <= 0) return;
    for (const message of this.messages.slice(0, count)) {
      for (const call of message.toolCalls ?? []) this.toolCallsById.delete(call.callId);
    }
    this.messages = this.messages.slice(count);
    this.firstHeld = until;
  }

  /** Folds in the next record. */
  apply(record: TranscriptRecord): void {
    const { messages, openRuns, firstHeld } = this;
    switch (record.type) {
      case 'message': {
        if (record.role === 'user' && record.tools !== undefined) this.toolChoice = record.tools;
        const at = record.role === 'assistant' ? openRuns.get(record.runId) : undefined;
        const message = messageOf(record);
        if (at !== undefined) {
          const calls = messages[at - firstHeld]!.toolCalls;
          if (calls) message.toolCalls = calls;
          messages[at - firstHeld] = message; // the whole reply replaces its pieces, in their place
          openRuns.delete(record.runId);
        } else {
          this.attachPendingCalls(message);
          messages.push(message);
        }
        if (record.role === 'assistant') this.noteFinished(record.runId);
        return;
      }
      case 'tool-call': {
        const call: FoldedToolCall = { callId: record.callId, step: record.step, server: record.server, tool: record.tool, arguments: record.arguments };
        this.toolCallsById.set(record.callId, call);
        const at = openRuns.get(record.runId);
        if (at !== undefined) (messages[at - firstHeld]!.toolCalls ??= []).push(call);
        else {
          let pending = this.pendingToolCalls.get(record.runId);
          if (!pending) this.pendingToolCalls.set(record.runId, (pending = []));
          pending.push(call);
        }
        return;
      }
      case 'tool-result': {
        const call = this.toolCallsById.get(record.callId);
        if (!call) return; // its call record is lost (a torn line): nothing to attach it to
        call.ok = record.ok;
        call.content = record.content;
        if (record.denied === true) call.denied = true;
        return;
      }
      case 'checkpoint': {
        if (this.finished.has(record.runId) || this.broken.has(record.runId)) return; // superseded, or past a gap
        const at = openRuns.get(record.runId);
        if (at === undefined) {
          if (record.from !== 0) {
            this.broken.add(record.runId); // its first piece is lost: no text can be placed
            return;
          }
          const message: FoldedMessage = { role: 'assistant', text: record.text, ts: record.ts, runId: record.runId, state: 'interrupted', seq: record.seq };
          if (record.source !== undefined) message.source = record.source;
          if (record.provider !== undefined) message.provider = record.provider;
          if (record.model !== undefined) message.model = record.model;
          if (record.idempotencyKey !== undefined) message.idempotencyKey = record.idempotencyKey;
          if (record.pid !== undefined) message.pid = record.pid;
          this.attachPendingCalls(message);
          openRuns.set(record.runId, this.total);
          messages.push(message);
          return;
        }
        const message = messages[at - firstHeld]!;
        if (record.from !== message.text.length) {
          this.broken.add(record.runId);
          return;
        }
        message.text += record.text;
        message.seq = record.seq;
        return;
      }
      case 'compaction':
        this.compaction = { summary: record.summary, firstIndex: Math.min(record.upTo, this.total) };
        return;
      case 'delivery':
      case 'resume':
        return; // only the run index reads these
    }
  }

  /** A run's reply message takes the tool calls its run made before it existed. */
  private noteFinished(runId: string): void {
    const { finished } = this;
    finished.delete(runId); // a run finished again (a replayed final record) moves to the newest end
    finished.add(runId);
    if (finished.size > MAX_FINISHED_RUNS) finished.delete(finished.values().next().value!);
  }

  private attachPendingCalls(message: FoldedMessage): void {
    if (message.role !== 'assistant') return; // calls belong to replies
    const pending = this.pendingToolCalls.get(message.runId);
    if (!pending) return; // the run called no tool
    message.toolCalls = pending;
    this.pendingToolCalls.delete(message.runId);
  }
}

/** Folds records, oldest first, into messages. */
export function foldTranscript(records: Iterable<TranscriptRecord>): FoldedTranscript {
  const folder = new TranscriptFolder();
  for (const record of records) folder.apply(record);
  return folder;
}
