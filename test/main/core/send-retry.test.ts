/**
 * The pieces of resending, without a process: `waitForSendPath` over a fake watch
 * with fake timers (every way a wait ends, and that it lets go of the watch, the
 * timer and the signal), and the words of a `gateway_exited` send error for each
 * `reached` and for a send that was retried.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../main/core/emitter.js';
import { CompanionError } from '../../../main/core/errors.js';
import { describeReach, sendExitedError, waitForSendPath, type SendPath, type SendPathOutcome, type SendPathWatch } from '../../../main/core/send-retry.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A watch whose path the test sets; `set` announces the change like a state transition. */
function fakeWatch(initial: SendPath) {
  let path = initial;
  const changes = new Emitter<void>();
  const watch: SendPathWatch = { current: () => path, onDidChange: (listener) => changes.event(listener) };
  return {
    watch,
    set(next: SendPath): void {
      path = next;
      changes.fire();
    },
    /** Fires a change without changing the path (another state that still means "wait"). */
    nudge(): void {
      changes.fire();
    },
    get listeners(): number {
      return changes.size;
    },
  };
}

/** The outcome of `promise` if it settled by now, else 'pending'. */
async function settled(promise: Promise<SendPathOutcome>): Promise<SendPathOutcome | 'pending'> {
  let outcome: SendPathOutcome | 'pending' = 'pending';
  void promise.then((value) => {
    outcome = value;
  });
  await vi.advanceTimersByTimeAsync(0);
  return outcome;
}

describe('waitForSendPath', () => {
  it('resolves at once when a path is ready, even past the deadline', async () => {
    const fake = fakeWatch({ kind: 'ready' });
    expect(await waitForSendPath(fake.watch, Date.now() - 1)).toEqual({ ok: true });
    expect(fake.listeners).toBe(0);
  });

  it('resolves at once with the reason when there is none (the gateway failed or stopped)', async () => {
    const { watch } = fakeWatch({ kind: 'none', reason: 'the gateway is not running (stopped)' });
    expect(await waitForSendPath(watch, Date.now() + 1000)).toEqual({ ok: false, why: 'unavailable', reason: 'the gateway is not running (stopped)' });
  });

  it('waits through changes that still mean "wait", and resolves on the one that makes a path ready', async () => {
    vi.useFakeTimers();
    const fake = fakeWatch({ kind: 'wait' });
    const waiting = waitForSendPath(fake.watch, Date.now() + 10_000);
    expect(await settled(waiting)).toBe('pending');
    expect(fake.listeners).toBe(1);

    fake.nudge(); // restarting -> starting
    expect(await settled(waiting)).toBe('pending');
    fake.set({ kind: 'ready' }); // starting -> running
    expect(await settled(waiting)).toEqual({ ok: true });
    expect(fake.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0); // the deadline timer is gone too
  });

  it('gives up when the path goes away while it waits (the supervisor failed)', async () => {
    vi.useFakeTimers();
    const fake = fakeWatch({ kind: 'wait' });
    const waiting = waitForSendPath(fake.watch, Date.now() + 10_000);
    fake.set({ kind: 'none', reason: 'the gateway is not running (it failed: crash loop); use Restart Gateway' });
    expect(await settled(waiting)).toEqual({ ok: false, why: 'unavailable', reason: 'the gateway is not running (it failed: crash loop); use Restart Gateway' });
    expect(fake.listeners).toBe(0);
  });

  it('gives up at the deadline, not before, and stops listening', async () => {
    vi.useFakeTimers();
    const fake = fakeWatch({ kind: 'wait' });
    const waiting = waitForSendPath(fake.watch, Date.now() + 5000);
    await vi.advanceTimersByTimeAsync(4999);
    expect(await settled(waiting)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(waiting)).toEqual({ ok: false, why: 'deadline' });
    expect(fake.listeners).toBe(0);

    fake.set({ kind: 'ready' }); // too late: the outcome stands
    expect(await waiting).toEqual({ ok: false, why: 'deadline' });
  });

  it('gives up at once when the deadline has passed and there is no path yet', async () => {
    const fake = fakeWatch({ kind: 'wait' });
    expect(await waitForSendPath(fake.watch, Date.now() - 1)).toEqual({ ok: false, why: 'deadline' });
    expect(fake.listeners).toBe(0);
  });

  it('gives up when the signal aborts, or at once when it already has', async () => {
    vi.useFakeTimers();
    const fake = fakeWatch({ kind: 'wait' });
    const controller = new AbortController();
    const waiting = waitForSendPath(fake.watch, Date.now() + 10_000, controller.signal);
    expect(await settled(waiting)).toBe('pending');
    controller.abort();
    expect(await settled(waiting)).toEqual({ ok: false, why: 'aborted' });
    expect(fake.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    expect(await waitForSendPath(fakeWatch({ kind: 'ready' }).watch, Date.now() + 1000, controller.signal)).toEqual({ ok: false, why: 'aborted' });
  });
});

describe('the words of a send the gateway died under', () => {
  const exitedWith = (reached?: 'no' | 'maybe' | 'yes') =>
    new CompanionError('gateway_exited', 'gateway pid 42 exited (signal SIGKILL) before answering', {
      exit: { code: null, signal: 'SIGKILL' },
      stderrTail: ['boom'],
      ...(reached ? { reached } : {}),
    });

  it('says how far it got, in plain words, for each of the three cases', () => {
    expect(describeReach('no')).toContain('never reached the gateway');
    expect(describeReach('maybe')).toContain('may or may not be in the transcript');
    expect(describeReach('yes')).toContain('had received the message');
    expect(new Set([describeReach('no'), describeReach('maybe'), describeReach('yes'), describeReach(undefined)]).size).toBe(4);
  });

  it('not retried: the exit, how far it got, and that the same key (or retry: true) will not run it twice', () => {
    const error = sendExitedError(exitedWith('maybe'), 'key-1');
    expect(error.code).toBe('gateway_exited');
    expect(error.message).toBe(
      'gateway pid 42 exited (signal SIGKILL) before answering\n' +
        `${describeReach('maybe')} It was not sent again; sending it again with the same idempotency key ("key-1"), or with retry: true, will not run it twice.`,
    );
    expect(error.details).toEqual({ exit: { code: null, signal: 'SIGKILL' }, stderrTail: ['boom'], reached: 'maybe', idempotencyKey: 'key-1' });
  });

  it('retried: how often, with which key, and why it gave up', () => {
    const error = sendExitedError(exitedWith('yes'), 'key-2', { attempts: 3, gaveUp: 'the gateway is not running (stopped)' });
    expect(error.message).toContain(describeReach('yes'));
    expect(error.message).toContain('It was sent 3 times with the idempotency key "key-2"');
    expect(error.message).toContain('gave up resending because the gateway is not running (stopped)');
    expect(error.message).not.toContain('not sent again');
    expect(error.details).toMatchObject({ reached: 'yes', idempotencyKey: 'key-2' });
  });
});
