/**
 * Per-session run queues: one run at a time in a session, sessions side by side.
 *
 * A run waits in its session's FIFO until the run before it settles. Runs can be
 * aborted while waiting (they never start) or while running (their controller is
 * aborted and the provider stops). The queue knows nothing of providers or the
 * wire; it only orders work and reports on it.
 */
import { ProtocolError } from '../protocol/errors.js';
import type { MessageSource } from '../protocol/schemas.js';

/** One unit of work in a session. */
export interface Run {
  readonly runId: string;
  readonly session: string;
  readonly source: MessageSource;
  readonly controller: AbortController;
  startedAt: number | undefined;
}

/**
 * A new run of `session`, with a fresh id (`r-<time>-<random>`). A run id must be
 * unique, not secret (whoever can reach the gateway can list its runs), so 32
 * random bits beside the millisecond do, and `Math.random` gives them without
 * loading `node:crypto`, which would cost every one-shot about 4 ms.
 */
export function createRun(session: string, source: MessageSource): Run {
  return {
    runId: `r-${Date.now().toString(36)}-${randomHex8()}`,
    session,
    source,
    controller: new AbortController(),
    startedAt: undefined,
  };
}

interface Entry<T> {
  run: Run;
  work: (run: Run) => Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

interface Lane {
  running: Entry<unknown> | undefined;
  waiting: Entry<unknown>[];
}

/** Runs work per session in arrival order. */
export class RunQueue {
  private readonly lanes = new Map<string, Lane>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly maxWaitingPerSession: number) {}

  /** Queues `work` for `run.session`; settles with its result. Throws `busy` when the lane is full. */
  enqueue<T>(run: Run, work: (run: Run) => Promise<T>): Promise<T> {
    const lane = this.lane(run.session);
    if (lane.waiting.length >= this.maxWaitingPerSession) {
      throw new ProtocolError(
        'busy',
        `session "${run.session}" already has ${lane.waiting.length} ${lane.waiting.length === 1 ? 'send' : 'sends'} waiting (the limit is maxQueuedPerSession); wait for replies or abort some`,
      );
    }
    return new Promise<T>((resolve, reject) => {
      lane.waiting.push({ run, work, resolve, reject } as Entry<unknown>);
      this.pump(run.session, lane);
    });
  }

  /** True when the run with this id is going or waiting. */
  has(runId: string): boolean {
    for (const lane of this.lanes.values()) {
      if (lane.running?.run.runId === runId || lane.waiting.some((entry) => entry.run.runId === runId)) return true;
    }
    return false;
  }

  /** True when the session has a run going or waiting. */
  isBusy(session: string): boolean {
    const lane = this.lanes.get(session);
    return lane !== undefined && (lane.running !== undefined || lane.waiting.length > 0);
  }

  /** Aborts the run with this id, running or waiting. Returns the ids aborted. */
  abortRun(runId: string, reason: string): string[] {
    for (const [session, lane] of this.lanes) {
      if (lane.running?.run.runId === runId) return this.abortRunning(lane, reason);
      const index = lane.waiting.findIndex((entry) => entry.run.runId === runId);
      if (index !== -1) {
        const [entry] = lane.waiting.splice(index, 1);
        this.cancelWaiting(entry!, reason);
        this.cleanup(session, lane);
        return [runId];
      }
    }
    return [];
  }

  /** Aborts the running run and every waiting one of a session. */
  abortSession(session: string, reason: string): string[] {
    const lane = this.lanes.get(session);
    if (!lane) return []; // nothing there
    const waiting = lane.waiting.splice(0);
    for (const entry of waiting) this.cancelWaiting(entry, reason);
    const aborted = [...this.abortRunning(lane, reason), ...waiting.map((entry) => entry.run.runId)];
    this.cleanup(session, lane);
    return aborted;
  }

  /** Aborts everything (used at shutdown). */
  abortAll(reason: string): string[] {
    return [...this.lanes.keys()].flatMap((session) => this.abortSession(session, reason));
  }

  /** Runs going and waiting, over all sessions. */
  totals(): { depth: number; running: number } {
    let depth = 0;
    let running = 0;
    for (const lane of this.lanes.values()) {
      depth += lane.waiting.length;
      if (lane.running) running++;
    }
    return { depth, running };
  }

  /** Per-session detail for `status --verbose`. */
  details(): Array<{ session: string; queued: number; running: { runId: string; startedAt: number; source: string } | null }> {
    return [...this.lanes].map(([session, lane]) => ({
      session,
      queued: lane.waiting.length,
      running: lane.running
        ? { runId: lane.running.run.runId, startedAt: lane.running.run.startedAt ?? 0, source: lane.running.run.source }
        : null,
    }));
  }

  /** True when no session has work. */
  get idle(): boolean {
    return this.lanes.size === 0;
  }

  /** Resolves once no session has work (at once if none has). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private lane(session: string): Lane {
    let lane = this.lanes.get(session);
    if (!lane) {
      lane = { running: undefined, waiting: [] };
      this.lanes.set(session, lane);
    }
    return lane;
  }

  private pump(session: string, lane: Lane): void {
    if (lane.running) return; // the current run pumps again when it settles
    const entry = lane.waiting.shift();
    if (!entry) {
      this.cleanup(session, lane);
      return;
    }
    lane.running = entry;
    entry.run.startedAt = Date.now();
    let settled: Promise<unknown>;
    try {
      settled = entry.work(entry.run);
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled.then(entry.resolve, entry.reject).finally(() => {
      lane.running = undefined;
      this.pump(session, lane);
    });
  }

  private abortRunning(lane: Lane, reason: string): string[] {
    if (!lane.running) return [];
    lane.running.run.controller.abort(reason);
    return [lane.running.run.runId];
  }

  private cancelWaiting(entry: Entry<unknown>, reason: string): void {
    entry.run.controller.abort(reason);
    entry.reject(new ProtocolError('aborted', `run ${entry.run.runId} in session "${entry.run.session}" was aborted before it started: ${reason}`));
  }

  private cleanup(session: string, lane: Lane): void {
    if (lane.running || lane.waiting.length > 0) return; // still busy
    this.lanes.delete(session);
    if (this.lanes.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}

/** Eight random hex digits. */
function randomHex8(): string {
  return Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}
