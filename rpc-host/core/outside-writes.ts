/**
 * Notices transcripts changed by processes that do not go through this gateway
 * (an older CLI, `tether agent --no-attach`, a sync tool), so clients hear of them
 * as `session.updated` without reopening the session.
 *
 * Watches the sessions folder (`fs.watch`) and, per changed transcript, asks the
 * store whether its size differs from what this process wrote itself: the
 * gateway's own appends are announced where they are made and are not announced
 * twice. Changes to one transcript are coalesced for a few milliseconds. Where
 * `fs.watch` is not available or fails, the folder is polled instead.
 */
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import type { SessionSummary } from '../protocol/schemas.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { decodeSessionKey, type SessionStore } from './session-store.js';

const TRANSCRIPT_SUFFIX = '.jsonl';

/** How the watcher is tuned. */
export interface OutsideWriteOptions {
  /** How long changes to one transcript are gathered before looking (default 30 ms). */
  coalesceMs?: number;
  /** The poll interval when the folder cannot be watched (default 500 ms). */
  pollMs?: number;
  /** Poll even though watching works (tests of the fallback). */
  forcePoll?: boolean;
  log?: Logger;
}

/** Watches the sessions folder for writes from outside; `dispose` stops it. */
export class OutsideWriteWatcher {
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly coalesceMs: number;
  private readonly log: Logger;
  private disposed = false;

  constructor(
    private readonly store: SessionStore,
    private readonly onDidChangeOutside: (summary: SessionSummary) => void,
    private readonly options: OutsideWriteOptions = {},
  ) {
    this.coalesceMs = options.coalesceMs ?? 30;
    this.log = options.log ?? silentLogger;
    if (options.forcePoll === true) this.startPolling('asked to poll');
    else this.startWatching();
  }

  /** Stops watching and polling. */
  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.store.dir, { persistent: false }, (_type, name) => {
        if (name === null) this.scan(); // the OS did not say which file: look at all of them
        else this.changed(name.toString());
      });
      this.watcher.on('error', (error) => this.startPolling(`watching failed: ${error.message}`));
    } catch (error) {
      this.startPolling(`cannot watch: ${(error as Error).message}`);
    }
  }

  private startPolling(reason: string): void {
    if (this.disposed || this.pollTimer) return; // stopped, or polling already
    this.watcher?.close();
    this.watcher = undefined;
    this.log.info(`sessions folder ${this.store.dir}: polling every ${this.options.pollMs ?? 500} ms for writes from outside (${reason})`);
    this.pollTimer = setInterval(() => this.scan(), this.options.pollMs ?? 500);
    this.pollTimer.unref();
  }

  private scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.store.dir);
    } catch {
      return; // the folder is gone for now; the next look may find it
    }
    for (const name of names) this.look(name);
  }

  private changed(name: string): void {
    if (!name.endsWith(TRANSCRIPT_SUFFIX) || this.pending.has(name)) return; // not a transcript, or a look is due already
    const timer = setTimeout(() => {
      this.pending.delete(name);
      this.look(name);
    }, this.coalesceMs);
    timer.unref();
    this.pending.set(name, timer);
  }

  private look(name: string): void {
    if (this.disposed || !name.endsWith(TRANSCRIPT_SUFFIX)) return; // stopped, or not a transcript
    const session = decodeSessionKey(name.slice(0, -TRANSCRIPT_SUFFIX.length));
    if (session === undefined) return; // not one of ours
    const summary = this.store.noticeOutsideChange(session);
    if (summary) this.onDidChangeOutside(summary);
  }
}
