/**
 * Keeps one gateway child alive: spawns it, waits until it is ready, restarts it
 * with backoff when it crashes, gives up on a crash loop, and stops it cleanly.
 *
 * States: `stopped` → `starting` → `running`; a crash goes to `restarting` (with the
 * time of the next try) or, on the 5th crash in 3 minutes, to `failed`, where it
 * stays until someone calls `start` or `restart`. A start that will fail the same
 * way every time goes to `failed` at once, burning no restarts: the host's
 * config-error exit (78, failure `config`, with the host's own message) and a
 * program that is not there (failure `not found`). "Ready" means the child answered
 * `hello`, the caller's settings were re-applied (`applySettings`) and `status`
 * answered, on every start and restart. A stop shows as the state it interrupts,
 * with `stopping: true`; exits during a stop are not crashes.
 *
 * `start`, `stop` and `restart` are serialized: each waits for the one before, so a
 * restart clicked during a stop cannot spawn two children. Knows nothing of
 * Electron, settings files or windows; the `Companion` wires those in.
 */
import { errorMessage, errorStack } from '../../rpc-host/protocol/errors.js';
import { PROTOCOL_VERSION, type Event, type StatusPayload } from '../../rpc-host/protocol/schemas.js';
import { ALREADY_SERVING_EXIT_CODE, CONFIG_ERROR_EXIT_CODE, TETHER_VERSION, type Logger } from '../../rpc-host/shared.js';
import type { CommandSource, GatewayCommand } from './command-resolution.js';
import { Emitter, type Listener, type Unsubscribe } from './emitter.js';
import { CompanionError, describeExit, isCompanionError, withStderrTail, type ExitInfo } from './errors.js';
import { DEFAULT_STOP_TIMINGS, GatewayProcess, type GatewayProcessOptions, type StopTimings } from './gateway-process.js';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';
import type { RpcClient } from './rpc-client.js';

/**
 * The child's arguments: the gateway, also serving the data dir's socket, so that
 * `tether agent`, `tether status` and scripts share the app's gateway (its queue,
 * heartbeats and chat window) instead of starting their own.
 */
export const GATEWAY_ARGS: readonly string[] = ['rpc', '--listen'];

/** Where the supervisor is in the gateway's life. */
export type GatewayState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

/**
 * Why the gateway is `failed`: its configuration is invalid (`config`: the host
 * exited with the config-error code), its program is missing (`not found`), it
 * crashed too often (`crash loop`), or it could not be launched as set up (`launch`:
 * the project root is not a folder).
 */
export type GatewayFailure = 'config' | 'already served' | 'not found' | 'crash loop' | 'launch';

/** Everything the status view shows about the child, at one moment. */
export interface SupervisorSnapshot {
  state: GatewayState;
  /** Why the state was entered, in words a user can act on. */
  reason: string;
  /** While `failed`: what kind of failure (see `GatewayFailure`); null in every other state. */
  failure: GatewayFailure | null;
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
  | { ok: false; error: string; failure?: 'not found' | 'launch' };

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
  /** Where process trees are recorded, so orphans of a dead child are reaped (see `GatewayProcess`). */
  recordsDir?: string;
}

/**
 * The supervisor's own state: a tagged union, so each field exists only where it
 * means something (a child while one is up, a timer while a restart is pending).
 *
 * Two kinds are internal and shown under another name: `stopping` is shown as the
 * state it interrupted (`starting` or `running`) with `stopping: true`, and
 * `stop-failed` (a stop threw, so the child is no longer watched) as that state with
 * no child, until the next stop or restart.
 */
type SupervisorState =
  | { kind: 'stopped'; reason: string; since: number }
  | StartingState
  | RunningState
  | StoppingState
  | { kind: 'stop-failed'; shownAs: 'starting' | 'running'; reason: string; since: number }
  | RestartingState
  | { kind: 'failed'; failure: GatewayFailure; reason: string; since: number };

interface StartingState {
  kind: 'starting';
  reason: string;
  since: number;
  /** Undefined only while the spawn is being announced. */
  child: GatewayChild | undefined;
  /** Set when the child is killed for not becoming ready, to explain its exit. */
  readinessFailure?: string;
}

