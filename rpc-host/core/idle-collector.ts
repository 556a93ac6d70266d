/**
 * Collects the garbage of a burst of work once the gateway goes quiet.
 *
 * V8 lets the old generation grow with the garbage of busy periods (request
 * bodies, lines, events) and collects it only when the heap is larger still, so
 * a long-lived gateway that handled thousands of sends sits idle at several times
 * its live size. One full collection after a second without requests gives those
 * pages back; it costs a few milliseconds while nothing is waiting, and never
 * runs during a burst. `global.gc` is only reachable with `--expose-gc`, which
 * V8 accepts at run time; where it is refused, nothing is collected early. The
 * flag goes back off once the function is in hand: V8's flags are part of what a
 * code cache is checked against, and a gateway that changed them could neither
 * use nor write the command line's cache (rpc-host/compile-cache.ts).
 */
import type * as V8 from 'node:v8';
import type * as Vm from 'node:vm';
import { lazyBuiltin } from '../lazy-builtin.js';

const v8 = lazyBuiltin<typeof V8>('node:v8');
const vm = lazyBuiltin<typeof Vm>('node:vm');

/** Quiet time after the last request before collecting. */
export const IDLE_COLLECT_MS = 1000;

/** A full garbage collection, or undefined where the runtime will not expose one. */
export function fullCollector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    v8().setFlagsFromString('--expose-gc');
    try {
      const gc = vm().runInNewContext('gc') as unknown;
      return typeof gc === 'function' ? (gc as () => void) : undefined;
    } finally {
      v8().setFlagsFromString('--no-expose-gc');
    }
  } catch {
    return undefined;
  }
}

/**
 * A full collection that reaches for V8's on its first call, not at start-up:
 * `fullCollector` creates a V8 context (about a millisecond), which a cold start
 * should not wait for. Where the runtime refuses, each call does nothing.
 *
 * It collects twice: the first collection frees the garbage of the burst, but V8
 * gives the pages it emptied back to the system only at the next one. After
 * 15,000 sends (bench/send-floor.ts) one collection left the gateway at 98 MB
 * until the next quiet spell; two settle it at 72 MB at once.
 */
export function deferredFullCollection(reach: () => (() => void) | undefined = fullCollector): () => void {
  let gc: (() => void) | null | undefined;
  return () => {
    if (gc === undefined) gc = reach() ?? null;
    gc?.();
    gc?.();
  };
}

/**
 * Calls `collect` once per quiet spell: `IDLE_COLLECT_MS` after the last `noteActivity`.
 *
 * Noting activity only stamps the time: it is called twice per request, and moving
 * a timer each time was a measurable share of a `status` request's cost. The one
 * timer, when it fires early, waits out the rest of the quiet spell.
 */
export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private lastActivity = 0;
  private busySinceCollect = false;

  constructor(
    private readonly collect: () => void,
    private readonly idleMs: number = IDLE_COLLECT_MS,
  ) {}

  /** A request came in or finished: postpone the collection until it has been quiet for a while. */
  noteActivity(): void {
    this.lastActivity = Date.now();
    this.busySinceCollect = true;
    if (this.timer === undefined) this.arm(this.idleMs);
  }

  /** Stops any pending collection (shutdown). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.onTimer(), ms);
    this.timer.unref(); // never keeps a finished process alive
  }

  private onTimer(): void {
    const quietFor = Date.now() - this.lastActivity;
    if (quietFor < this.idleMs) {
      this.arm(this.idleMs - quietFor); // there was activity since: wait for the rest of the quiet spell
      return;
    }
    this.timer = undefined;
    if (!this.busySinceCollect) return;
    this.busySinceCollect = false;
    this.collect();
  }
}
