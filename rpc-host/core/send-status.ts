/**
 * `wait`: where a send stands, by its idempotency key or run id, waiting up to
 * `timeoutMs` for it to end.
 *
 * Sends on their way are asked about in the live registry; finished ones are read
 * from the transcripts through the run index, so the answer is the same after a
 * gateway restart, and for sends another process (a one-shot CLI) ran.
 */
import { DEFAULT_SESSION } from '../protocol/requests.js';
import type { RequestOf, WaitPayload } from '../protocol/schemas.js';
import type { LiveSend, LiveSends, SettledSend } from './live-sends.js';
import type { IndexedRun, KeyedSend, StoredOutcome } from './run-index.js';
import { isOtherLiveProcess } from './owner-process.js';
import type { SessionLog } from './session-log.js';

type WaitRequest = Omit<RequestOf<'wait'>, 'type' | 'id'>;

/** What `wait` needs. */
export interface SendStatusDeps {
  live: LiveSends;
  log: SessionLog;
  /** Every session on disk, for a run id asked about without a session. */
  sessions(): string[];
}

const INTERRUPTED_HINT = 'the gateway stopped while this send was running; send it again with the same idempotencyKey to run it now on its stored message (it will not be written twice)';
const INTERRUPTED_UNKEYED_HINT =
  'the gateway stopped while this send was running; it had no idempotencyKey, so sending it again stores the message a second time (give sends a key to make them safe to repeat)';

function elsewhereHint(pid: number | undefined): string {
  return `running in another tether process (pid ${pid}) on this data dir; wait again for its outcome`;
}

/** Answers `wait`. */
export class SendStatus {
  constructor(private readonly deps: SendStatusDeps) {}

  /** Where the send stands; waits up to `timeoutMs` for a terminal state. */
  async wait(request: WaitRequest): Promise<WaitPayload> {
    const first = this.find(request);
    const timeoutMs = request.timeoutMs ?? 0;
    if (first.live === undefined || timeoutMs === 0) return first.payload;
    await settledWithin(first.live.done, timeoutMs);
    return this.find(request).payload;
  }

  private find(request: WaitRequest): { payload: WaitPayload; live?: LiveSend } {
    if (request.idempotencyKey !== undefined) return this.findKey(request.session ?? DEFAULT_SESSION, request.idempotencyKey);
    const runId = request.runId!;
    const live = this.deps.live.byRunId(runId);
    if (live) {
      if (live.key !== undefined) return this.findKey(live.run.session, live.key);
      return { payload: liveState(live), live };
    }
    for (const session of request.session !== undefined ? [request.session] : this.deps.sessions()) {
      const run = this.deps.log.runs.run(session, runId);
      if (!run) continue;
      if (run.key !== undefined) return this.findKey(session, run.key);
      return { payload: this.fromRun(session, run) };
    }
    const settled = this.deps.live.settledRun(runId);
    if (settled) return { payload: fromSettled(settled) };
    return { payload: { state: 'unknown', ...(request.session !== undefined ? { session: request.session } : {}), runId, hint: unknownHint(request.session) } };
  }

  private findKey(session: string, key: string): { payload: WaitPayload; live?: LiveSend } {
    const live = this.deps.live.byIdempotencyKey(session, key);
    if (live) return { payload: liveState(live), live };
    const stored = this.deps.log.lookupKey(session, key);
    if (stored) return { payload: this.fromKeyed(stored) };
    const settled = this.deps.live.settledKey(session, key);
    if (settled) return { payload: fromSettled(settled) };
    return { payload: { state: 'unknown', session, idempotencyKey: key, hint: unknownHint(session) } };
  }

  private fromKeyed(send: KeyedSend): WaitPayload {
    const base = { session: send.session, idempotencyKey: send.key, runId: send.runIds.at(-1)! };
    if (send.outcome === undefined) {
      if (isOtherLiveProcess(send.ownerPid)) return { ...base, state: 'running', hint: elsewhereHint(send.ownerPid) };
      return { ...base, state: 'interrupted', partialText: this.deps.log.store.replyText(send.session, base.runId) ?? '', hint: INTERRUPTED_HINT };
    }
    return { ...base, ...this.fromOutcome(send.session, send.outcome) };
  }

  private fromRun(session: string, run: IndexedRun): WaitPayload {
    const base = { session, runId: run.runId };
    if (run.outcome === undefined) {
      if (isOtherLiveProcess(run.pid)) return { ...base, state: 'running', hint: elsewhereHint(run.pid) };
      return { ...base, state: 'interrupted', partialText: this.deps.log.store.replyText(session, run.runId) ?? '', hint: INTERRUPTED_UNKEYED_HINT };
    }
    return { ...base, ...this.fromOutcome(session, run.outcome) };
  }

  private fromOutcome(session: string, outcome: StoredOutcome): Pick<WaitPayload, 'state' | 'result' | 'error'> {
    if (outcome.state === 'failed') return { state: 'failed', error: { code: 'provider_error', message: this.deps.log.storedError(session, outcome) } };
    const result = this.deps.log.storedAnswer(session, outcome);
    return { state: outcome.state === 'aborted' ? 'aborted' : 'done', ...(result ? { result } : {}) };
  }
}

function liveState(live: LiveSend): WaitPayload {
  return {
    state: live.run.startedAt === undefined ? 'queued' : 'running',
    session: live.run.session,
    runId: live.run.runId,
    ...(live.key !== undefined ? { idempotencyKey: live.key } : {}),
  };
}

/** A send that ended without leaving its end in the transcript: aborted (or refused) before it started. */
function fromSettled(settled: SettledSend): WaitPayload {
  const base = { session: settled.session, runId: settled.runId, ...(settled.key !== undefined ? { idempotencyKey: settled.key } : {}) };
  return { ...base, state: settled.code === 'aborted' ? 'aborted' : 'failed', error: { code: settled.code, message: settled.message } };
}

function unknownHint(session: string | undefined): string {
  const where = session === undefined ? 'any session' : `session "${session}"`;
  return `no send with this identity is known in ${where}: it never reached the gateway, or it is older than the last 10,000 sends and 24 hours; send it again`;
}

function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
