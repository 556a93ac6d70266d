/**
 * The restart policy (`RestartPolicy`): delays that start near 100 ms and double up
 * to the 30 s cap, the jitter bounds, the reset after a stable run, the breaker that
 * trips at the 5th crash inside 3 minutes (and not for crashes spread wider),
 * `reset()`, and the RangeError for options that make no sense.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, RestartPolicy, type CrashVerdict } from '../../../main/core/restart-policy.js';

/** `random() * 2 - 1` is 0 for 0.5: no jitter at all. */
const noJitter = () => 0.5;

const T0 = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** The delay of a verdict that must be a restart. */
function delayOf(verdict: CrashVerdict): number {
  if (verdict.action !== 'restart') throw new Error(`expected a restart, got ${JSON.stringify(verdict)}`);
  return verdict.delayMs;
}

describe('RestartPolicy delays', () => {
  it('starts at 100 ms and doubles with each attempt', () => {
    const policy = new RestartPolicy({ random: noJitter });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => policy.delayFor(attempt))).toEqual([100, 200, 400, 800, 1600, 3200]);
  });

  it('numbers the attempts of consecutive crashes and doubles the delay each time', () => {
    // Crashes a minute apart never fill the window, so the breaker stays out of it.
    const policy = new RestartPolicy({ random: noJitter });
    const verdicts = [0, 1, 2, 3].map((n) => policy.recordCrash(T0 + n * MINUTE, 1 * SECOND));
    expect(verdicts.map((verdict) => (verdict.action === 'restart' ? [verdict.attempt, verdict.delayMs] : verdict.action))).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
    ]);
  });

  it('caps the delay at 30 s, however many attempts', () => {
    const policy = new RestartPolicy({ random: noJitter });
    expect(policy.delayFor(9)).toBe(25_600);
    expect(policy.delayFor(10)).toBe(30_000);
    expect(policy.delayFor(50)).toBe(30_000);
    expect(policy.delayFor(5000)).toBe(30_000); // 2 ** 4999 is Infinity: still the cap
  });

  it('keeps the jitter within ±10 % of the base delay', () => {
    const low = new RestartPolicy({ random: () => 0 });
    const high = new RestartPolicy({ random: () => 0.999 });
    expect(low.delayFor(1)).toBe(90);
    expect(high.delayFor(1)).toBeGreaterThan(100);
    expect(high.delayFor(1)).toBeLessThanOrEqual(110);
    expect(low.delayFor(4)).toBe(720);
    expect(high.delayFor(4)).toBeGreaterThan(800);
    expect(high.delayFor(4)).toBeLessThanOrEqual(880);
  });

  it('never goes above the cap even with upward jitter, and may go below it with downward jitter', () => {
    expect(new RestartPolicy({ random: () => 0.999 }).delayFor(20)).toBe(30_000);
    expect(new RestartPolicy({ random: () => 0 }).delayFor(20)).toBe(27_000);
  });

  it('uses the jitter of the default policy when none is injected', () => {
    const policy = new RestartPolicy();
    for (let n = 0; n < 50; n++) {
      const delay = policy.delayFor(1);
      expect(delay).toBeGreaterThanOrEqual(90);
      expect(delay).toBeLessThanOrEqual(110);
    }
  });

  it('starts the doubling over after a run that stayed up 60 s', () => {
    const policy = new RestartPolicy({ random: noJitter });
    expect(delayOf(policy.recordCrash(T0, 1 * SECOND))).toBe(100);
    expect(delayOf(policy.recordCrash(T0 + 1 * SECOND, 1 * SECOND))).toBe(200);
    expect(delayOf(policy.recordCrash(T0 + 2 * SECOND, 1 * SECOND))).toBe(400);
    const afterStableRun = policy.recordCrash(T0 + 70 * SECOND, 60 * SECOND);
    expect(afterStableRun).toMatchObject({ action: 'restart', attempt: 1, delayMs: 100 });
  });

  it('does not start over after a run just short of 60 s', () => {
    const policy = new RestartPolicy({ random: noJitter });
    policy.recordCrash(T0, 1 * SECOND);
    expect(policy.recordCrash(T0 + 70 * SECOND, 60 * SECOND - 1)).toMatchObject({ action: 'restart', attempt: 2, delayMs: 200 });
  });
});

