/**
 * What became of each send, per session, as the transcripts tell it: the index
 * behind idempotency keys and `wait`.
 *
 * Built from the transcript files, never held only in memory, so it survives a
 * gateway restart and sees what other processes (a one-shot CLI) wrote. Each
 * session's index remembers how far into its file it has read. This process's own
 * appends are applied as they are written (`noteAppend`), so a look-up costs one
 * `stat` when nobody else wrote; otherwise it reads only what was appended since.
 * Results are not kept in memory:
 * an entry remembers where its reply record sits in the file, and a replay reads
 * that one line back.
 *
 * Retention: the last `maxEntries` keys and runs of a session, and any younger
 * than `maxAgeMs`, whichever keeps more (at least 10,000 and 24 hours by default).
 */
import { statSync } from 'node:fs';
import type { MessageRecord, TranscriptRecord } from './transcript-file.js';
import { readRecordAt, readTranscriptFrom, type DeliveryRecord } from './transcript-file.js';
import { replyStateOf } from './transcript-fold.js';

/** Where a run's final reply record sits, and how the reply ended. */
export interface StoredOutcome {
  state: 'complete' | 'aborted' | 'failed';
  runId: string;
  at: number;
  bytes: number;
  /** Where the run's delivery report sits, when there is one. */
  delivery?: { at: number; bytes: number };
}

/** One keyed send, as the transcript tells it. */
export interface KeyedSend {
  key: string;
  session: string;
  /** The run that wrote the user message. */
  userRunId: string;
  text: string;
  requestedModel: string | undefined;
  ts: number;
  /** Every run of this send, oldest first: a resumed or re-run send runs again under a new id. */
  runIds: string[];
  /** The latest run's end, once it ended. */
  outcome: StoredOutcome | undefined;
  /** The process running the latest run, as its records say. */
  ownerPid: number | undefined;
}

/** One run, keyed or not. */
export interface IndexedRun {
  runId: string;
  key: string | undefined;
  ts: number;
  outcome: StoredOutcome | undefined;
  /** The process that ran it, when its records say. */
  pid: number | undefined;
}

/** How much each session's index keeps. */
export interface RunIndexRetention {
  maxEntries: number;
  maxAgeMs: number;
}

export const DEFAULT_RETENTION: RunIndexRetention = { maxEntries: 10_000, maxAgeMs: 24 * 60 * 60 * 1000 };

interface SessionIndex {
  /** Offset just past the last whole line read. */
  end: number;
  byKey: Map<string, KeyedSend>;
  byRun: Map<string, IndexedRun>;
}

/** The stored reply of an outcome, and its delivery report. */
export interface StoredReply {
  record: MessageRecord;
  delivery: DeliveryRecord | undefined;
}

/** Idempotency keys and runs of every session, read from their transcripts. */
export class RunIndex {
  private readonly sessions = new Map<string, SessionIndex>();

  constructor(
    private readonly transcriptPath: (session: string) => string,
    private readonly retention: RunIndexRetention = DEFAULT_RETENTION,
    private readonly now: () => number = Date.now,
  ) {}

  /** The send with this key in the session, if the session has seen it (and still remembers it). */
  key(session: string, key: string): KeyedSend | undefined {
    return this.catchUp(session).byKey.get(key);
  }

  /** The run with this id in the session. */
  run(session: string, runId: string): IndexedRun | undefined {
    return this.catchUp(session).byRun.get(runId);
  }

  /**
   * Applies a record this process just appended at `at` (`bytes` long, without its
   * LF). Ignored unless the index has read exactly up to `at`: a gap means another
   * writer came in between, and the next look-up reads it all from the file.
   */
  noteAppend(session: string, record: TranscriptRecord, at: number, bytes: number): void {
    const index = this.sessions.get(session);
    if (index === undefined || index.end !== at) return; // not indexed yet, or someone else wrote first
    apply(index, session, record, at, bytes);
    index.end = at + bytes + 1;
    if (index.byKey.size > this.retention.maxEntries || index.byRun.size > this.retention.maxEntries) this.prune(index);
  }

  /** Forgets what was read of a session, so the next look-up reads its file from the start. */
  forget(session: string): void {
    this.sessions.delete(session);
  }

  /** Reads back the reply record (and delivery report) of an outcome. */
  readOutcome(session: string, outcome: StoredOutcome): StoredReply | undefined {
    const path = this.transcriptPath(session);
    const record = readRecordAt(path, outcome.at, outcome.bytes);
    if (record?.type !== 'message') return undefined; // the file changed under us
    const delivery = outcome.delivery ? readRecordAt(path, outcome.delivery.at, outcome.delivery.bytes) : undefined;
    return { record, delivery: delivery?.type === 'delivery' ? delivery : undefined };
  }

