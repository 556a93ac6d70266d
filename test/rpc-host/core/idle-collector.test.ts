/**
 * The idle collector: one full collection per quiet spell after work, none while
 * requests keep coming, none when nothing happened, none after dispose.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedDataVersionTag } from 'node:v8';
import { IdleCollector, deferredFullCollection, fullCollector } from '../../../rpc-host/core/idle-collector.js';

/** V8's flags before any test here reached for the collector. */
const FLAGS_AT_START = cachedDataVersionTag();

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('IdleCollector', () => {
  it('collects once, a quiet second after the last activity', () => {
    const collect = vi.fn();
    const collector = new IdleCollector(collect, 1000);
    collector.noteActivity();
    vi.advanceTimersByTime(600);
    collector.noteActivity(); // still busy: the quiet second starts again
    vi.advanceTimersByTime(999);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1); // nothing new happened
  });

  it('collects again after the next burst, and never after dispose', () => {
    const collect = vi.fn();
    const collector = new IdleCollector(collect, 1000);
    collector.noteActivity();
    vi.advanceTimersByTime(1000);
    collector.noteActivity();
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(2);
    collector.noteActivity();
    collector.dispose();
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(2);
  });
});

describe('fullCollector', () => {
  it('reaches V8’s full collection at run time', () => {
    const gc = fullCollector();
    expect(typeof gc).toBe('function');
    gc!(); // does not throw
  });

  it('leaves V8’s flags as they were, so code caches made before and after still match', () => {
    fullCollector();
    fullCollector();
    expect(cachedDataVersionTag()).toBe(FLAGS_AT_START);
  });
});

describe('deferredFullCollection', () => {
  it('collects when called, reaching for V8’s collector only then', () => {
    const collect = deferredFullCollection();
    const before = process.memoryUsage().heapUsed;
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, index) => ({ index }));
    expect(garbage.length).toBe(200_000);
    garbage = undefined;
    collect();
    collect(); // the second call reuses what the first found
    expect(process.memoryUsage().heapUsed).toBeLessThan(before + 4_000_000);
  });

  it('reaches for the collector once, and collects twice per call (the second gives the emptied pages back)', () => {
    let reached = 0;
    let collections = 0;
    const collect = deferredFullCollection(() => {
      reached++;
      return () => collections++;
    });
    expect(reached).toBe(0); // nothing at start-up
    collect();
    collect();
    expect(reached).toBe(1);
    expect(collections).toBe(4);
  });

  it('does nothing where the runtime will not expose a collector', () => {
    const collect = deferredFullCollection(() => undefined);
    expect(() => collect()).not.toThrow();
  });
});
