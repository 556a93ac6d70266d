/**
 * Sessions on disk: one append-only transcript per session plus an index file.
 *
 * Layout under the data dir:
 *   sessions/<encoded key>.jsonl   the transcript (see transcript-file.ts)
 *   sessions/index.json            summaries (count, preview, thinking, file size)
 *   sessions/meta.json             titles and pins (see session-meta.ts)
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
import * as z from 'zod';
import type { EventPayloadOf, HistoryMessage, SessionSummary, ThinkingLevel } from '../protocol/schemas.js';
import { ThinkingLevelSchema } from '../protocol/requests.js';
import { appendRecord, forEachRecordFrom, readTranscript, type CheckpointRecord, type DeliveryRecord, type MessageRecord, type ResumeRecord, type ToolCallRecord, type ToolResultRecord, type TranscriptRecord } from './transcript-file.js';
import { TranscriptFolder, type FoldedMessage } from './transcript-fold.js';
import { FoldAnchors, runBegun, standsAlone } from './transcript-window.js';
import { isOtherLiveProcess } from './owner-process.js';
import { SessionMetaFile, type SessionMeta, type SessionMetaPatch } from './session-meta.js';

const PREVIEW_CHARS = 120;
const TRANSCRIPT_SUFFIX = '.jsonl';
/** Sessions whose folded transcript is kept in memory (the most recently read); others are read again when asked. */
const MAX_FOLDED_SESSIONS = 64;
/** Transcript paths remembered; a gateway with more sessions than this just encodes again. */
const MAX_CACHED_PATHS = 10_000;

/**
 * How much of a session's newest messages a store keeps in memory, at least: two
 * pages of history, and characters enough for the largest provider context
 * (the gateway passes its providers' largest budget; the OpenAI provider's
 * default is 48,000). Older messages are let go, so a gateway's memory stays flat
 * as sessions grow, and read again from the file on the rare request that reaches
 * past them (an old history page, a compaction).
 */
export interface Retention {
  messages: number;
  chars: number;
}

export const DEFAULT_RETENTION: Retention = { messages: 200, chars: 64_000 };

/** How long a whole fold read for older pages is kept after its last use. */
const WHOLE_FOLD_KEEP_MS = 30_000;

/** Transcripts at least this long are first folded from their index entry's anchor (`foldFromTail`); shorter ones fold whole in a few milliseconds. */
export const FOLD_FROM_TAIL_BYTES = 1 << 20;

/** A session's fold kept in memory: how far into the file it has read, and how many messages it held after its last release. */
interface HeldFold {
  folder: TranscriptFolder;
  end: number;
  heldAfterRelease: number;
  /** Where a later reader can fold the file from (the index entry keeps the oldest). */
  anchors: FoldAnchors;
}

/**
 * The characters a message takes up in a provider's context budget: its text,
 * and its tool calls' arguments and results. The OpenAI provider fills its budget
 * by this count, and the store keeps characters enough by the same one.
 */
export function contextCharsOf(message: { text: string; toolCalls?: readonly { arguments: string; content?: string }[] | undefined }): number {
  let chars = message.text.length;
  for (const call of message.toolCalls ?? []) chars += call.arguments.length + (call.content?.length ?? 0);
  return chars;
}

