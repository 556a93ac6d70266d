/**
 * Keeps one gateway child alive: spawns it, waits until it is ready, restarts it
 * with backoff when it crashes, gives up on a crash loop, and stops it cleanly.
 *
 * States: `stopped` → `starting` → `running`; a crash goes to `restarting` (with the
 * time of the next try) or, on the 5th crash in 3 minutes, to `failed`, where it
 * stays until someone calls `start` or `restart`. "Ready" means the child answered
 * `hello`, the caller's settings were re-applied (`applySettings`) and `status`
 * answered, on every start and restart. Exits during a stop are not crashes.
 *
 * `start`, `stop` and `restart` are serialized: each waits for the one before, so a
 * restart clicked during a stop cannot spawn two children. Knows nothing of
 * Electron, settings files or windows; the `Companion` wires those in.
 */
import type { Logger } from '../../rpc-host/log.js';
import { PROTOCOL_VERSION, type Event, type StatusPayload } from '../../rpc-host/protocol/schemas.js';
import { TETHER_VERSION } from '../../rpc-host/version.js';
import type { CommandSource, GatewayCommand } from './command-resolution.js';
import { Emitter, type Listener, type Unsubscribe } from './emitter.js';
import { CompanionError, describeExit, isCompanionError, withStderrTail, type ExitInfo } from './errors.js';
import { DEFAULT_STOP_TIMINGS, GatewayProcess, type GatewayProcessOptions, type StopTimings } from './gateway-process.js';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';
import type { RpcClient } from './rpc-client.js';

/** Where the supervisor is in the gateway's life. */
export type GatewayState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

/** Everything the status view shows about the child, at one moment. */
export interface SupervisorSnapshot {
  state: GatewayState;
  /** Why the state was entered, in words a user can act on. */
  reason: string;
  /** When the state was entered (epoch ms). */
  since: number;
  /** True while a stop is under way (calls already fail fast). */
  stopping: boolean;
  pid: number | null;
  /** How long the current child has been running (null unless running). */
  uptimeMs: number | null;
  /** Automatic restarts since this supervisor was created. */
  restarts: number;
  /** Crashes inside the breaker's window. */
  recentCrashes: number;
  /** When the next automatic restart happens (null unless restarting). */
  retryAt: number | null;
  retryInMs: number | null;
  lastExit: (ExitInfo & { at: number }) | null;
  /** The last thing that went wrong (a crash, a failed start), or null. */
  lastError: string | null;
  command: { file: string; args: string[]; source: CommandSource } | null;
  /** The child's own `status`: read when it became ready, refreshed by later `status` calls. */
  gateway: StatusPayload | null;
}

/** One transition, with its reason. */
export interface StateChange {
  previous: GatewayState;
  snapshot: SupervisorSnapshot;
}

/** How to launch the child, decided afresh before every spawn (settings may change). */
export type LaunchSpec =
  | { ok: true; command: GatewayCommand; cwd: string; env: Record<string, string> }
  | { ok: false; error: string };

/** What the supervisor uses of one gateway child: a `GatewayProcess`, or a test's fake. */
export interface GatewayChild {
  readonly client: RpcClient;
  /** Undefined when the child failed to spawn (then `exited` says why, in `spawnError`). */
  readonly pid: number | undefined;
  readonly spawnedAt: number;
  /** Settles once, when the direct child has exited (or failed to spawn). */
  readonly exited: Promise<ExitInfo>;
  /** True while the direct child runs. */
  readonly alive: boolean;
  readonly stderr: { tail(): string[] };
  signal(signal: NodeJS.Signals): void;
  /** Stops the child in stages and resolves with its exit once it is gone. */
  stop(timings?: StopTimings): Promise<ExitInfo>;
  /** Reaps what is left of the child's process group after it exited on its own. */
  reapGroup(timings?: StopTimings): Promise<void>;
}

/** Starts one gateway child. */
export type SpawnGateway = (options: GatewayProcessOptions) => GatewayChild;

export interface SupervisorOptions {
  launchSpec: () => LaunchSpec;
  /** Starts the child; tests hand in a fake. Default: a real `GatewayProcess`. */
  spawn?: SpawnGateway;
  /** Re-applies persisted settings to a fresh child before it counts as running. */
  applySettings?: (client: RpcClient) => Promise<void>;
  logger: Logger;
  restartPolicy?: Partial<RestartPolicyOptions>;
  stopTimings?: StopTimings;
  /** How long a fresh child has to become ready before it counts as crashed. Default 10 s. */
  readyTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export class Supervisor {
  private readonly policy: RestartPolicy;
  private readonly logger: Logger;
  private readonly stateChanges: Emitter<StateChange>;
  private readonly events: Emitter<Event>;
  private state: GatewayState = 'stopped';
  private reason = 'not started yet';
  private since = Date.now();
  private process: GatewayChild | undefined;
  /** Bumped on every spawn and stop, so callbacks of an older child are ignored. */
  private generation = 0;
  private operations: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt: number | null = null;
  private stopping = false;
  private disposed = false;
  private runningSince: number | null = null;
  private restarts = 0;
  private lastExit: (ExitInfo & { at: number }) | null = null;
  private lastError: string | null = null;
  private lastStderr: readonly string[] = [];
  private command: GatewayCommand | null = null;
  private gatewayStatus: StatusPayload | null = null;
  /** Set when a child is killed for not becoming ready, to explain its exit. */
  private readinessFailure: string | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.logger = options.logger;
    this.policy = new RestartPolicy(options.restartPolicy);
    const report = (error: unknown) => this.logger.error(`a supervisor listener threw: ${String((error as Error)?.stack ?? error)}`);
    this.stateChanges = new Emitter(report);
    this.events = new Emitter(report);
  }

