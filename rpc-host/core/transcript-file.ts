/**
 * One session's transcript file: append-only JSONL, safe for several processes.
 *
 * Every record is one `write()` of one complete line to a file opened with
 * O_APPEND, so concurrent writers (the RPC host and any number of one-shot CLI
 * runs) never interleave inside a line: the kernel places each append at the end
 * atomically. Writers never look at what is already there (a check-then-write
 * would race with other writers). If a writer crashed mid-line, the next record is
 * glued to the torn piece; the reader recovers it, because every record starts
 * with `{"type":`, which cannot occur unescaped inside a JSON string.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, writevSync } from 'node:fs';
import * as z from 'zod';
import { IdempotencyKeySchema, MessageSourceSchema, SendMetaSchema, ThinkingLevelSchema } from '../protocol/requests.js';

/**
 * A user or assistant message as stored on disk.
 *
 * A user message of a keyed send carries the key and the model it asked for, so
 * a later send with the same key can be told apart from a different message. A
 * reply carries how it ended (`state`; older records mark it with `aborted` or
 * `error` alone) and, for replies to `send`, the `meta` it was answered with, so a
 * repeated key is answered with the very same payload.
 */
export const MessageRecordSchema = z.object({
  type: z.literal('message'),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  ts: z.number(),
  runId: z.string(),
  source: MessageSourceSchema.optional(),
  thinking: ThinkingLevelSchema.optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  aborted: z.boolean().optional(),
  /** The provider failed (after streaming `text`, or before any): why (redacted). Such replies are kept, never given back to a model. */
  error: z.string().optional(),
  idempotencyKey: IdempotencyKeySchema.optional(),
  /** User messages: the `model` the send asked for, if any. */
  requestedModel: z.string().optional(),
  /** Replies: how the reply ended. */
  state: z.enum(['complete', 'aborted', 'failed']).optional(),
  /** Replies to `send`: the answer's `meta` (without `replayed`). */
  meta: SendMetaSchema.optional(),
  /** User messages: the process that runs the turn, so another process can tell a running turn from one whose gateway died. */
  pid: z.number().int().positive().optional(),
  /** User messages: the tools the send chose (names and patterns as given), which later sends of the session inherit. */
  tools: z.array(z.string()).optional(),
});
export type MessageRecord = z.infer<typeof MessageRecordSchema>;

/**
 * A piece of a reply still streaming: its text from character `from` on.
 *
 * Written at most every checkpoint interval while a reply streams, so a crash
 * loses at most that much text. Readers fold a run's pieces into one message
 * (`transcript-fold.ts`); the run's final reply record supersedes them.
 */
export const CheckpointRecordSchema = z.object({
  type: z.literal('checkpoint'),
  ts: z.number(),
  runId: z.string(),
  from: z.number().int().nonnegative(),
  text: z.string(),
  /** The last `reply.delta` seq this piece includes. */
  seq: z.number().int().nonnegative(),
  source: MessageSourceSchema.optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  idempotencyKey: IdempotencyKeySchema.optional(),
  /** The process streaming this reply. */
  pid: z.number().int().positive().optional(),
});
export type CheckpointRecord = z.infer<typeof CheckpointRecordSchema>;

/**
 * A keyed send running again on its stored user message (its last run was
 * interrupted or failed): names the new run and the process running it, so other
 * processes see it is under way before its first reply piece.
 */
export const ResumeRecordSchema = z.object({
  type: z.literal('resume'),
  ts: z.number(),
  runId: z.string(),
  idempotencyKey: IdempotencyKeySchema,
  pid: z.number().int().positive(),
});
export type ResumeRecord = z.infer<typeof ResumeRecordSchema>;