interface RunningState {
  kind: 'running';
  reason: string;
  since: number;
  child: GatewayChild;
  /** When it became ready: its uptime counts from here. */
  readyAt: number;
}

interface StoppingState {
  kind: 'stopping';
  shownAs: 'starting' | 'running';
  /** The interrupted state's reason and time: a stop is announced, not entered. */
  reason: string;
  since: number;
  /** Undefined once the child exited (the stop may still wait for its process group). */
  child: GatewayChild | undefined;
  /** When it became ready, while a running child has not exited yet; else null. */
  readyAt: number | null;
  /** Carried over from the `starting` it interrupted. */
  readinessFailure?: string;
}

interface RestartingState {
  kind: 'restarting';
  reason: string;
  since: number;
  retryAt: number;
  timer: NodeJS.Timeout;
}

/** A state with a child that a stop or restart has to stop first. */
type UpState = RunningState | (StartingState & { child: GatewayChild });

function isUp(state: SupervisorState): state is UpState {
  return state.kind === 'running' || (state.kind === 'starting' && state.child !== undefined);
}

/** The state a snapshot shows for `state`. */
function shownAs(state: SupervisorState): GatewayState {
  return state.kind === 'stopping' || state.kind === 'stop-failed' ? state.shownAs : state.kind;
}

/**
 * Owns the gateway child: at most one at a time, from spawn to exit, with its RPC
 * client, its restart timer, the crash history and the last child's stderr.
 *
 * Every change of `state` goes through `enter` (logged and announced) or, for what
 * listeners are not told about (a spawn, an exit during a stop), `amend`. It must
 * never run two children at once (a restart waits for the stop before it), restart a
 * child it was asked to stop, restart by itself once the breaker tripped, make a
 * caller wait on a child that is not running (`client` is undefined then), or let a
 * listener's error stop a transition. It knows nothing of Electron, settings files
 * or windows.
 */
export class Supervisor {
  private readonly policy: RestartPolicy;
  private readonly logger: Logger;
  private readonly stateChanges: Emitter<StateChange>;
  private readonly events: Emitter<Event>;
  private state: SupervisorState = { kind: 'stopped', reason: 'not started yet', since: Date.now() };
  private operations: Promise<void> = Promise.resolve();
  private disposed = false;
  // What outlives a state: shown in every snapshot until replaced.
  private restarts = 0;
  private lastExit: (ExitInfo & { at: number }) | null = null;
  private lastError: string | null = null;
  private lastStderr: readonly string[] = [];
  private command: GatewayCommand | null = null;
  private gatewayStatus: StatusPayload | null = null;

  constructor(private readonly options: SupervisorOptions) {
    this.logger = options.logger;
    this.policy = new RestartPolicy(options.restartPolicy);
    const report = (error: unknown) => this.logger.error(`a supervisor listener threw: ${errorStack(error)}`);
    this.stateChanges = new Emitter(report);
    this.events = new Emitter(report);
  }

  /** Fires on every state transition. */
  readonly onDidChangeState = (listener: Listener<StateChange>): Unsubscribe => this.stateChanges.event(listener);

  /** Fires for every event of whichever child is current. */
  readonly onDidReceiveEvent = (listener: Listener<Event>): Unsubscribe => this.events.event(listener);

  /** The current state. */
  get currentState(): GatewayState {
    return shownAs(this.state);
  }

  /** The client of a running child; undefined whenever calls must not wait. */
  get client(): RpcClient | undefined {
    return this.state.kind === 'running' ? this.state.child.client : undefined;
  }

  /** The child's recent stderr (the last child's, while none runs). */
  stderrTail(lines?: number): string[] {
    const child = this.currentChild();
    const tail = child ? child.stderr.tail() : [...this.lastStderr];
    return lines === undefined ? tail : tail.slice(-lines);
  }