  /** Fires on every state transition. */
  readonly onDidChangeState = (listener: Listener<StateChange>): Unsubscribe => this.stateChanges.event(listener);

  /** Fires for every event of whichever child is current. */
  readonly onDidReceiveEvent = (listener: Listener<Event>): Unsubscribe => this.events.event(listener);

  /** The current state. */
  get currentState(): GatewayState {
    return this.state;
  }

  /** The client of a running child; undefined whenever calls must not wait. */
  get client(): RpcClient | undefined {
    return this.state === 'running' && !this.stopping ? this.process?.client : undefined;
  }

  /** The child's recent stderr (the last child's, while none runs). */
  stderrTail(lines?: number): string[] {
    const tail = this.process ? this.process.stderr.tail() : [...this.lastStderr];
    return lines === undefined ? tail : tail.slice(-lines);
  }

  /** Keeps the cached child status fresh when someone asked the running child for it. */
  noteStatus(status: StatusPayload): void {
    if (this.state === 'running' && status.pid === this.process?.pid) this.gatewayStatus = status;
  }

  /** A copy of everything the status view needs. */
  snapshot(): SupervisorSnapshot {
    const now = Date.now();
    return {
      state: this.state,
      reason: this.reason,
      since: this.since,
      stopping: this.stopping,
      pid: this.process?.pid ?? null,
      uptimeMs: this.state === 'running' && this.runningSince !== null ? now - this.runningSince : null,
      restarts: this.restarts,
      recentCrashes: this.policy.recentCrashes(now),
      retryAt: this.retryAt,
      retryInMs: this.retryAt === null ? null : Math.max(0, this.retryAt - now),
      lastExit: this.lastExit,
      lastError: this.lastError,
      command: this.command ? { file: this.command.file, args: [...this.command.args], source: this.command.source } : null,
      gateway: this.gatewayStatus,
    };
  }

  /**
   * Starts the child unless it is starting or running; from `failed` or `stopped`
   * this also clears the crash history. Resolves when the attempt settled (running,
   * or crashed and scheduled for a restart, or failed).
   */
  start(reason = 'start requested'): Promise<void> {
    let ready = Promise.resolve();
    return this.enqueue(async () => {
      if (this.state === 'running' || this.state === 'starting') return; // already up
      if (this.state === 'failed' || this.state === 'stopped') this.policy.reset();
      ready = this.launch(reason);
    }).then(() => ready);
  }

  /** Stops the child in stages (stdin, SIGTERM, SIGKILL); no automatic restart follows. */
  stop(reason = 'stopped'): Promise<void> {
    return this.enqueue(async () => {
      await this.stopCurrent();
      this.setState('stopped', reason);
    });
  }

  /** Stops the child if one runs and starts a fresh one, clearing the crash history. */
  restart(reason = 'restart requested'): Promise<void> {
    let ready = Promise.resolve();
    return this.enqueue(async () => {
      await this.stopCurrent();
      this.policy.reset();
      ready = this.launch(reason);
    }).then(() => ready);
  }

  /** Stops for good: later calls do nothing. */
  async dispose(): Promise<void> {
    await this.stop('shut down');
    this.disposed = true;
    this.stateChanges.clear();
    this.events.clear();
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.operations.then(() => (this.disposed ? undefined : operation()));
    this.operations = run.catch((error: unknown) => this.logger.error(`supervisor operation failed (a bug): ${String((error as Error)?.stack ?? error)}`));
    return run;
  }