/** How delivering a run's reply went: written after the reply, so a replayed answer says it too. */
export const DeliveryRecordSchema = z.object({
  type: z.literal('delivery'),
  ts: z.number(),
  runId: z.string(),
  delivered: z.boolean(),
  error: z.string().optional(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecordSchema>;

/** Marks that the provider context before message `upTo` is replaced by `summary`. */
export const CompactionRecordSchema = z.object({
  type: z.literal('compaction'),
  ts: z.number(),
  upTo: z.number().int().nonnegative(),
  summary: z.string(),
});
export type CompactionRecord = z.infer<typeof CompactionRecordSchema>;

/**
 * A tool call the model asked for during a run, written before it runs, so a
 * crash mid-call leaves the call on record without a result.
 */
export const ToolCallRecordSchema = z.object({
  type: z.literal('tool-call'),
  ts: z.number(),
  runId: z.string(),
  callId: z.string(),
  /** Which model request of the run asked for it (1-based): calls of one step went to the model together. */
  step: z.number().int().positive(),
  server: z.string(),
  tool: z.string(),
  /** The arguments as the model wrote them (JSON text, perhaps malformed), secrets scrubbed. */
  arguments: z.string(),
});
export type ToolCallRecord = z.infer<typeof ToolCallRecordSchema>;

/** What a tool call came to: the full text the model was given (events carry it truncated). */
export const ToolResultRecordSchema = z.object({
  type: z.literal('tool-result'),
  ts: z.number(),
  runId: z.string(),
  callId: z.string(),
  ok: z.boolean(),
  content: z.string(),
  /** The call never ran: the user or the policy denied it, or its approval timed out. */
  denied: z.boolean().optional(),
});
export type ToolResultRecord = z.infer<typeof ToolResultRecordSchema>;

export const TranscriptRecordSchema = z.discriminatedUnion('type', [
  MessageRecordSchema,
  CompactionRecordSchema,
  CheckpointRecordSchema,
  DeliveryRecordSchema,
  ResumeRecordSchema,
  ToolCallRecordSchema,
  ToolResultRecordSchema,
]);
export type TranscriptRecord = z.infer<typeof TranscriptRecordSchema>;

/** What an append observed, so the caller can keep its cache exact. */
export interface AppendResult {
  /** File size just before this append, as seen under O_APPEND (a hint: another writer may race). */
  sizeBefore: number;
  /** Bytes this append wrote. */
  bytesWritten: number;
  /** True when the file grew by exactly this line, so the line is known to start at `sizeBefore`. */
  exact: boolean;
}

const LF = 0x0a;

const NEWLINE = Buffer.from('\n');

/** Appends one record as one line. */
export function appendRecord(path: string, record: TranscriptRecord): AppendResult {
  // The record and its newline go out in one writev: one append, without copying
  // a big record (a 1 MiB reply) into a second buffer just to add one byte.
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  const length = json.length + 1;
  const fd = openSync(path, 'a');
  try {
    const sizeBefore = fstatSync(fd).size;
    const written = writevSync(fd, [json, NEWLINE]);
    if (written !== length) {
      // A regular file only takes a short write when the disk is full; say so plainly.
      throw new Error(`short write to ${path}: ${written} of ${length} bytes (is the disk full?)`);
    }
    return { sizeBefore, bytesWritten: length, exact: fstatSync(fd).size === sizeBefore + length };
  } finally {
    closeSync(fd);
  }
}

/** The records of a transcript file, and its size when read. */
export interface TranscriptContents {
  records: TranscriptRecord[];
  bytes: number;
  skippedLines: number;
}

/** Reads every valid record; torn or foreign lines are skipped and counted. */
export function readTranscript(path: string): TranscriptContents {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], bytes: 0, skippedLines: 0 };
    throw error;
  }
  const records: TranscriptRecord[] = [];
  let skippedLines = 0;
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(LF, start);
    if (end === -1) end = data.length;
    if (end > start) {
      const record = parseRecord(data.toString('utf8', start, end));
      if (record) records.push(record);
      else skippedLines++;
    }
    start = end + 1;
  }
  return { records, bytes: data.length, skippedLines };
}

/** A record and where its line sits in the file. */
export interface LocatedRecord {
  record: TranscriptRecord;
  /** Byte offset of the line. */
  at: number;
  /** Bytes of the line, without its LF. */
  bytes: number;
}

/** The records of the whole lines from `from` on, and where the last whole line ends. */
export interface TranscriptTail {
  records: LocatedRecord[];
  /** Offset just past the last LF read: where the next read should start. A torn last line is left for then. */
  end: number;
  /** The file's size when read. */
  size: number;
}

/**
 * Reads the records of the whole lines from byte `from` on.
 *
 * Used to keep an in-memory index current by reading only what was appended since
 * the last look. A last line without its LF (a writer that crashed mid-line, or
 * one still writing) is not consumed: the next read starts at it again, and the
 * torn-line recovery then finds the record glued after it.
 */
export function readTranscriptFrom(path: string, from: number): TranscriptTail {
  const records: LocatedRecord[] = [];
  const { end, size } = forEachRecordFrom(path, from, (record, at, bytes) => records.push({ record, at, bytes }));
  return { records, end, size };
}

/**
 * Hands each record of the whole lines from byte `from` on to `visit`, in file
 * order, as `readTranscriptFrom` reads them, without collecting them first: a
 * reader that folds as it goes (a 100,000-message session) keeps only what it
 * folded alive, not every record of the file at once.
 */
export function forEachRecordFrom(path: string, from: number, visit: (record: TranscriptRecord, at: number, bytes: number) => void): { end: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { end: 0, size: 0 };
    throw error;
  }
  let data: Buffer;
  let read = 0;
  let size: number;
  try {
    size = fstatSync(fd).size;
    if (size <= from) return { end: Math.min(from, size), size };
    data = Buffer.allocUnsafe(size - from);
    while (read < data.length) {
      const n = readSync(fd, data, read, data.length - read, from + read);
      if (n === 0) break; // truncated meanwhile: read what is there
      read += n;
    }
  } finally {
    closeSync(fd);
  }
  let start = 0;
  while (start < read) {
    const end = data.indexOf(LF, start);
    if (end === -1 || end >= read) break; // a torn or unfinished last line: left for the next read
    if (end > start) {
      const record = parseRecord(data.toString('utf8', start, end));
      if (record) visit(record, from + start, end - start);
    }
    start = end + 1;
  }
  return { end: from + start, size };
}

/** Reads the one record whose line is at `at` (`bytes` long), as `readTranscriptFrom` located it. */
export function readRecordAt(path: string, at: number, bytes: number): TranscriptRecord | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed under us
    throw error;
  }
  try {
    const data = Buffer.allocUnsafe(bytes);
    const n = readSync(fd, data, 0, bytes, at);
    return parseRecord(data.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}

const RECORD_START = '{"type":';

function parseRecord(line: string): TranscriptRecord | undefined {
  const record = parseWhole(line);
  if (record) return record;
  // A crashed writer's torn piece with a whole record glued after it: keep the record.
  const start = line.lastIndexOf(RECORD_START);
  return start > 0 ? parseWhole(line.slice(start)) : undefined;
}

function parseWhole(text: string): TranscriptRecord | undefined {
  try {
    const result = TranscriptRecordSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined; // torn
  }
}