const IndexEntrySchema = z.object({
  updatedAt: z.number(),
  messageCount: z.number().int().nonnegative(),
  preview: z.string(),
  thinking: ThinkingLevelSchema.nullable(),
  bytes: z.number().int(),
  /**
   * Where a fold of this session can start short of the file's start (see
   * transcript-window.ts): kept by the fold that last let messages go, so the next
   * gateway reads a long session from near its end.
   */
  tail: z
    .object({
      at: z.number().int().nonnegative(),
      runId: z.string(),
      before: z.number().int().nonnegative(),
      compaction: z.object({ summary: z.string(), firstIndex: z.number().int().nonnegative() }).nullable(),
      toolChoice: z.array(z.string()).nullable(),
    })
    .optional(),
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

/** A tool call of an earlier reply, with its result, as a provider's context holds it. */
export interface ContextToolCall {
  callId: string;
  step: number;
  server: string;
  tool: string;
  arguments: string;
  content: string;
}

/** One message of a provider's context. */
export interface ContextMessage {
  role: 'user' | 'assistant';
  text: string;
  /** Replies: the tool calls made before the text, each with its result (calls left without one are not context). */
  toolCalls?: ContextToolCall[];
}

/** What a provider sees of a session: the summary of compacted messages, then the rest. */
export interface SessionContext {
  summary: string | undefined;
  /** Index of the first message after the summary. */
  firstIndex: number;
  /** All messages in the transcript. */
  total: number;
  /**
   * The messages after the summary, newest first, produced as they are asked for:
   * a provider stops once its budget is full, so a send to a long session costs
   * what fits in the budget, not what the session holds.
   */
  newestFirst(): Iterable<ContextMessage>;
  /** All messages after the summary, oldest first (compaction summarizes them all). */
  all(): ContextMessage[];
}

/** A context over a plain list of messages (one-off requests, tests). */
export function listContext(summary: string | undefined, messages: readonly ContextMessage[], firstIndex = 0, total = firstIndex + messages.length): SessionContext {
  return {
    summary,
    firstIndex,
    total,
    *newestFirst() {
      for (let i = messages.length - 1; i >= 0; i--) yield messages[i]!;
    },
    all: () => messages.slice(),
  };
}

/** Told of each record this store appended, with where its line starts (when that is certain) and its length without the LF. */
export type AppendListener = (session: string, record: TranscriptRecord, at: number, bytes: number) => void;

/**
 * Reads and writes sessions under `<dataDir>/sessions`: the transcripts and the
 * index that summarizes them.
 *
 * Owns the file layout and the index cache; it never decides what a record means
 * for a turn (the session log does) and never rewrites a transcript line.
 */
export class SessionStore {
  readonly dir: string;
  /** Titles and pins: not a cache, so kept apart from the index. */
  readonly meta: SessionMetaFile;
  private readonly indexPath: string;
  private readonly entries = new Map<string, IndexEntry>();
  /** Per session, the runs whose reply is written in pieces and not finished yet (their message is counted). */
  private readonly openReplies = new Map<string, Set<string>>();
  private readonly appendListeners = new Set<AppendListener>();
  private readonly paths = new Map<string, string>();
  /** Folded transcripts of recently read sessions, and how far into each file they have read. */
  private readonly folds = new Map<string, HeldFold>();
  /**
   * The last whole fold read for a request past a session's held messages: someone
   * scrolling back through a long session reads page after page of it, and each
   * would otherwise read the whole file again. Kept a while, one session at a time.
   */
  private whole: { session: string; folder: TranscriptFolder; end: number; timer: NodeJS.Timeout } | undefined;
  private indexDirty = false;
  private indexTimer: NodeJS.Timeout | undefined;
  private tmpCounter = 0;

  constructor(
    dataDir: string,
    /** How long to coalesce index writes; 0 writes after every change. */
    private readonly indexDelayMs = 100,
    /** How much of each session stays in memory (see `Retention`). */
    private readonly retention: Retention = DEFAULT_RETENTION,
    /** Transcripts at least this long are first folded from their anchor (tests lower it). */
    private readonly foldFromTailBytes: number = FOLD_FROM_TAIL_BYTES,
  ) {
    this.dir = join(dataDir, 'sessions');
    this.indexPath = join(this.dir, 'index.json');
    mkdirSync(this.dir, { recursive: true });
    this.meta = new SessionMetaFile(join(this.dir, 'meta.json'));
    this.loadIndex();
  }

  /** How many sessions this process knows of (cheap; `list` refreshes it from disk). */
  get size(): number {
    return this.entries.size;
  }

  /** Hears of every record appended here whose place in the file is certain (so an index can follow without reading it back). */
  onDidAppend(listener: AppendListener): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Appends a message and returns the session's summary after it. */
  appendMessage(session: string, record: MessageRecord): SessionSummary {
    this.append(session, record);
    return this.summary(session);
  }

  /** Appends a reply's piece (`checkpoint`), a delivery report, a resume marker or a tool call or result. */
  appendRunRecord(session: string, record: CheckpointRecord | DeliveryRecord | ResumeRecord | ToolCallRecord | ToolResultRecord): void {
    this.append(session, record);
  }

  /** Appends a compaction marker. */
  appendCompaction(session: string, upTo: number, summary: string): void {
    this.append(session, { type: 'compaction', ts: Date.now(), upTo, summary });
  }

  /** The summary of one session, as this process knows it. */
  summary(session: string): SessionSummary {
    const entry = this.entries.get(session) ?? this.refresh(session);
    return toSummary(session, entry, this.meta.get(session));
  }

  /** Changes a session's title or pin; returns its summary after. */
  updateMeta(session: string, patch: SessionMetaPatch): SessionSummary {
    this.meta.update(session, patch);
    return this.summary(session);
  }

  /**
   * Drops everything this process remembers of a session whose transcript was moved
   * away (deleted) or back (restored), so the next read starts from the file.
   */
  forget(session: string): void {
    this.entries.delete(session);
    this.openReplies.delete(session);
    this.folds.delete(session);
    if (this.whole?.session === session) this.dropWhole();
    this.markIndexDirty();
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
      .map(([key, entry]) => toSummary(key, entry, this.meta.get(key)))
      .sort((a, b) => b.updatedAt - a.updatedAt || a.key.localeCompare(b.key));
  }

  /**
   * The session's summary when another process changed its transcript since this
   * store last looked (the size differs from what our own appends account for),
   * rebuilt from the file; undefined when nothing changed or it has no transcript.
   */
  noticeOutsideChange(session: string): SessionSummary | undefined {
    const size = fileSize(this.transcriptPath(session));
    const entry = this.entries.get(session);
    if (entry ? entry.bytes === size : size === 0) return undefined; // our own writes, or nothing at all
    const rebuilt = this.refresh(session);
    return rebuilt.bytes > 0 ? toSummary(session, rebuilt, this.meta.get(session)) : undefined;
  }

  /** True when the session has a transcript. */
  exists(session: string): boolean {
    return this.entries.has(session) || fileSize(this.transcriptPath(session)) > 0;
  }

  /**
   * A page of messages: `limit` (default 100) messages before index `before` (default: the end).
   *
   * A reply written in pieces without its final record is `streaming` when `isLive`
   * says its run is still going in this process (or the process that streams it
   * is alive), else `interrupted`.
   */
  history(session: string, options: { limit?: number; before?: number; isLive?: (runId: string) => boolean } = {}): HistoryPage {
    let fold: TranscriptFolder = this.folded(session);
    let end = Math.min(options.before ?? fold.total, fold.total);
    let start = Math.max(0, end - (options.limit ?? 100));
    if (start < fold.firstHeld) {
      fold = this.foldWhole(session); // a page older than what is held: read it from the file
      end = Math.min(options.before ?? fold.total, fold.total);
      start = Math.max(0, end - (options.limit ?? 100));
    }
    const { messages, openRuns, firstHeld } = fold;
    return {
      messages: messages.slice(start - firstHeld, end - firstHeld).map((message, offset) => {
        // A reply in pieces is still streaming when its run is live here, or its process (a one-shot CLI) is alive.
        const live = openRuns.has(message.runId) && (options.isLive?.(message.runId) === true || isOtherLiveProcess(message.pid));
        return toHistoryMessage(message, start + offset, live);
      }),
      total: fold.total,
      hasMore: start > 0,
    };
  }

  /**
   * The provider context: the latest compaction summary and the messages after it.
   *
   * Leaves out the messages of `excludeRunIds` (the turn being run: its prompt is
   * passed on its own) and every reply that did not complete (aborted, failed,
   * interrupted): those are history for the user, not context for a model.
   */
  context(session: string, excludeRunIds: readonly string[] = []): SessionContext {
    const held = this.folded(session);
    const { messages, compaction, firstHeld } = held;
    const firstIndex = compaction?.firstIndex ?? 0;
    const total = held.total; // the fold grows as records are appended: fix the view now
    const excluded = new Set(excludeRunIds);
    const counts = (message: FoldedMessage) => !excluded.has(message.runId) && (message.role === 'user' || message.state === 'complete');
    // Messages older than the held ones, read from the file only when a reader gets that far.
    let whole: TranscriptFolder | undefined;
    const older = () => (whole ??= this.foldWhole(session)).messages;
    return {
      summary: compaction?.summary,
      firstIndex,
      total,
      *newestFirst() {
        for (let i = total - 1; i >= firstIndex; i--) {
          const message = i >= firstHeld ? messages[i - firstHeld]! : older()[i]!;
          if (counts(message)) yield contextMessageOf(message);
        }
      },
      all: () => (firstIndex >= firstHeld ? messages.slice(firstIndex - firstHeld, total - firstHeld) : older().slice(firstIndex, total)).filter(counts).map(contextMessageOf),
    };
  }

  /** The tools the session's latest send that chose any chose, which a send that names none inherits. */
  toolChoice(session: string): string[] | undefined {
    return this.folded(session).toolChoice;
  }

  /** The text of a run's reply as readers see it (pieces folded), or undefined when it has none. */
  replyText(session: string, runId: string): string | undefined {
    const isReply = (message: FoldedMessage) => message.role === 'assistant' && message.runId === runId;
    const held = this.folded(session);
    const found = held.messages.findLast(isReply);
    if (found !== undefined || held.firstHeld === 0) return found?.text;
    return this.foldWhole(session).messages.findLast(isReply)?.text;
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
    let path = this.paths.get(session);
    if (path === undefined) {
      // Encoding walks the key byte by byte; a send asks for its path several times.
      path = join(this.dir, encodeSessionKey(session) + TRANSCRIPT_SUFFIX);
      if (this.paths.size >= MAX_CACHED_PATHS) this.paths.clear();
      this.paths.set(session, path);
    }
    return path;
  }

  /**
   * The session's transcript as readers see it, kept in memory for recently read
   * sessions: a `stat` tells whether anything was appended since (by another
   * process: this one's own appends are folded in as they are written), and only
   * that is read. A file that shrank was replaced, and is read again whole.
   */
  private folded(session: string): TranscriptFolder {
    const path = this.transcriptPath(session);
    let fold = this.folds.get(session);
    const size = fileSize(path);
    if (fold !== undefined && size === fold.end) {
      this.folds.delete(session);
      this.folds.set(session, fold); // most recently used last
      return fold.folder;
    }
    if (fold === undefined || size < fold.end) fold = this.foldFromTail(session, path, size) ?? { folder: new TranscriptFolder(), end: 0, heldAfterRelease: 0, anchors: new FoldAnchors() };
    const held = fold;
    // Folded as read, letting go of old messages as it goes: the first read of a long
    // session keeps a window of it alive, not every record of the file at once.
    const tail = forEachRecordFrom(path, fold.end, (record, at) => {
      held.anchors.note(record, at, held.folder);
      held.folder.apply(record);
      this.release(held);
    });
    fold.end = tail.end;
    this.keepAnchor(session, fold);
    this.folds.delete(session);
    this.folds.set(session, fold);
    if (this.folds.size > MAX_FOLDED_SESSIONS) this.folds.delete(this.folds.keys().next().value!);
    return fold.folder;
  }

  /**
   * A long session's fold read from the anchor its index entry keeps instead of
   * from the file's start: the records from a run's first record on, given what a
   * fold knew just before it (see transcript-window.ts). It holds what the fold
   * that kept the anchor held. Undefined (fold the whole file) when there is no
   * anchor, or the file there is not what the anchor says.
   */
  private foldFromTail(session: string, path: string, size: number): HeldFold | undefined {
    if (size < this.foldFromTailBytes) return undefined;
    const anchor = this.entries.get(session)?.tail;
    if (anchor === undefined || anchor.at >= size) return undefined;
    const records: TranscriptRecord[] = [];
    const offsets: number[] = [];
    const read = forEachRecordFrom(path, anchor.at, (record, at) => {
      records.push(record);
      offsets.push(at);
    });
    if (offsets[0] !== anchor.at || runBegun(records[0]!) !== anchor.runId || !standsAlone(records)) return undefined; // replaced, or written by another hand since
    const folder = new TranscriptFolder();
    folder.firstHeld = anchor.before;
    if (anchor.compaction !== null) folder.compaction = { ...anchor.compaction };
    if (anchor.toolChoice !== null) folder.toolChoice = [...anchor.toolChoice];
    const fold: HeldFold = { folder, end: read.end, heldAfterRelease: 0, anchors: new FoldAnchors() };
    records.forEach((record, i) => {
      fold.anchors.note(record, offsets[i]!, folder);
      folder.apply(record);
      this.release(fold);
    });
    return fold;
  }

  /** Keeps a fold's oldest anchor in the session's index entry, when it changed and the entry describes the same file. */
  private keepAnchor(session: string, fold: HeldFold): void {
    const entry = this.entries.get(session);
    const anchor = fold.anchors.oldest;
    if (entry === undefined || entry.bytes !== fold.end || entry.tail?.at === anchor?.at) return;
    if (anchor === undefined) delete entry.tail;
    else entry.tail = anchor;
    this.markIndexDirty();
  }

  /** The whole transcript folded afresh from the file, for the reads that reach past what a fold holds (not kept). */
  private foldWhole(session: string): TranscriptFolder {
    const path = this.transcriptPath(session);
    const kept = this.whole;
    if (kept !== undefined && kept.session === session && fileSize(path) === kept.end) {
      kept.timer.refresh();
      return kept.folder;
    }
    this.dropWhole();
    const folder = new TranscriptFolder();
    const tail = forEachRecordFrom(path, 0, (record) => folder.apply(record));
    const timer = setTimeout(() => this.dropWhole(), WHOLE_FOLD_KEEP_MS);
    timer.unref();
    this.whole = { session, folder, end: tail.end, timer };
    return folder;
  }

  private dropWhole(): void {
    if (this.whole === undefined) return;
    clearTimeout(this.whole.timer);
    this.whole = undefined;
  }

  /**
   * Lets a fold go of its oldest messages once it holds twice what it kept last
   * time: it keeps the newest messages up to `retention.messages` and
   * `retention.chars`.
   */
  private release(fold: HeldFold): void {
    const { folder } = fold;
    const { messages } = folder;
    // Twice what the last release kept: the walk below runs now and then, not on every append.
    if (messages.length <= 2 * Math.max(this.retention.messages, fold.heldAfterRelease)) return;
    let kept = 0;
    let chars = 0;
    while (kept < messages.length && (kept < this.retention.messages || chars < this.retention.chars)) {
      chars += contextCharsOf(messages[messages.length - 1 - kept]!);
      kept++;
    }
    if (kept < messages.length) folder.releaseBefore(folder.total - kept);
    fold.heldAfterRelease = folder.messages.length;
    fold.anchors.trim(folder.firstHeld);
  }

  private append(session: string, record: TranscriptRecord): void {
    const { sizeBefore, bytesWritten, exact } = appendRecord(this.transcriptPath(session), record);
    const fold = this.folds.get(session);
    if (fold !== undefined && exact && fold.end === sizeBefore) {
      fold.anchors.note(record, sizeBefore, fold.folder);
      fold.folder.apply(record); // our own record: no need to read it back
      fold.end += bytesWritten;
      this.release(fold);
    }
    if (exact) for (const listener of this.appendListeners) listener(session, record, sizeBefore, bytesWritten - 1);
    const entry = this.entries.get(session);
    if (!entry || entry.bytes !== sizeBefore) {
      this.refresh(session); // someone else wrote since we last looked: rebuild from the file
    } else {
      entry.bytes += bytesWritten;
      this.countAppended(session, entry, record);
    }
    this.markIndexDirty();
    if (fold !== undefined) this.keepAnchor(session, fold);
  }

  /** Keeps an entry exact after our own append, as a rebuild from the whole file would make it. */
  private countAppended(session: string, entry: IndexEntry, record: TranscriptRecord): void {
    let open = this.openReplies.get(session);
    if (!open) {
      open = new Set();
      this.openReplies.set(session, open);
    }
    countRecord(entry, open, record);
  }

  /**
   * Rebuilds one entry from its transcript, by counting its records in file order
   * exactly as appends count them (so a rebuilt entry and a kept-up one agree).
   */
  private refresh(session: string): IndexEntry {
    const { records, bytes } = readTranscript(this.transcriptPath(session));
    const entry: IndexEntry = { updatedAt: 0, messageCount: 0, preview: '', thinking: null, bytes };
    // The file was appended to, not rewritten: an anchor into it still stands (it is checked when used).
    const anchor = this.entries.get(session)?.tail;
    if (anchor !== undefined && anchor.at < bytes) entry.tail = anchor;
    const open = new Set<string>();
    const latest = { text: '' };
    for (const record of records) countRecord(entry, open, record, latest);
    if (latest.text !== '') entry.preview = preview(latest.text);
    this.openReplies.set(session, open);
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

/**
 * Counts one record into an index entry, as `foldTranscript` counts messages: a
 * reply written in pieces is one message from its first piece (`open` holds such
 * runs until their final record, which then adds none). The preview is the last
 * whole message with text; pieces do not change it. `latest`, when given, takes
 * that text instead of `entry.preview`, so a rebuild from a whole file makes one
 * preview, not one per message.
 */
function countRecord(entry: IndexEntry, open: Set<string>, record: TranscriptRecord, latest?: { text: string }): void {
  if (record.type === 'checkpoint') {
    if (record.from !== 0 || open.has(record.runId)) return; // a later piece of a counted reply, or a lost first piece
    open.add(record.runId);
    entry.messageCount++;
    entry.updatedAt = record.ts;
    return;
  }
  if (record.type !== 'message') return; // compaction and delivery records are not messages
  const replacesPieces = record.role === 'assistant' && open.delete(record.runId);
  if (!replacesPieces) entry.messageCount++;
  entry.updatedAt = record.ts;
  if (record.text !== '') {
    if (latest) latest.text = record.text;
    else entry.preview = preview(record.text);
  }
  if (record.thinking) entry.thinking = record.thinking;
}

function toSummary(key: string, entry: IndexEntry, meta: SessionMeta): SessionSummary {
  const summary: SessionSummary = {
    key,
    updatedAt: entry.updatedAt,
    messageCount: entry.messageCount,
    preview: entry.preview,
    thinking: entry.thinking as ThinkingLevel | null,
  };
  if (meta.title !== undefined) summary.title = meta.title;
  if (meta.pinned) summary.pinned = true;
  return summary;
}

/** A message as context: its role and text, and for a reply the tool calls that have a result. */
function contextMessageOf(message: FoldedMessage): ContextMessage {
  const out: ContextMessage = { role: message.role, text: message.text };
  const calls = message.toolCalls?.filter((call) => call.content !== undefined);
  if (calls && calls.length > 0) {
    out.toolCalls = calls.map(({ callId, step, server, tool, arguments: args, content }) => ({ callId, step, server, tool, arguments: args, content: content! }));
  }
  return out;
}

function toHistoryMessage(message: FoldedMessage, index: number, live: boolean): HistoryMessage {
  const out: HistoryMessage = { index, role: message.role, text: message.text, ts: message.ts, runId: message.runId };
  if (message.source) out.source = message.source;
  if (message.provider) out.provider = message.provider;
  if (message.model) out.model = message.model;
  if (message.idempotencyKey !== undefined) out.idempotencyKey = message.idempotencyKey;
  if (message.state !== undefined) out.state = live ? 'streaming' : message.state;
  if (live && message.seq !== undefined) out.seq = message.seq;
  if (message.state === 'aborted') out.aborted = true;
  if (message.error !== undefined) out.error = message.error;
  if (message.failures !== undefined) out.failures = message.failures;
  if (message.toolCalls !== undefined) {
    out.toolCalls = message.toolCalls.map((call) => ({
      callId: call.callId,
      step: call.step,
      server: call.server,
      tool: call.tool,
      arguments: call.arguments,
      ...(call.ok !== undefined ? { ok: call.ok } : {}),
      ...(call.content !== undefined ? { content: call.content } : {}),
      ...(call.denied === true ? { denied: true } : {}),
    }));
  }
  return out;
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

/** The `session.updated` event for a session after a write. */
export function sessionUpdatedPayload(summary: SessionSummary): EventPayloadOf<'session.updated'> {
  const payload: EventPayloadOf<'session.updated'> = { session: summary.key, updatedAt: summary.updatedAt, messageCount: summary.messageCount, preview: summary.preview };
  if (summary.title !== undefined) payload.title = summary.title;
  if (summary.pinned) payload.pinned = true;
  return payload;
}

/**
 * Maps a session key to a file name that is safe and distinct everywhere.
 *
 * Keeps `[a-z0-9_-]` and inner dots, percent-encodes every other UTF-8 byte (upper
 * case too, so `Main` and `main` stay apart on case-insensitive file systems) and
 * Windows device names.
 */
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
