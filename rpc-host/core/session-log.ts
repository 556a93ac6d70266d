/**
 * The one place a turn is recorded: every transcript record a send or a heartbeat
 * writes is appended here, then announced (`session.updated`, `reply`), so the
 * two turn kinds cannot drift apart in what they write or say.
 *
 * It also owns what the records mean afterwards: the idempotency look-up (through
 * the run index, rebuilt from the transcripts), the stored answer a repeated key
 * gets, the checkpoints of a streaming reply, and the wording of provider failures.
 */
import { ProtocolError, isProtocolError, errorMessage, errorStack } from '../protocol/errors.js';
import type { EventName, EventPayloadOf, MessageSource, SendPayload, ThinkingLevel } from '../protocol/schemas.js';
import { ProviderFailure } from '../providers/provider.js';
import { redact } from './secrets.js';
import { RunIndex, type KeyedSend, type StoredOutcome } from './run-index.js';
import { sessionUpdatedPayload, type SessionStore } from './session-store.js';
import type { MessageRecord } from './transcript-file.js';

/** Which turn a record belongs to. */
export interface TurnIdentity {
  session: string;
  runId: string;
  source: MessageSource;
  idempotencyKey?: string | undefined;
}

/** Where a turn's events go (each of the requests waiting on it). */
export type EventSink = <N extends EventName>(event: N, payload: EventPayloadOf<N>) => void;

/** A finished (or failed) reply, as the turn hands it over. */
export interface ReplyRecordInput {
  text: string;
  state: 'complete' | 'aborted' | 'failed';
  provider: string;
  model: string;
  /** Why it failed (redacted); with `state: 'failed'`. */
  error?: string;
  /** The `meta` the send answers with, stored for a repeated key. */
  meta?: SendPayload['meta'];
}

/** Options of the log. */
export interface SessionLogOptions {
  /** Longest a streamed reply's text waits before it is written as a checkpoint; 0 writes none. */
  checkpointIntervalMs: number;
  /** Secrets kept out of failure messages. */
  secrets: readonly string[];
}

/** Appends and announces turn records; answers what became of keyed sends. */
export class SessionLog {
  readonly runs: RunIndex;

  constructor(
    readonly store: SessionStore,
    private readonly options: SessionLogOptions,
  ) {
    this.runs = new RunIndex((session) => store.transcriptPath(session));
    store.onDidAppend((session, record, at, bytes) => this.runs.noteAppend(session, record, at, bytes));
  }

  /** Writes the user's message of a turn, and announces it. */
  recordPrompt(
    turn: TurnIdentity,
    sink: EventSink,
    prompt: { text: string; thinking?: ThinkingLevel | undefined; requestedModel?: string | undefined; tools?: readonly string[] | undefined },
  ): void {
    const record: MessageRecord = { type: 'message', role: 'user', text: prompt.text, ts: Date.now(), runId: turn.runId, source: turn.source, pid: process.pid };
    if (prompt.tools !== undefined) record.tools = [...prompt.tools];
    if (prompt.thinking) record.thinking = prompt.thinking;
    if (turn.idempotencyKey !== undefined) record.idempotencyKey = turn.idempotencyKey;
    if (prompt.requestedModel !== undefined) record.requestedModel = prompt.requestedModel;
    const summary = this.store.appendMessage(turn.session, record);
    sink('session.updated', withKey(sessionUpdatedPayload(summary), turn));
  }

  /** Writes that a keyed send runs again (as `turn.runId`, in this process) on its stored user message. */
  recordResume(turn: TurnIdentity & { idempotencyKey: string }): void {
    this.store.appendRunRecord(turn.session, { type: 'resume', ts: Date.now(), runId: turn.runId, idempotencyKey: turn.idempotencyKey, pid: process.pid });
  }

  /** Starts checkpointing a reply as it streams; `close` it when the reply is recorded. */
  openReply(turn: TurnIdentity, who: () => { provider: string; model: string }): ReplyCheckpoints {
    return new ReplyCheckpoints(this.store, turn, who, this.options.checkpointIntervalMs);
  }