describe('RestartPolicy breaker', () => {
  it('gives up at the 5th crash inside 3 minutes', () => {
    const policy = new RestartPolicy({ random: noJitter });
    const verdicts = [0, 1, 2, 3].map((n) => policy.recordCrash(T0 + n * 10 * SECOND, 1 * SECOND));
    expect(verdicts.map((verdict) => verdict.action)).toEqual(['restart', 'restart', 'restart', 'restart']);
    expect(verdicts.map((verdict) => verdict.recentCrashes)).toEqual([1, 2, 3, 4]);
    expect(policy.recordCrash(T0 + 40 * SECOND, 1 * SECOND)).toEqual({ action: 'give-up', recentCrashes: 5, windowMs: 3 * MINUTE });
  });

  it('gives up even when the runs in between were stable', () => {
    // Stability resets the delay, not the crash count: 5 crashes in the window still trip it.
    const policy = new RestartPolicy({ random: noJitter });
    for (let n = 0; n < 4; n++) expect(policy.recordCrash(T0 + n * 30 * SECOND, 60 * SECOND).action).toBe('restart');
    expect(policy.recordCrash(T0 + 120 * SECOND, 60 * SECOND).action).toBe('give-up');
  });

  it('does not trip for 5 crashes spread over more than 3 minutes', () => {
    const policy = new RestartPolicy({ random: noJitter });
    const verdicts = [0, 50, 100, 150, 200].map((seconds) => policy.recordCrash(T0 + seconds * SECOND, 1 * SECOND));
    expect(verdicts.map((verdict) => verdict.action)).toEqual(['restart', 'restart', 'restart', 'restart', 'restart']);
    // At 200 s the crash at 0 s is older than the window and no longer counts.
    expect(verdicts[4]!.recentCrashes).toBe(4);
  });

  it('drops a crash exactly one window old', () => {
    const policy = new RestartPolicy({ random: noJitter });
    policy.recordCrash(T0, 1 * SECOND);
    expect(policy.recentCrashes(T0 + 3 * MINUTE - 1)).toBe(1);
    expect(policy.recentCrashes(T0 + 3 * MINUTE)).toBe(0);
  });

  it('keeps giving up until reset', () => {
    const policy = new RestartPolicy({ random: noJitter });
    for (let n = 0; n < 5; n++) policy.recordCrash(T0 + n * SECOND, 1 * SECOND);
    expect(policy.recordCrash(T0 + 6 * SECOND, 1 * SECOND).action).toBe('give-up');
  });

  it('honours a custom breaker', () => {
    const policy = new RestartPolicy({ random: noJitter, maxCrashes: 2, crashWindowMs: 10 * SECOND });
    expect(policy.recordCrash(T0, 0).action).toBe('restart');
    expect(policy.recordCrash(T0 + 11 * SECOND, 0).action).toBe('restart'); // the first is out of the window
    expect(policy.recordCrash(T0 + 12 * SECOND, 0)).toEqual({ action: 'give-up', recentCrashes: 2, windowMs: 10 * SECOND });
  });
});

describe('RestartPolicy.reset', () => {
  it('forgets the crashes and the attempt count', () => {
    const policy = new RestartPolicy({ random: noJitter });
    for (let n = 0; n < 5; n++) policy.recordCrash(T0 + n * SECOND, 1 * SECOND);
    expect(policy.recentCrashes(T0 + 5 * SECOND)).toBe(5);
    policy.reset();
    expect(policy.recentCrashes(T0 + 5 * SECOND)).toBe(0);
    expect(policy.recordCrash(T0 + 6 * SECOND, 1 * SECOND)).toEqual({ action: 'restart', delayMs: 100, attempt: 1, recentCrashes: 1 });
  });
});

describe('RestartPolicy options', () => {
  it('has the product defaults', () => {
    expect(DEFAULT_RESTART_POLICY).toMatchObject({
      initialDelayMs: 100,
      multiplier: 2,
      maxDelayMs: 30_000,
      stableUptimeMs: 60_000,
      maxCrashes: 5,
      crashWindowMs: 180_000,
      jitterRatio: 0.1,
    });
    expect(Object.isFrozen(DEFAULT_RESTART_POLICY)).toBe(true);
  });

  it.each([
    ['a negative initial delay', { initialDelayMs: -1 }],
    ['a multiplier below 1', { multiplier: 0.5 }],
    ['a cap below the initial delay', { initialDelayMs: 500, maxDelayMs: 100 }],
    ['no crashes allowed', { maxCrashes: 0 }],
    ['a negative jitter', { jitterRatio: -0.1 }],
    ['a jitter of 100 %', { jitterRatio: 1 }],
    ['a NaN delay', { initialDelayMs: Number.NaN }],
  ])('throws a RangeError for %s', (_what, options) => {
    expect(() => new RestartPolicy(options)).toThrow(RangeError);
    expect(() => new RestartPolicy(options)).toThrow(/invalid restart policy/u);
  });

  it('accepts the edge values', () => {
    expect(() => new RestartPolicy({ initialDelayMs: 0, multiplier: 1, maxDelayMs: 0, maxCrashes: 1, jitterRatio: 0 })).not.toThrow();
  });
});