  /** Reads what was appended to the session's transcript since the last look. */
  private catchUp(session: string): SessionIndex {
    let index = this.sessions.get(session);
    if (!index) {
      index = { end: 0, byKey: new Map(), byRun: new Map() };
      this.sessions.set(session, index);
    }
    if (index.end > 0 && fileSize(this.transcriptPath(session)) === index.end) return index; // nothing new
    let tail = readTranscriptFrom(this.transcriptPath(session), index.end);
    if (tail.size < index.end) {
      // The file shrank: it was replaced. Start over from its beginning.
      index = { end: 0, byKey: new Map(), byRun: new Map() };
      this.sessions.set(session, index);
      tail = readTranscriptFrom(this.transcriptPath(session), 0);
    }
    if (tail.records.length === 0) {
      index.end = tail.end;
      return index;
    }
    for (const { record, at, bytes } of tail.records) apply(index, session, record, at, bytes);
    index.end = tail.end;
    this.prune(index);
    return index;
  }

  private prune(index: SessionIndex): void {
    const oldest = this.now() - this.retention.maxAgeMs;
    for (const map of [index.byKey, index.byRun] as Array<Map<string, { ts: number }>>) {
      if (map.size <= this.retention.maxEntries) continue;
      for (const [id, entry] of map) {
        if (map.size <= this.retention.maxEntries || entry.ts >= oldest) break; // insertion order is age order
        map.delete(id);
      }
    }
  }
}

function apply(index: SessionIndex, session: string, record: TranscriptRecord, at: number, bytes: number): void {
  switch (record.type) {
    case 'message': {
      if (record.role === 'user') {
        const key = record.idempotencyKey;
        if (index.byRun.has(record.runId)) return; // written twice (cannot happen through the log): keep the first
        index.byRun.set(record.runId, { runId: record.runId, key, ts: record.ts, outcome: undefined, pid: record.pid });
        if (key !== undefined && !index.byKey.has(key)) {
          index.byKey.set(key, {
            key,
            session,
            userRunId: record.runId,
            text: record.text,
            requestedModel: record.requestedModel,
            ts: record.ts,
            runIds: [record.runId],
            outcome: undefined,
            ownerPid: record.pid,
          });
        }
        return;
      }
      const outcome: StoredOutcome = { state: replyStateOf(record), runId: record.runId, at, bytes };
      const run = runOf(index, record.runId, record.idempotencyKey, record.ts);
      run.outcome = outcome;
      const keyed = run.key === undefined ? undefined : index.byKey.get(run.key);
      if (keyed) {
        if (!keyed.runIds.includes(record.runId)) keyed.runIds.push(record.runId);
        if (keyed.runIds.at(-1) === record.runId) keyed.outcome = outcome; // an older run ending late does not overrule a newer one
      }
      return;
    }
    case 'checkpoint': {
      const run = runOf(index, record.runId, record.idempotencyKey, record.ts);
      const keyed = run.key === undefined ? undefined : index.byKey.get(run.key);
      if (keyed && !keyed.runIds.includes(record.runId)) {
        keyed.runIds.push(record.runId);
        keyed.outcome = undefined; // a new run of the send is under way
      }
      return;
    }
    case 'resume': {
      const run = runOf(index, record.runId, record.idempotencyKey, record.ts);
      run.pid = record.pid;
      const keyed = index.byKey.get(record.idempotencyKey);
      if (keyed && !keyed.runIds.includes(record.runId)) {
        keyed.runIds.push(record.runId);
        keyed.outcome = undefined; // a new run of the send is under way
        keyed.ownerPid = record.pid;
      }
      return;
    }
    case 'delivery': {
      const outcome = index.byRun.get(record.runId)?.outcome;
      if (outcome) outcome.delivery = { at, bytes };
      return;
    }
    case 'compaction':
    case 'tool-call':
    case 'tool-result':
      return;
  }
}

function runOf(index: SessionIndex, runId: string, key: string | undefined, ts: number): IndexedRun {
  let run = index.byRun.get(runId);
  if (!run) {
    run = { runId, key, ts, outcome: undefined, pid: undefined };
    index.byRun.set(runId, run);
  } else if (run.key === undefined && key !== undefined) {
    run.key = key;
  }
  return run;
}

function fileSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}
