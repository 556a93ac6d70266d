/**
 * Sessions on disk: one append-only transcript per session plus an index file.
 *
 * Layout under the data dir:
 *   sessions/<encoded key>.jsonl   the transcript (see transcript-file.ts)
 *   sessions/index.json            summaries (count, preview, thinking, file size)
 *
 * The transcripts are the truth; the index is a cache that lets `sessions` answer
 * without reading every transcript. Each index entry remembers the transcript size
 * it describes, so an entry made stale by another process (a one-shot CLI writing
 * the same session) is noticed by a `stat` and rebuilt from the file. That keeps
 * the store lock-free: appends are atomic, index writes are atomic renames, and a
 * lost index write only costs a rescan.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { EventPayloadOf, HistoryMessage, SessionSummary, ThinkingLevel } from '../protocol/schemas.js';
import { ThinkingLevelSchema } from '../protocol/schemas.js';
import { appendRecord, readTranscript, type MessageRecord, type TranscriptRecord } from './transcript-file.js';

const PREVIEW_CHARS = 120;
const TRANSCRIPT_SUFFIX = '.jsonl';

const IndexEntrySchema = z.object({
  updatedAt: z.number(),
  messageCount: z.number().int().nonnegative(),
  preview: z.string(),
  thinking: ThinkingLevelSchema.nullable(),
  bytes: z.number().int(),
});
type IndexEntry = z.infer<typeof IndexEntrySchema>;

const IndexFileSchema = z.object({
  version: z.literal(1),
  sessions: z.record(z.string(), IndexEntrySchema),
});

/** A page of history, oldest first. */
export interface HistoryPage {
  messages: HistoryMessage[];
  total: number;
  hasMore: boolean;
}

/** What a provider sees of a session: the summary of compacted messages, then the rest. */
export interface SessionContext {
  summary: string | undefined;
  messages: Array<{ role: 'user' | 'assistant'; text: string }>;
  /** Index of the first message in `messages`. */
  firstIndex: number;
  /** All messages in the transcript. */
  total: number;
}

/** Reads and writes sessions under `<dataDir>/sessions`. */
export class SessionStore {
  readonly dir: string;
  private readonly indexPath: string;
  private readonly entries = new Map<string, IndexEntry>();
  private indexDirty = false;
  private indexTimer: NodeJS.Timeout | undefined;
  private tmpCounter = 0;

  constructor(
    dataDir: string,
    /** How long to coalesce index writes; 0 writes after every change. */
    private readonly indexDelayMs = 100,
  ) {
    this.dir = join(dataDir, 'sessions');
    this.indexPath = join(this.dir, 'index.json');
    mkdirSync(this.dir, { recursive: true });
    this.loadIndex();
  }

  /** How many sessions this process knows of (cheap; `list` refreshes it from disk). */
  get size(): number {
    return this.entries.size;
  }

  /** Appends a message and returns its summary after the append. */
  appendMessage(session: string, record: MessageRecord): SessionSummary {
    this.append(session, record);
    return this.summary(session);
  }

  /** Appends a compaction marker. */
  appendCompaction(session: string, upTo: number, summary: string): void {
    this.append(session, { type: 'compaction', ts: Date.now(), upTo, summary });
  }

  /** The summary of one session, as this process knows it. */
  summary(session: string): SessionSummary {
    const entry = this.entries.get(session) ?? this.refresh(session);
    return toSummary(session, entry);
  }