  /** Keeps the cached child status fresh when someone asked the running child for it. */
  noteStatus(status: StatusPayload): void {
    const { state } = this;
    const running = state.kind === 'running' || (state.kind === 'stopping' && state.shownAs === 'running') ? state.child : undefined;
    if (running !== undefined && status.pid === running.pid) this.gatewayStatus = status;
  }

  /** A copy of everything the status view needs. */
  snapshot(): SupervisorSnapshot {
    const now = Date.now();
    const { state } = this;
    const readyAt = state.kind === 'running' || (state.kind === 'stopping' && state.shownAs === 'running') ? state.readyAt : null;
    const retryAt = state.kind === 'restarting' ? state.retryAt : null;
    return {
      state: shownAs(state),
      reason: state.reason,
      failure: state.kind === 'failed' ? state.failure : null,
      since: state.since,
      stopping: state.kind === 'stopping',
      pid: this.currentChild()?.pid ?? null,
      uptimeMs: readyAt === null ? null : now - readyAt,
      restarts: this.restarts,
      recentCrashes: this.policy.recentCrashes(now),
      retryAt,
      retryInMs: retryAt === null ? null : Math.max(0, retryAt - now),
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
      const { kind } = this.state;
      if (kind === 'running' || kind === 'starting' || kind === 'stop-failed') return; // already up (or so it seems: see stop-failed)
      if (kind === 'failed' || kind === 'stopped') this.policy.reset();
      ready = this.launch(reason);
    }).then(() => ready);
  }

  /** Stops the child in stages (stdin, SIGTERM, SIGKILL); no automatic restart follows. */
  stop(reason = 'stopped'): Promise<void> {
    return this.enqueue(async () => {
      if (isUp(this.state)) await this.stopChild(this.state);
      this.enter({ kind: 'stopped', reason, since: Date.now() });
    });
  }

  /** Stops the child if one runs and starts a fresh one, clearing the crash history. */
  restart(reason = 'restart requested'): Promise<void> {
    let ready = Promise.resolve();
    return this.enqueue(async () => {
      if (isUp(this.state)) await this.stopChild(this.state);
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
    this.operations = run.catch((error: unknown) => this.logger.error(`supervisor operation failed (a bug): ${errorStack(error)}`));
    return run;
  }

  /** The child of the current state, while it has one that has not exited. */
  private currentChild(): GatewayChild | undefined {
    const { state } = this;
    return state.kind === 'starting' || state.kind === 'running' || state.kind === 'stopping' ? state.child : undefined;
  }

  /**
   * Spawns a child and returns the promise of its readiness. Only the spawn runs
   * inside the operation queue: a stop or restart must not wait for a child that
   * may never answer, so it can cut the start short.
   */
  private launch(reason: string): Promise<void> {
    this.gatewayStatus = null;
    const starting: StartingState = { kind: 'starting', reason, since: Date.now(), child: undefined };
    this.enter(starting);

    const spec = this.options.launchSpec();
    if (!spec.ok) {
      this.command = null;
      this.lastError = spec.error;
      this.enter({ kind: 'failed', failure: spec.failure ?? 'launch', reason: spec.error, since: Date.now() });
      return Promise.resolve();
    }
    this.command = spec.command;
    const spawn = this.options.spawn ?? ((options: GatewayProcessOptions) => new GatewayProcess(options));
    const child = spawn({
      command: spec.command,
      args: GATEWAY_ARGS,
      cwd: spec.cwd,
      env: spec.env,
      logger: this.logger,
      ...(this.options.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
      ...(this.options.recordsDir !== undefined ? { recordsDir: this.options.recordsDir } : {}),
    });
    this.amend({ ...starting, child });
    child.client.onDidReceiveEvent((event) => this.events.fire(event));
    void child.exited.then((exit) => this.onExit(child, exit));
    if (child.pid === undefined) return child.exited.then(() => {}); // failed to spawn: onExit reports it
    this.logger.info(`gateway pid ${child.pid} started: ${spec.command.file} ${[...spec.command.args, ...GATEWAY_ARGS].join(' ')} (in ${spec.cwd})`);
    this.enter({ kind: 'starting', reason: `${reason}: waiting for gateway pid ${child.pid} to answer`, since: Date.now(), child });
    return this.awaitReady(child);
  }

  private async awaitReady(child: GatewayChild): Promise<void> {
    try {
      const status = await withTimeout(this.becomeReady(child.client), this.options.readyTimeoutMs ?? 10_000, 'did not answer hello and status');
      if (this.state.kind !== 'starting' || this.state.child !== child || !child.alive) return; // stopped or exited meanwhile
      this.gatewayStatus = status;
      const readyAt = Date.now();
      this.lastError = null;
      this.enter({
        kind: 'running',
        reason: `gateway pid ${child.pid} is ready (provider ${status.provider}, heartbeats ${status.heartbeats.enabled ? 'on' : 'off'})`,
        since: Date.now(),
        child,
        readyAt,
      });
    } catch (error) {
      const { state } = this;
      if (state.kind !== 'starting' || state.child !== child || !child.alive) return; // its exit or the stop tells the story
      const readinessFailure = `gateway pid ${child.pid} did not become ready: ${errorMessage(error)}`;
      this.amend({ ...state, readinessFailure });
      this.logger.error(readinessFailure);
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

  private onExit(child: GatewayChild, exit: ExitInfo): void {
    const at = Date.now();
    const tail = child.stderr.tail();
    const { state } = this;
    const mine = (state.kind === 'starting' || state.kind === 'running' || state.kind === 'stopping') && state.child === child;
    const readinessFailure = mine && state.kind !== 'running' ? state.readinessFailure : undefined;
    const what = readinessFailure ?? `gateway ${child.pid === undefined ? '' : `pid ${child.pid} `}exited (${describeExit(exit)})`;
    child.client.close(new CompanionError('gateway_exited', withStderrTail(`${what} before answering`, tail), { exit, stderrTail: tail.slice(-20) }));
    if (!mine) return; // an older child, already replaced or stopped
    this.lastExit = { ...exit, at };
    this.lastStderr = tail;
    if (state.kind === 'stopping') {
      this.amend({ ...state, child: undefined, readyAt: null });
      return; // asked to stop: not a crash
    }
    const uptimeMs = at - (state.kind === 'running' ? state.readyAt : child.spawnedAt);

    child.reapGroup(this.options.stopTimings).catch((error: unknown) => this.logger.error(`could not reap gateway pid ${child.pid}'s process group: ${errorMessage(error)}`));
    const deterministic = deterministicFailure(exit, tail, this.command);
    if (deterministic !== undefined) {
      this.lastError = deterministic.message;
      this.logger.error(`${what}; it will fail the same way until the cause is fixed, so it is not restarted: ${deterministic.message}`);
      this.enter({ kind: 'failed', failure: deterministic.failure, reason: deterministic.message, since: Date.now() });
      return;
    }
    this.lastError = withStderrTail(what, tail, 3);
    this.logger.warn(withStderrTail(what, tail));
    const verdict = this.policy.recordCrash(at, uptimeMs);
    if (verdict.action === 'give-up') {
      this.enter({
        kind: 'failed',
        failure: 'crash loop',
        reason: `${what}; it crashed ${verdict.recentCrashes} times in ${Math.round(verdict.windowMs / 60_000)} minutes, so it will not be restarted automatically. Fix the cause (see the gateway's stderr), then use Restart Gateway`,
        since: Date.now(),
      });
      return;
    }
    this.restarts += 1;
    const restarting: RestartingState = {
      kind: 'restarting',
      reason: `${what}; restarting in ${verdict.delayMs} ms (attempt ${verdict.attempt})`,
      since: Date.now(),
      retryAt: at + verdict.delayMs,
      timer: setTimeout(() => {
        void this.enqueue(async () => {
          if (this.state !== restarting) return; // stopped or restarted by hand meanwhile
          void this.launch(`automatic restart ${verdict.attempt}`);
        });
      }, verdict.delayMs),
    };
    this.enter(restarting);
  }

  /** Stops an up child in stages; the caller enters the next state. */
  private async stopChild(up: UpState): Promise<void> {
    const { child } = up;
    this.amend({
      kind: 'stopping',
      shownAs: up.kind,
      reason: up.reason,
      since: up.since,
      child,
      readyAt: up.kind === 'running' ? up.readyAt : null,
      ...(up.kind === 'starting' && up.readinessFailure !== undefined ? { readinessFailure: up.readinessFailure } : {}),
    });
    this.fire(up.kind); // listeners see `stopping` at once
    try {
      const exit = await child.stop(this.stopTimingsFor(up));
      this.logger.info(`gateway pid ${child.pid} stopped (${describeExit(exit)})`);
    } catch (error) {
      // The child is no longer watched; whatever it still reports is history.
      this.amend({ kind: 'stop-failed', shownAs: up.kind, reason: up.reason, since: up.since });
      throw error;
    }
    // Its exit has been handled by now; should it come later, it is history all the same.
    if (this.state.kind === 'stopping') this.amend({ ...this.state, child: undefined, readyAt: null });
  }

  /**
   * The stop stages for `up`: after stdin EOF the host lets its runs finish for its
   * own grace (`shutdownGraceMs`, from its `status`), then aborts them and exits, so
   * SIGTERM waits for that grace plus the configured `stdinGraceMs`. Escalating
   * sooner would kill the host while it still waits for its providers, and they
   * would outlive it. A child not yet ready has run nothing: no grace to wait for.
   */
  private stopTimingsFor(up: UpState): StopTimings {
    const timings = this.options.stopTimings ?? DEFAULT_STOP_TIMINGS;
    const status = this.gatewayStatus;
    const hostGraceMs = up.kind === 'running' && status !== null && status.pid === up.child.pid ? (status.shutdownGraceMs ?? 0) : 0;
    return { ...timings, stdinGraceMs: timings.stdinGraceMs + hostGraceMs };
  }

  /** Enters `next`: logged and announced to listeners. Leaving `restarting` cancels its timer. */
  private enter(next: Exclude<SupervisorState, StoppingState | { kind: 'stop-failed' }>): void {
    const previous = this.state;
    if (previous.kind === 'restarting') clearTimeout(previous.timer);
    this.state = next;
    this.logger.info(`gateway ${shownAs(previous)} -> ${next.kind}: ${next.reason}`);
    this.fire(shownAs(previous));
  }

  /** Replaces the state without announcing it: what listeners are not told about. */
  private amend(next: SupervisorState): void {
    this.state = next;
  }

  private fire(previous: GatewayState): void {
    this.stateChanges.fire({ previous, snapshot: this.snapshot() });
  }
}

/**
 * A start failure that every retry would repeat, or undefined for a crash: the
 * host's config-error exit (its message is the last `tether: …` line of its stderr,
 * naming the key and the fix) or a program that does not exist.
 */
function deterministicFailure(exit: ExitInfo, stderrTail: readonly string[], command: GatewayCommand | null): { failure: 'config' | 'already served' | 'not found'; message: string } | undefined {
  if (exit.code === ALREADY_SERVING_EXIT_CODE) {
    const said = stderrTail.findLast((line) => line.startsWith('tether: '))?.slice('tether: '.length).trim();
    return {
      failure: 'already served',
      message: `${said || 'another gateway already serves this data dir'}; stop it (or quit the app that runs it), then use Restart Gateway`,
    };
  }
  if (exit.code === CONFIG_ERROR_EXIT_CODE) {
    const said = stderrTail.findLast((line) => line.startsWith('tether: '))?.slice('tether: '.length).trim();
    return {
      failure: 'config',
      message: said || `the gateway refused its configuration (exit code ${CONFIG_ERROR_EXIT_CODE}) without saying why; run "tether rpc" in a terminal to see the message`,
    };
  }
  if (exit.spawnError !== undefined && /\bENOENT\b/u.test(exit.spawnError)) {
    const program = command?.file ?? 'the gateway command';
    return { failure: 'not found', message: `the gateway program ${program} was not found (${exit.spawnError}); install it or correct the gateway command, then use Restart Gateway` };
  }
  return undefined;
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