  /** Writes a turn's reply. Announce it with `announceReply` once delivery (if any) is done. */
  recordReply(turn: TurnIdentity, reply: ReplyRecordInput): void {
    const record: MessageRecord = {
      type: 'message',
      role: 'assistant',
      text: reply.text,
      ts: Date.now(),
      runId: turn.runId,
      source: turn.source,
      provider: reply.provider,
      model: reply.model,
      state: reply.state,
    };
    if (reply.state === 'aborted') record.aborted = true; // what readers before `state` look for
    if (reply.error !== undefined) record.error = reply.error;
    if (turn.idempotencyKey !== undefined) record.idempotencyKey = turn.idempotencyKey;
    if (reply.meta !== undefined) record.meta = reply.meta;
    this.store.appendMessage(turn.session, record);
  }

  /** Writes how delivering a turn's reply went, so a replayed answer reports it too. */
  recordDelivery(turn: TurnIdentity, outcome: { delivered: boolean; error?: string | undefined }): void {
    this.store.appendRunRecord(turn.session, {
      type: 'delivery',
      ts: Date.now(),
      runId: turn.runId,
      delivered: outcome.delivered,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    });
  }

  /**
   * Announces a recorded reply: `reply` (not for a failed one: it is no reply) and
   * `session.updated`.
   */
  announceReply(turn: TurnIdentity, sink: EventSink, reply: ReplyRecordInput, delivered?: boolean): void {
    if (reply.state !== 'failed') {
      sink('reply', {
        session: turn.session,
        runId: turn.runId,
        text: reply.text,
        source: turn.source,
        provider: reply.provider,
        model: reply.model,
        ...(reply.state === 'aborted' ? { aborted: true } : {}),
        ...(delivered !== undefined ? { delivered } : {}),
        ...(reply.meta?.failures !== undefined && reply.meta.failures.length > 0 ? { failures: reply.meta.failures } : {}),
        ...(turn.idempotencyKey !== undefined ? { idempotencyKey: turn.idempotencyKey } : {}),
      });
    }
    sink('session.updated', withKey(sessionUpdatedPayload(this.store.summary(turn.session)), turn));
  }

  /** Writes a tool call the model asked for, before it runs. */
  recordToolCall(turn: TurnIdentity, call: { callId: string; step: number; server: string; tool: string; arguments: string }): void {
    this.store.appendRunRecord(turn.session, { type: 'tool-call', ts: Date.now(), runId: turn.runId, ...call });
  }

  /** Writes what a tool call came to, in full. */
  recordToolResult(turn: TurnIdentity, result: { callId: string; ok: boolean; content: string; denied?: boolean }): void {
    this.store.appendRunRecord(turn.session, {
      type: 'tool-result',
      ts: Date.now(),
      runId: turn.runId,
      callId: result.callId,
      ok: result.ok,
      content: result.content,
      ...(result.denied === true ? { denied: true } : {}),
    });
  }

  /** Writes a compaction marker: the provider context before message `upTo` is replaced by `summary`. */
  recordCompaction(session: string, upTo: number, summary: string): void {
    this.store.appendCompaction(session, upTo, summary);
  }

  /** The send with this key in the session, as its transcript tells it. */
  lookupKey(session: string, key: string): KeyedSend | undefined {
    return this.runs.key(session, key);
  }

  /**
   * The answer a finished keyed send gave, read back from its reply record, with
   * `meta.replayed: true`. Undefined when the record cannot be read back.
   */
  storedAnswer(session: string, outcome: StoredOutcome): SendPayload | undefined {
    const stored = this.readOutcome(session, outcome);
    if (!stored) return undefined;
    const { record, delivery } = stored;
    const meta: SendPayload['meta'] = record.meta
      ? { ...record.meta }
      : { session, runId: record.runId, provider: record.provider ?? 'unknown', model: record.model ?? 'unknown', durationMs: 0 };
    if (record.state === 'aborted' || record.aborted === true) meta.aborted = true;
    if (record.idempotencyKey !== undefined) meta.idempotencyKey = record.idempotencyKey;
    if (delivery) {
      meta.delivered = delivery.delivered;
      if (delivery.error !== undefined) meta.deliveryError = delivery.error;
    }
    meta.replayed = true;
    return { payloads: [{ text: record.text }], meta };
  }

