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
import { closeSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { MessageSourceSchema, ThinkingLevelSchema } from '../protocol/schemas.js';

/** A user or assistant message as stored on disk. */
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
  /** The provider failed after streaming `text`: why (redacted). Such replies are kept, never given back to a model. */
  error: z.string().optional(),
});
export type MessageRecord = z.infer<typeof MessageRecordSchema>;

/** Marks that the provider context before message `upTo` is replaced by `summary`. */
export const CompactionRecordSchema = z.object({
  type: z.literal('compaction'),
  ts: z.number(),
  upTo: z.number().int().nonnegative(),
  summary: z.string(),
});
export type CompactionRecord = z.infer<typeof CompactionRecordSchema>;

export const TranscriptRecordSchema = z.discriminatedUnion('type', [MessageRecordSchema, CompactionRecordSchema]);
export type TranscriptRecord = z.infer<typeof TranscriptRecordSchema>;

/** What an append observed, so the caller can keep its cache exact. */
export interface AppendResult {
  /** File size just before this append, as seen under O_APPEND (a hint: another writer may race). */
  sizeBefore: number;
  /** Bytes this append wrote. */
  bytesWritten: number;
}

const LF = 0x0a;

/** Appends one record as one line. */
export function appendRecord(path: string, record: TranscriptRecord): AppendResult {
  const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
  const fd = openSync(path, 'a');
  try {
    const sizeBefore = fstatSync(fd).size;
    const written = writeSync(fd, line);
    if (written !== line.length) {
      // A regular file only takes a short write when the disk is full; say so plainly.
      throw new Error(`short write to ${path}: ${written} of ${line.length} bytes (is the disk full?)`);
    }
    return { sizeBefore, bytesWritten: line.length };
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
