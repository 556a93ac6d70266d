/**
 * What the user says about a session besides its messages: a display title and a
 * pin, kept in `sessions/meta.json`.
 *
 * Not in `index.json`: the index is a cache that is thrown away and rebuilt from
 * the transcripts, and a title cannot be rebuilt from anything. The key stays the
 * session's identity (and its file name); the title is only what lists show.
 * Writes are atomic renames; the file is read again when another process replaced
 * it (its mtime or size changed), so two windows on two gateways never undo each
 * other's rename for long.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as z from 'zod';

/** How often reads look for a file another process wrote. */
const RECHECK_MS = 1000;

/** The longest title kept; lists cut it anyway. */
export const MAX_TITLE_CHARS = 200;

const SessionMetaSchema = z.object({
  title: z.string().min(1).max(MAX_TITLE_CHARS).optional(),
  pinned: z.literal(true).optional(),
});

/** A session's title and pin; absent fields mean "none". */
export type SessionMeta = z.infer<typeof SessionMetaSchema>;

const MetaFileSchema = z.object({
  version: z.literal(1),
  sessions: z.record(z.string(), SessionMetaSchema),
});

/** A change to a session's meta: a title (`null` or empty clears it) and/or a pin. */
export interface SessionMetaPatch {
  title?: string | null | undefined;
  pinned?: boolean | undefined;
}

/** Titles and pins of every session, backed by one small JSON file. */
export class SessionMetaFile {
  private sessions = new Map<string, SessionMeta>();
  /** mtime and size of the file as last read or written, to notice another writer. */
  private stamp = '';
  /** When the file was last checked for another writer: at most once a second, as sends ask on every append. */
  private checkedAt = 0;
  private tmpCounter = 0;

  constructor(private readonly path: string) {
    this.reload();
  }

  /** The session's meta (empty when it has none). */
  get(session: string): SessionMeta {
    this.reloadIfChanged();
    return this.sessions.get(session) ?? {};
  }

  /** Applies a patch and writes the file; returns the session's meta after it. */
  update(session: string, patch: SessionMetaPatch): SessionMeta {
    this.reloadIfChanged(true); // never write over another writer's change
    const next: SessionMeta = { ...this.sessions.get(session) };
    if (patch.title !== undefined) {
      const title = patch.title?.trim() ?? '';
      if (title === '') delete next.title;
      else next.title = title.slice(0, MAX_TITLE_CHARS);
    }
    if (patch.pinned !== undefined) {
      if (patch.pinned) next.pinned = true;
      else delete next.pinned;
    }
    this.put(session, next);
    return next;
  }

  /** Removes the session's meta (it was deleted) and returns what it was. */
  take(session: string): SessionMeta {
    this.reloadIfChanged(true);
    const meta = this.sessions.get(session) ?? {};
    if (this.sessions.has(session)) this.put(session, {});
    return meta;
  }

  private put(session: string, meta: SessionMeta): void {
    if (meta.title === undefined && meta.pinned === undefined) this.sessions.delete(session);
    else this.sessions.set(session, meta);
    const tmp = `${this.path}.${process.pid}.${this.tmpCounter++}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, sessions: Object.fromEntries(this.sessions) }));
    renameSync(tmp, this.path); // atomic: readers see the old or the new file
    this.stamp = stampOf(this.path);
  }

  private reloadIfChanged(force = false): void {
    const now = Date.now();
    if (!force && now - this.checkedAt < RECHECK_MS) return; // looked a moment ago
    this.checkedAt = now;
    if (stampOf(this.path) !== this.stamp) this.reload();
  }

  private reload(): void {
    this.stamp = stampOf(this.path);
    this.sessions = new Map();
    let raw: string;
    try {
      raw = readFileSync(this.path, 'utf8');
    } catch {
      return; // no titles or pins yet
    }
    try {
      const parsed = MetaFileSchema.safeParse(JSON.parse(raw));
      if (parsed.success) this.sessions = new Map(Object.entries(parsed.data.sessions));
    } catch {
      // Damaged JSON: titles are lost, but the sessions themselves are untouched.
    }
  }
}

function stampOf(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return 'none';
  }
}
