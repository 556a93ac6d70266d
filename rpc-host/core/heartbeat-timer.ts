/**
 * The heartbeat timer: every `intervalMs`, ask the gateway to run one heartbeat.
 *
 * Only the timing and the bookkeeping live here (enabled, last time and outcome,
 * next time); what a heartbeat does is the `beat` callback's job. Turning it off
 * clears the timer at once; turning it on schedules the next beat one interval
 * from now. The timer is unref'd so it never keeps a finished process alive.
 */
import type { HeartbeatOutcome } from '../protocol/schemas.js';

/** A snapshot for `status`. */
export interface HeartbeatState {
  enabled: boolean;
  intervalMs: number;
  lastAt: number | null;
  lastOutcome: HeartbeatOutcome | null;
  nextAt: number | null;
}

/** Schedules heartbeats and remembers how the last one went. */
export class HeartbeatTimer {
  private enabledFlag = false;
  private timer: NodeJS.Timeout | undefined;
  private nextAt: number | null = null;
  private lastAt: number | null = null;
  private lastOutcome: HeartbeatOutcome | null = null;
  private beating = false;

  constructor(
    private readonly intervalMs: number,
    private readonly beat: () => Promise<HeartbeatOutcome>,
  ) {}

  /** Starts or stops the timer; takes effect immediately. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabledFlag) return; // no change: keep the current schedule
    this.enabledFlag = enabled;
    if (enabled) this.schedule();
    else this.clear();
  }

  /** Stops for good (shutdown). */
  stop(): void {
    this.enabledFlag = false;
    this.clear();
  }

  /** The current state. */
  state(): HeartbeatState {
    return {
      enabled: this.enabledFlag,
      intervalMs: this.intervalMs,
      lastAt: this.lastAt,
      lastOutcome: this.lastOutcome,
      nextAt: this.nextAt,
    };
  }

  /** Runs one heartbeat now and records its outcome (the timer calls this too). */
  async beatNow(): Promise<HeartbeatOutcome> {
    if (this.beating) return 'skipped'; // the previous beat is still going
    this.beating = true;
    const startedAt = Date.now(); // the same moment the heartbeat event reports as `at`
    try {
      const outcome = await this.beat().catch((): HeartbeatOutcome => 'failed');
      this.lastAt = startedAt;
      this.lastOutcome = outcome;
      return outcome;
    } finally {
      this.beating = false;
    }
  }

  private schedule(): void {
    this.clear();
    this.nextAt = Date.now() + this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.beatNow().finally(() => {
        if (this.enabledFlag && !this.timer) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAt = null;
  }
}