  /**
   * Spawns a child and returns the promise of its readiness. Only the spawn runs
   * inside the operation queue: a stop or restart must not wait for a child that
   * may never answer, so it can cut the start short.
   */
  private launch(reason: string): Promise<void> {
    this.clearRetry();
    const generation = ++this.generation;
    this.gatewayStatus = null;
    this.readinessFailure = undefined;
    this.setState('starting', reason);

    const spec = this.options.launchSpec();
    if (!spec.ok) {
      this.command = null;
      this.lastError = spec.error;
      this.setState('failed', spec.error);
      return Promise.resolve();
    }
    this.command = spec.command;
    const spawn = this.options.spawn ?? ((options: GatewayProcessOptions) => new GatewayProcess(options));
    const child = spawn({
      command: spec.command,
      args: ['rpc'],
      cwd: spec.cwd,
      env: spec.env,
      logger: this.logger,
      ...(this.options.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
    });
    this.process = child;
    child.client.onDidReceiveEvent((event) => this.events.fire(event));
    void child.exited.then((exit) => this.onExit(generation, child, exit));
    if (child.pid === undefined) return child.exited.then(() => {}); // failed to spawn: onExit reports it
    this.logger.info(`gateway pid ${child.pid} started: ${spec.command.file} ${[...spec.command.args, 'rpc'].join(' ')} (in ${spec.cwd})`);
    this.setState('starting', `${reason}: waiting for gateway pid ${child.pid} to answer`);
    return this.awaitReady(generation, child);
  }

  private async awaitReady(generation: number, child: GatewayChild): Promise<void> {
    try {
      const status = await withTimeout(this.becomeReady(child.client), this.options.readyTimeoutMs ?? 10_000, 'did not answer hello and status');
      if (generation !== this.generation || !child.alive || this.stopping) return; // stopped or exited meanwhile
      this.gatewayStatus = status;
      this.runningSince = Date.now();
      this.lastError = null;
      this.setState('running', `gateway pid ${child.pid} is ready (provider ${status.provider}, heartbeats ${status.heartbeats.enabled ? 'on' : 'off'})`);
    } catch (error) {
      if (generation !== this.generation || !child.alive || this.stopping) return; // its exit or the stop tells the story
      this.readinessFailure = `gateway pid ${child.pid} did not become ready: ${(error as Error).message}`;
      this.logger.error(this.readinessFailure);
      child.signal('SIGKILL');
      await child.exited;
    }
  }

  private async becomeReady(client: RpcClient): Promise<StatusPayload> {
    try {
      await client.request({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: 'tether-companion', version: TETHER_VERSION } });
    } catch (error) {
      // A host from before `hello` existed still speaks the seed contract: go on without it.
      if (!isCompanionError(error, 'gateway_error') || error.details.wireCode !== 'unknown_type') throw error;
    }
    await this.options.applySettings?.(client);
    return client.request({ type: 'status' });
  }

  private onExit(generation: number, child: GatewayChild, exit: ExitInfo): void {
    const at = Date.now();
    const tail = child.stderr.tail();
    const what = this.readinessFailure ?? `gateway ${child.pid === undefined ? '' : `pid ${child.pid} `}exited (${describeExit(exit)})`;
    child.client.close(new CompanionError('gateway_exited', withStderrTail(`${what} before answering`, tail), { exit, stderrTail: tail.slice(-20) }));
    if (generation !== this.generation) return; // an older child, already replaced or stopped
    this.lastExit = { ...exit, at };
    this.lastStderr = tail;
    this.process = undefined;
    const uptimeMs = at - (this.runningSince ?? child.spawnedAt);
    this.runningSince = null;
    if (this.stopping) return; // asked to stop: not a crash

    child.reapGroup(this.options.stopTimings).catch((error: unknown) => this.logger.error(`could not reap gateway pid ${child.pid}'s process group: ${(error as Error).message}`));
    this.lastError = withStderrTail(what, tail, 3);
    this.logger.warn(withStderrTail(what, tail));
    const verdict = this.policy.recordCrash(at, uptimeMs);
    if (verdict.action === 'give-up') {
      this.setState(
        'failed',
        `${what}; it crashed ${verdict.recentCrashes} times in ${Math.round(verdict.windowMs / 60_000)} minutes, so it will not be restarted automatically. Fix the cause (see the gateway's stderr), then use Restart Gateway`,
      );
      return;
    }
    this.restarts += 1;
    this.retryAt = at + verdict.delayMs;
    this.setState('restarting', `${what}; restarting in ${verdict.delayMs} ms (attempt ${verdict.attempt})`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.enqueue(async () => {
        if (this.state !== 'restarting' || this.generation !== generation) return; // stopped or restarted by hand meanwhile
        void this.launch(`automatic restart ${verdict.attempt}`);
      });
    }, verdict.delayMs);
  }

  private async stopCurrent(): Promise<void> {
    this.clearRetry();
    const child = this.process;
    if (!child) return; // nothing running
    this.stopping = true;
    this.fire(this.state); // listeners see `stopping` at once
    try {
      const exit = await child.stop(this.options.stopTimings ?? DEFAULT_STOP_TIMINGS);
      this.logger.info(`gateway pid ${child.pid} stopped (${describeExit(exit)})`);
    } finally {
      this.generation++; // whatever that child still reports is history
      this.process = undefined;
      this.runningSince = null;
      this.stopping = false;
    }
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryAt = null;
  }

  private setState(state: GatewayState, reason: string): void {
    const previous = this.state;
    this.state = state;
    this.reason = reason;
    this.since = Date.now();
    if (state !== 'restarting') this.retryAt = null;
    this.logger.info(`gateway ${previous} -> ${state}: ${reason}`);
    this.fire(previous);
  }

  private fire(previous: GatewayState): void {
    this.stateChanges.fire({ previous, snapshot: this.snapshot() });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CompanionError('timeout', `${what} within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