  /** Every session on disk, most recently updated first; stale entries are rebuilt. */
  list(): SessionSummary[] {
    const onDisk = new Set<string>();
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(TRANSCRIPT_SUFFIX)) continue;
      const key = decodeSessionKey(name.slice(0, -TRANSCRIPT_SUFFIX.length));
      if (key === undefined) continue; // not one of ours
      onDisk.add(key);
      const entry = this.entries.get(key);
      const size = fileSize(this.transcriptPath(key));
      if (!entry || entry.bytes !== size) this.refresh(key);
    }
    for (const key of this.entries.keys()) {
      if (!onDisk.has(key)) {
        this.entries.delete(key);
        this.markIndexDirty();
      }
    }
    return [...this.entries]
      .map(([key, entry]) => toSummary(key, entry))
      .sort((a, b) => b.updatedAt - a.updatedAt || a.key.localeCompare(b.key));
  }

  /** True when the session has a transcript. */
  exists(session: string): boolean {
    return this.entries.has(session) || fileSize(this.transcriptPath(session)) > 0;
  }

  /** A page of messages: `limit` (default 100) messages before index `before` (default: the end). */
  history(session: string, options: { limit?: number; before?: number } = {}): HistoryPage {
    const messages = this.messages(session);
    const end = Math.min(options.before ?? messages.length, messages.length);
    const start = Math.max(0, end - (options.limit ?? 100));
    return {
      messages: messages.slice(start, end).map((record, offset) => toHistoryMessage(record, start + offset)),
      total: messages.length,
      hasMore: start > 0,
    };
  }

  /** The provider context: the latest compaction summary and the messages after it, without run `excludeRunId`'s. */
  context(session: string, excludeRunId?: string): SessionContext {
    const { records } = readTranscript(this.transcriptPath(session));
    let summary: string | undefined;
    let firstIndex = 0;
    const messages: MessageRecord[] = [];
    for (const record of records) {
      if (record.type === 'message') messages.push(record);
      else {
        summary = record.summary;
        firstIndex = Math.min(record.upTo, messages.length);
      }
    }
    return {
      summary,
      messages: messages
        .slice(firstIndex)
        // A reply the provider broke off is history for the user, not context for a model.
        .filter((message) => message.runId !== excludeRunId && message.error === undefined)
        .map(({ role, text }) => ({ role, text })),
      firstIndex,
      total: messages.length,
    };
  }

  /** Writes the index now if it changed (call before exit). */
  flush(): void {
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.indexTimer = undefined;
    if (!this.indexDirty) return; // nothing changed
    this.indexDirty = false;
    const file = { version: 1 as const, sessions: Object.fromEntries(this.entries) };
    const tmp = `${this.indexPath}.${process.pid}.${this.tmpCounter++}.tmp`;
    writeFileSync(tmp, JSON.stringify(file));
    renameSync(tmp, this.indexPath); // atomic: readers see the old or the new index, never half
  }

  /** The transcript file of a session. */
  transcriptPath(session: string): string {
    return join(this.dir, encodeSessionKey(session) + TRANSCRIPT_SUFFIX);
  }

  private messages(session: string): MessageRecord[] {
    return readTranscript(this.transcriptPath(session)).records.filter(
      (record): record is MessageRecord => record.type === 'message',
    );
  }

  private append(session: string, record: TranscriptRecord): void {
    const { sizeBefore, bytesWritten } = appendRecord(this.transcriptPath(session), record);
    const entry = this.entries.get(session);
    if (!entry || entry.bytes !== sizeBefore) {
      this.refresh(session); // someone else wrote since we last looked: rebuild from the file
    } else {
      entry.bytes += bytesWritten;
      if (record.type === 'message') {
        entry.messageCount++;
        entry.updatedAt = record.ts;
        entry.preview = preview(record.text);
        if (record.thinking) entry.thinking = record.thinking;
      }
    }
    this.markIndexDirty();
  }

  /** Rebuilds one entry from its transcript. */
  private refresh(session: string): IndexEntry {
    const { records, bytes } = readTranscript(this.transcriptPath(session));
    const entry: IndexEntry = { updatedAt: 0, messageCount: 0, preview: '', thinking: null, bytes };
    for (const record of records) {
      if (record.type !== 'message') continue;
      entry.messageCount++;
      entry.updatedAt = record.ts;
      entry.preview = record.text;
      if (record.thinking) entry.thinking = record.thinking;
    }
    entry.preview = preview(entry.preview);
    if (bytes > 0) {
      this.entries.set(session, entry);
      this.markIndexDirty();
    }
    return entry;
  }

  private loadIndex(): void {
    let raw: string;
    try {
      raw = readFileSync(this.indexPath, 'utf8');
    } catch {
      return; // no index yet: `list` builds it from the transcripts
    }
    try {
      const parsed = IndexFileSchema.safeParse(JSON.parse(raw));
      if (!parsed.success) return; // a foreign or damaged index is only a cache: rebuild it
      for (const [key, entry] of Object.entries(parsed.data.sessions)) this.entries.set(key, entry);
    } catch {
      // damaged JSON: same as above
    }
  }

  private markIndexDirty(): void {
    this.indexDirty = true;
    if (this.indexDelayMs === 0) {
      this.flush();
      return;
    }
    if (this.indexTimer) return; // a write is already scheduled
    this.indexTimer = setTimeout(() => this.flush(), this.indexDelayMs);
    this.indexTimer.unref();
  }
}

function toSummary(key: string, entry: IndexEntry): SessionSummary {
  return {
    key,
    updatedAt: entry.updatedAt,
    messageCount: entry.messageCount,
    preview: entry.preview,
    thinking: entry.thinking as ThinkingLevel | null,
  };
}

function toHistoryMessage(record: MessageRecord, index: number): HistoryMessage {
  const message: HistoryMessage = { index, role: record.role, text: record.text, ts: record.ts, runId: record.runId };
  if (record.source) message.source = record.source;
  if (record.provider) message.provider = record.provider;
  if (record.model) message.model = record.model;
  if (record.aborted) message.aborted = true;
  if (record.error !== undefined) message.error = record.error;
  return message;
}

function preview(text: string): string {
  // Only the head can show, so never flatten more than a few times what fits.
  const flat = text.slice(0, PREVIEW_CHARS * 4).replace(/\s+/gu, ' ').trim();
  return flat.length <= PREVIEW_CHARS && text.length <= PREVIEW_CHARS * 4 ? flat : flat.slice(0, PREVIEW_CHARS - 1) + '…';
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

// Windows treats these as devices with any extension too (`nul.tar.gz`).
const WINDOWS_DEVICE_NAMES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/u;

/**
 * Maps a session key to a file name that is safe and distinct everywhere.
 *
 * Keeps `[a-z0-9_-]` and inner dots, percent-encodes every other UTF-8 byte (upper
 * case too, so `Main` and `main` stay apart on case-insensitive file systems) and
 * Windows device names.
 */
/** The `session.updated` event for a session after a write. */
export function sessionUpdatedPayload(summary: SessionSummary): EventPayloadOf<'session.updated'> {
  return { session: summary.key, updatedAt: summary.updatedAt, messageCount: summary.messageCount, preview: summary.preview };
}

export function encodeSessionKey(key: string): string {
  let out = '';
  const bytes = Buffer.from(key, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const char = String.fromCharCode(byte);
    const plain = /[a-z0-9_-]/u.test(char) || (char === '.' && i > 0 && i < bytes.length - 1);
    out += plain && byte < 0x80 ? char : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  if (WINDOWS_DEVICE_NAMES.test(out)) out = '%' + out.charCodeAt(0).toString(16).toUpperCase() + out.slice(1);
  return out;
}

/** The inverse of `encodeSessionKey`; undefined for names it could not have made. */
export function decodeSessionKey(name: string): string | undefined {
  try {
    const key = decodeURIComponent(name);
    return encodeSessionKey(key) === name ? key : undefined;
  } catch {
    return undefined;
  }
}
