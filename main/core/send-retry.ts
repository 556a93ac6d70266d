/**
 * What `Companion.send` needs to resend safely: waiting for a path to send on, and
 * the words that say how far a send got when the gateway died under it.
 *
 * Every send carries an idempotency key, and the gateway never runs a key twice: a
 * resend attaches to the run still going, replays a finished one, or runs an
 * interrupted turn once on the user message it already stored. So resending is
 * safe; what is left is when. `waitForSendPath` waits, on state changes and never
 * by polling, until the gateway runs again (or the CLI fallback may take the send),
 * and gives up when the supervisor fails or stops, the deadline passes or the
 * caller cancels.
 */
import type { Unsubscribe } from './emitter.js';
import { CompanionError, type GatewayReach } from './errors.js';

/** How long `send(…, { retry: true })` keeps trying by default, in total. */
export const DEFAULT_RETRY_TIMEOUT_MS = 120_000;

/** How many times `send(…, { retry: true })` sends at most by default, the first included. */
export const DEFAULT_MAX_SEND_ATTEMPTS = 10;

/** Whether a send can go out now: yes, not yet, or not at all (and why). */
export type SendPath = { kind: 'ready' } | { kind: 'wait' } | { kind: 'none'; reason: string };

/** What the wait watches: the path now, and a signal that it may have changed. */
export interface SendPathWatch {
  current(): SendPath;
  onDidChange(listener: () => void): Unsubscribe;
}

/**
 * How a wait ended: a path is ready; or there is none (`unavailable`, with the
 * watch's reason), the deadline passed, or the caller aborted.
 */
export type SendPathOutcome =
  | { ok: true }
  | { ok: false; why: 'unavailable'; reason: string }
  | { ok: false; why: 'deadline' }
  | { ok: false; why: 'aborted' };

/**
 * Waits for a path to send on.
 *
 * Resolves `{ ok: true }` once `watch` says `ready` (at once if it does now), and
 * `ok: false` when it says `none`, when `deadline` (epoch ms) passes or when
 * `signal` aborts, whichever comes first. Never rejects.
 */
export function waitForSendPath(watch: SendPathWatch, deadline: number, signal?: AbortSignal): Promise<SendPathOutcome> {
  return new Promise((resolve) => {
    let off: Unsubscribe = () => {};
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: SendPathOutcome): void => {
      settled = true;
      off();
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const check = (): boolean => {
      if (settled) return true; // a change fired after the end (an emitter runs the listeners it had)
      const path = watch.current();
      if (path.kind === 'wait') return false;
      finish(path.kind === 'ready' ? { ok: true } : { ok: false, why: 'unavailable', reason: path.reason });
      return true;
    };
    const onAbort = (): void => finish({ ok: false, why: 'aborted' });

    if (signal?.aborted) return onAbort();
    if (check()) return; // a path is there (or never will be) already
    const left = deadline - Date.now();
    if (left <= 0) return finish({ ok: false, why: 'deadline' });
    off = watch.onDidChange(() => void check());
    timer = setTimeout(() => finish({ ok: false, why: 'deadline' }), left);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A sentence on how far a send got before the gateway died. */
export function describeReach(reached: GatewayReach | undefined): string {
  switch (reached) {
    case 'no':
      return 'The message never reached the gateway (it was still waiting to be written to it).';
    case 'maybe':
      return 'The message was written to the gateway, which died before showing any sign of it: it may or may not be in the transcript.';
    case 'yes':
      return 'The gateway had received the message and started on it; whatever reached the transcript is kept.';
    case undefined:
      return 'The gateway may or may not have received the message.';
  }
}

/**
 * The `gateway_exited` error of a send, in words a user can act on: the exit (and
 * the child's stderr), how far the send got, and that sending again with the same
 * key cannot run it twice. With `gaveUp`, the send was retried `attempts` times and
 * the message says why it stopped.
 */
export function sendExitedError(
  exited: CompanionError,
  idempotencyKey: string,
  retried?: { attempts: number; gaveUp: string },
): CompanionError {
  const reach = describeReach(exited.details.reached);
  const key = JSON.stringify(idempotencyKey);
  const advice = retried
    ? `It was sent ${retried.attempts} time${retried.attempts === 1 ? '' : 's'} with the idempotency key ${key}, which the gateway runs at most once; gave up resending because ${retried.gaveUp}. Sending it again with that key will not run it twice.`
    : `It was not sent again; sending it again with the same idempotency key (${key}), or with retry: true, will not run it twice.`;
  return new CompanionError('gateway_exited', `${exited.message}\n${reach} ${advice}`, { ...exited.details, idempotencyKey });
}
