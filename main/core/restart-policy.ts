/**
 * When to restart a crashed gateway, and when to stop trying.
 *
 * Pure arithmetic, no timers: the supervisor asks after each crash and gets either
 * a delay or "give up". Delays start near 100 ms and double up to 30 s, with a
 * little jitter so they are "near" rather than lock-step; a run that stayed up for
 * 60 s counts as stable and starts the doubling over. Independently, 5 crashes
 * inside any 3-minute window trip the breaker: the gateway is crash-looping and
 * restarting it again would only burn CPU, so the user decides.
 */

/** Tunables; the defaults are the product's. */
export interface RestartPolicyOptions {
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
  /** Uptime after which a run counts as stable and the delay starts over. */
  stableUptimeMs: number;
  /** Crashes inside `crashWindowMs` that trip the breaker. */
  maxCrashes: number;
  crashWindowMs: number;
  /** Spread of each delay, as a fraction of it (0.1 = ±10 %). */
  jitterRatio: number;
  /** A number in [0, 1); injectable so tests are deterministic. */
  random: () => number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicyOptions> = Object.freeze({
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 30_000,
  stableUptimeMs: 60_000,
  maxCrashes: 5,
  crashWindowMs: 3 * 60_000,
  jitterRatio: 0.1,
  random: Math.random,
});

/** What to do after a crash. */
export type CrashVerdict =
  | { action: 'restart'; delayMs: number; attempt: number; recentCrashes: number }
  | { action: 'give-up'; recentCrashes: number; windowMs: number };

export class RestartPolicy {
  private readonly options: RestartPolicyOptions;
  private attempt = 0;
  private crashTimes: number[] = [];

  constructor(options: Partial<RestartPolicyOptions> = {}) {
    this.options = { ...DEFAULT_RESTART_POLICY, ...options };
    const { initialDelayMs, multiplier, maxDelayMs, maxCrashes, jitterRatio } = this.options;
    if (!(initialDelayMs >= 0 && multiplier >= 1 && maxDelayMs >= initialDelayMs && maxCrashes >= 1 && jitterRatio >= 0 && jitterRatio < 1)) {
      throw new RangeError(`invalid restart policy: ${JSON.stringify({ initialDelayMs, multiplier, maxDelayMs, maxCrashes, jitterRatio })}`);
    }
  }

  /**
   * Records a crash at `at` (epoch ms) of a run that had been up `uptimeMs`, and says
   * what to do next.
   */
  recordCrash(at: number, uptimeMs: number): CrashVerdict {
    const { stableUptimeMs, crashWindowMs, maxCrashes } = this.options;
    if (uptimeMs >= stableUptimeMs) this.attempt = 0; // it was stable: start the doubling over
    this.crashTimes = this.crashTimes.filter((time) => at - time < crashWindowMs);
    this.crashTimes.push(at);
    const recentCrashes = this.crashTimes.length;
    if (recentCrashes >= maxCrashes) return { action: 'give-up', recentCrashes, windowMs: crashWindowMs };
    const attempt = ++this.attempt;
    return { action: 'restart', delayMs: this.delayFor(attempt), attempt, recentCrashes };
  }

  /** The delay before restart number `attempt` (1-based), jitter included. */
  delayFor(attempt: number): number {
    const { initialDelayMs, multiplier, maxDelayMs, jitterRatio, random } = this.options;
    const growth = multiplier ** (attempt - 1);
    // After enough attempts the growth overflows to Infinity (and 0 × Infinity is NaN): that is the cap.
    const base = initialDelayMs === 0 ? 0 : Number.isFinite(growth) ? Math.min(maxDelayMs, initialDelayMs * growth) : maxDelayMs;
    const jitter = base * jitterRatio * (random() * 2 - 1);
    return Math.round(Math.min(maxDelayMs, Math.max(0, base + jitter)));
  }

  /** Crashes counted in the current window. */
  recentCrashes(now: number): number {
    return this.crashTimes.filter((time) => now - time < this.options.crashWindowMs).length;
  }

  /** Forgets every crash: the user restarted the gateway by hand. */
  reset(): void {
    this.attempt = 0;
    this.crashTimes = [];
  }
}