  /** The stored error of a failed run: the reply record's `error`. */
  storedError(session: string, outcome: StoredOutcome): string {
    return this.readOutcome(session, outcome)?.record.error ?? 'the provider failed';
  }

  /**
   * Reads an outcome's record back. Should the file not hold it where the index
   * says (replaced under us), the session is read afresh once before giving up.
   */
  private readOutcome(session: string, outcome: StoredOutcome): ReturnType<RunIndex['readOutcome']> {
    const stored = this.runs.readOutcome(session, outcome);
    if (stored?.record.runId === outcome.runId) return stored;
    this.runs.forget(session);
    const again = this.runs.run(session, outcome.runId)?.outcome;
    const reread = again ? this.runs.readOutcome(session, again) : undefined;
    return reread?.record.runId === outcome.runId ? reread : undefined;
  }

  /**
   * A provider failure in words, without secrets: the provider's own message for a
   * `ProviderFailure` or a wire error, `provider "X" failed: …` for anything else.
   */
  describeFailure(error: unknown, provider: string): string {
    if (error instanceof ProviderFailure || isProtocolError(error)) return redact(error.message, this.options.secrets);
    return redact(`provider "${provider}" failed: ${errorMessage(error)}`, this.options.secrets);
  }

  /** The stack of an unexpected failure, without secrets, for the log. */
  describeStack(error: unknown): string {
    return redact(errorStack(error), this.options.secrets);
  }

  /** The `provider_error` a failed turn answers with. */
  providerError(message: string, keptChars: number): ProtocolError {
    if (keptChars === 0) return new ProtocolError('provider_error', message);
    return new ProtocolError('provider_error', `${message}; the ${keptChars}-character partial reply is kept in the session's history`);
  }
}

/**
 * A streaming reply's checkpoints: its text so far written as `checkpoint` pieces,
 * at most `intervalMs` after it arrived, so a crash keeps all but the last
 * `intervalMs` of it. The final reply record supersedes them.
 */
export class ReplyCheckpoints {
  private pending = '';
  private from = 0;
  private lastSeq = -1;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: SessionStore,
    private readonly turn: TurnIdentity,
    private readonly who: () => { provider: string; model: string },
    private readonly intervalMs: number,
  ) {}

  /** Takes one streamed delta. */
  push(text: string, seq: number): void {
    if (this.closed || this.intervalMs <= 0) return; // checkpoints off, or the reply is recorded
    this.pending += text;
    this.lastSeq = seq;
    if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Writes the text that has not been written yet. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.pending === '') return; // nothing new
    const { provider, model } = this.who();
    this.store.appendRunRecord(this.turn.session, {
      type: 'checkpoint',
      ts: Date.now(),
      runId: this.turn.runId,
      from: this.from,
      text: this.pending,
      seq: this.lastSeq,
      source: this.turn.source,
      provider,
      model,
      ...(this.turn.idempotencyKey !== undefined ? { idempotencyKey: this.turn.idempotencyKey } : {}),
      pid: process.pid,
    });
    this.from += this.pending.length;
    this.pending = '';
  }

  /** Stops checkpointing (the reply is being recorded whole). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
  }
}

/** Adds the turn's key to a payload made fresh for this event (so it is set in place, not copied). */
function withKey<P extends { idempotencyKey?: string }>(payload: P, turn: TurnIdentity): P {
  if (turn.idempotencyKey !== undefined) payload.idempotencyKey = turn.idempotencyKey;
  return payload;
}
