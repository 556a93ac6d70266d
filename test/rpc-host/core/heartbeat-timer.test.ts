/**
 * The heartbeat timer on fake timers: beats at the interval while enabled, none
 * after disabling, re-enabling starts a fresh interval, and state() reports
 * enabled, lastAt, lastOutcome and nextAt (null when off).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatTimer } from '../../../rpc-host/core/heartbeat-timer.js';
import type { HeartbeatOutcome } from '../../../rpc-host/protocol/schemas.js';

const INTERVAL = 1_000;
const START = new Date('2030-01-01T00:00:00Z').getTime();

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
});

function timerWith(outcomes: HeartbeatOutcome[] = []) {
  const beats: number[] = [];
  const timer = new HeartbeatTimer(INTERVAL, async () => {
    beats.push(Date.now());
    return outcomes.shift() ?? 'ok';
  });
  return { timer, beats };
}

describe('HeartbeatTimer', () => {
  it('starts disabled, with nothing scheduled', () => {
    const { timer, beats } = timerWith();
    expect(timer.state()).toEqual({ enabled: false, intervalMs: INTERVAL, lastAt: null, lastOutcome: null, nextAt: null });
    vi.advanceTimersByTime(INTERVAL * 10);
    expect(beats).toEqual([]);
  });

  it('beats once per interval while enabled', async () => {
    const { timer, beats } = timerWith();
    timer.setEnabled(true);
    expect(timer.state()).toMatchObject({ enabled: true, nextAt: START + INTERVAL, lastAt: null });

    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(beats).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(beats).toEqual([START + INTERVAL]);
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(beats).toEqual([START + INTERVAL, START + 2 * INTERVAL, START + 3 * INTERVAL, START + 4 * INTERVAL]);
    expect(timer.state().nextAt).toBe(START + 5 * INTERVAL);
    timer.stop();
  });

  it('records the last time and outcome of each beat', async () => {
    const { timer } = timerWith(['sent', 'skipped']);
    timer.setEnabled(true);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(timer.state()).toMatchObject({ lastAt: START + INTERVAL, lastOutcome: 'sent' });
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(timer.state()).toMatchObject({ lastAt: START + 2 * INTERVAL, lastOutcome: 'skipped' });
    timer.stop();
  });

  it('records failed when the beat throws, and keeps beating', async () => {
    let calls = 0;
    const timer = new HeartbeatTimer(INTERVAL, async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return 'ok';
    });
    timer.setEnabled(true);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(timer.state().lastOutcome).toBe('failed');
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(calls).toBe(2);
    expect(timer.state().lastOutcome).toBe('ok');
    timer.stop();
  });

  it('stops beating at once when disabled, and says so in state()', async () => {
    const { timer, beats } = timerWith();
    timer.setEnabled(true);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(beats).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(INTERVAL / 2);
    timer.setEnabled(false);
    expect(timer.state()).toEqual({ enabled: false, intervalMs: INTERVAL, lastAt: START + INTERVAL, lastOutcome: 'ok', nextAt: null });
    await vi.advanceTimersByTimeAsync(INTERVAL * 10);
    expect(beats).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('schedules a full interval from the moment it is re-enabled', async () => {
    const { timer, beats } = timerWith();
    timer.setEnabled(true);
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.9);
    timer.setEnabled(false);
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.5);
    const reEnabledAt = Date.now();
    timer.setEnabled(true);
    expect(timer.state().nextAt).toBe(reEnabledAt + INTERVAL);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(beats).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(beats).toEqual([reEnabledAt + INTERVAL]);
    timer.stop();
  });

  it('ignores setEnabled(true) when already enabled (the schedule is kept)', async () => {
    const { timer, beats } = timerWith();
    timer.setEnabled(true);
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.6);
    timer.setEnabled(true);
    expect(timer.state().nextAt).toBe(START + INTERVAL);
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.4);
    expect(beats).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1); // exactly one next beat scheduled, not two
    timer.stop();
  });

  it('does not resume after a beat that was running when it was disabled', async () => {
    let release!: () => void;
    let calls = 0;
    const timer = new HeartbeatTimer(INTERVAL, () => {
      calls++;
      return new Promise<HeartbeatOutcome>((resolve) => {
        release = () => resolve('sent');
      });
    });
    timer.setEnabled(true);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(calls).toBe(1);
    timer.setEnabled(false);
    release();
    await vi.advanceTimersByTimeAsync(INTERVAL * 5);
    expect(calls).toBe(1);
    expect(timer.state()).toMatchObject({ enabled: false, nextAt: null, lastOutcome: 'sent' });
  });

  it('beatNow() skips while a beat is still going', async () => {
    let release!: () => void;
    const timer = new HeartbeatTimer(INTERVAL, () => new Promise<HeartbeatOutcome>((resolve) => (release = () => resolve('ok'))));
    const first = timer.beatNow();
    await expect(timer.beatNow()).resolves.toBe('skipped');
    release();
    await expect(first).resolves.toBe('ok');
  });

  it('stop() disables for good', async () => {
    const { timer, beats } = timerWith();
    timer.setEnabled(true);
    timer.stop();
    expect(timer.state()).toMatchObject({ enabled: false, nextAt: null });
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(beats).toEqual([]);
  });
});
