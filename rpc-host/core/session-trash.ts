/**
 * Deleted sessions: their transcripts moved to `<data dir>/trash/`, so a delete can
 * be undone (the window offers Undo for a few seconds) and nothing is ever lost by a
 * misclick. Files stay in the trash until the user removes them.
 *
 * Each deleted session is two files named by its trash id (`<ms>-<encoded key>`):
 * the transcript (`.jsonl`, moved as is) and a note (`.json`) with the key, when it
 * was deleted and its title and pin, so a restore puts back what lists showed.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ProtocolError } from '../protocol/errors.js';
import { SessionKeySchema } from '../protocol/requests.js';
import type { SessionSummary } from '../protocol/schemas.js';
import { encodeSessionKey, type SessionStore } from './session-store.js';

const TrashNoteSchema = z.object({
  session: SessionKeySchema,
  deletedAt: z.number(),
  title: z.string().optional(),
  pinned: z.literal(true).optional(),
});
type TrashNote = z.infer<typeof TrashNoteSchema>;

/** What a delete did: the trash id that undoes it, and where the transcript went. */
export interface Deleted {
  trashId: string;
  trashPath: string;
}

/** Moves transcripts to the trash and back. */
export class SessionTrash {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly store: SessionStore,
    /** Called after a transcript moved, so caches of it (idempotency keys) read the file again. */
    private readonly onDidMove: (session: string) => void,
  ) {
    this.dir = join(dataDir, 'trash');
  }

  /** Moves a session's transcript to the trash; throws `not_found` when it has none. */
  delete(session: string, now: number = Date.now()): Deleted {
    const from = this.store.transcriptPath(session);
    if (!existsSync(from)) throw new ProtocolError('not_found', `no session "${session}"; list the sessions with {"type":"sessions"}`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const trashId = this.freeId(`${now}-${encodeSessionKey(session)}`);
    const meta = this.store.meta.get(session);
    const note: TrashNote = { session, deletedAt: now, ...(meta.title !== undefined ? { title: meta.title } : {}), ...(meta.pinned ? { pinned: true } : {}) };
    writeFileSync(this.notePath(trashId), JSON.stringify(note));
    const trashPath = this.transcriptPath(trashId);
    renameSync(from, trashPath);
    this.store.meta.take(session);
    this.moved(session);
    return { trashId, trashPath };
  }

  /**
   * Puts a deleted session back, with its title and pin. Refused when the key has a
   * transcript again (something was written to it since): restoring would hide it.
   */
  restore(trashId: string): SessionSummary {
    const note = this.readNote(trashId);
    const to = this.store.transcriptPath(note.session);
    try {
      linkSync(this.transcriptPath(trashId), to); // fails rather than overwrite a transcript written meanwhile
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw new ProtocolError('invalid_request', `cannot restore session "${note.session}": it has new messages since it was deleted; its old transcript stays in ${this.transcriptPath(trashId)}`);
      }
      if (code === 'ENOENT') throw new ProtocolError('not_found', `the trash has no transcript for ${trashId} any more (${this.transcriptPath(trashId)}); it was restored or removed`);
      throw error;
    }
    unlinkSync(this.transcriptPath(trashId));
    unlinkSync(this.notePath(trashId));
    this.moved(note.session);
    return this.store.updateMeta(note.session, { title: note.title ?? null, pinned: note.pinned === true });
  }

  private readNote(trashId: string): TrashNote {
    let raw: string;
    try {
      raw = readFileSync(this.notePath(trashId), 'utf8');
    } catch {
      throw new ProtocolError('not_found', `nothing in the trash is named ${JSON.stringify(trashId)}; it was restored already, or never deleted (ids come from "delete-session")`);
    }
    const parsed = TrashNoteSchema.safeParse(safeJson(raw));
    if (!parsed.success) throw new ProtocolError('not_found', `the trash note ${this.notePath(trashId)} is damaged; the transcript is still at ${this.transcriptPath(trashId)}`);
    return parsed.data;
  }

  private moved(session: string): void {
    this.store.forget(session);
    this.onDidMove(session);
  }

  private freeId(base: string): string {
    let id = base;
    for (let n = 2; existsSync(this.notePath(id)) || existsSync(this.transcriptPath(id)); n++) id = `${base}-${n}`;
    return id;
  }

  private notePath(trashId: string): string {
    return join(this.dir, `${trashId}.json`);
  }

  private transcriptPath(trashId: string): string {
    return join(this.dir, `${trashId}.jsonl`);
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
