/**
 * The one object the app's adapters (tray, windows, web bridge) talk to: the gateway
 * supervisor, the one-shot CLI fallback and the settings behind a single facade.
 *
 * Nothing here waits on a gateway that is not running, unless asked to. `status`
 * then answers from the supervisor's own state; `send` goes to the one-shot CLI
 * when "Use CLI fallback" is on and fails at once otherwise; every reply says which
 * path served it (`via`). Every send carries an idempotency key (the caller's or a
 * fresh UUID), so sending it again never runs it twice. A send in flight when the
 * child dies fails with the reason and how far it got, and is not re-sent unless
 * the caller passed `retry: true`: then it waits for the restarted child and is
 * sent again with the same key. Whatever reached the transcript stays there.
 * Settings changes apply at once to a running child and are re-applied on every
 * (re)start. A gateway that failed on its configuration is started again when the
 * config file is saved. Plain Node: importable as `tether/companion`, no Electron.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, defaultDataDir, reapOrphanedTrees, treeRecordsDir, type Logger } from '../../rpc-host/shared.js';
import {
  DEFAULT_SESSION,
  type AbortPayloadSchema,
  type ApprovalDecision,
  type ApprovePayloadSchema,
  type CompactPayloadSchema,
  type DeleteSessionPayloadSchema,
  type Event,
  type HistoryPayloadSchema,
  type RestoreSessionPayloadSchema,
  type SearchPayload,
  type SessionsPayloadSchema,
  type ModelsPayload,
  type StatusPayload,
  type UpdateSessionPayloadSchema,
} from '../../rpc-host/protocol/schemas.js';
import type { z } from 'zod';
import type { SendInput } from './cli-fallback.js';
import { bundledHostScript, resolveGatewayCommand, type CommandOverride } from './command-resolution.js';
import { Emitter, type Listener, type Unsubscribe } from './emitter.js';
import { watchFile, type FileWatch } from './file-watch.js';
import { CLOSED_MESSAGE, CompanionError, isCompanionError } from './errors.js';
import { buildGatewayEnv } from './gateway-env.js';
import { DEFAULT_STOP_TIMINGS, type StopTimings } from './gateway-process.js';
import type { RestartPolicyOptions } from './restart-policy.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type RpcClient } from './rpc-client.js';
import { Sender, type SendOptions, type SendResult } from './sender.js';
import { defaultSettingsDir, SettingsStore, type Settings, type SettingsPatch } from './settings.js';
import { Supervisor, type LaunchSpec, type SupervisorSnapshot } from './supervisor.js';
import { WaitingApprovals, type WaitingApproval } from './waiting-approvals.js';
import { errorMessage, errorStack } from '../../rpc-host/protocol/errors.js';

export type { SendInput } from './cli-fallback.js';
export type { SendOptions, SendResult } from './sender.js';

/** Where to find things and how patient to be; every field has a sensible default. */
export interface CompanionOptions {
  /** The gateway's data dir (sessions, outbox), passed as `TETHER_HOME`. Default: the host's default. */
  dataDir?: string;
  /** Where `settings.json` lives. Default: `$XDG_CONFIG_HOME/tether` (Electron passes `userData`). */
  settingsDir?: string;
  /** A gateway command that wins over the settings' one (tests, tools). */
  command?: CommandOverride;
  /** Working directory of the gateway; wins over the settings. Default: the user's home. */
  projectRoot?: string;
  /** The environment to allow-list from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Variables always added to the gateway's environment. */
  extraEnv?: Record<string, string>;
  /** The compiled host CLI. Default: the one shipped next to this module. */
  hostScript?: string;
  logger?: Logger;
  /** Idle timeout of each gateway request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Total timeout of a one-shot CLI send (it cannot show progress). Default 5 min. */
  cliTimeoutMs?: number;
  readyTimeoutMs?: number;
  restartPolicy?: Partial<RestartPolicyOptions>;
  stopTimings?: Partial<StopTimings>;
}

/** What the tray and the status view show. */
export interface CompanionState {
  gateway: SupervisorSnapshot;
  heartbeatsEnabled: boolean;
  fallbackEnabled: boolean;
  /** True when sends go to the one-shot CLI right now (gateway down, fallback on). */
  fallbackActive: boolean;
  dataDir: string;
  settingsPath: string;
}

/** Which path served a call. */
export type ServedVia = 'gateway' | 'cli' | 'supervisor';

export interface CompanionStatus {
  via: 'gateway' | 'supervisor';
  state: CompanionState;
  /** The child's own status; null when it is not running (or did not answer). */
  gateway: StatusPayload | null;
}

export interface AbortResult extends z.infer<typeof AbortPayloadSchema> {
  via: ServedVia;
}

/** Per-call options. */
export interface CallOptions {
  /** Idle timeout of the gateway request (restarts on each of its events); total for a CLI send. */
  timeoutMs?: number;
}

/** Creates a companion; call `start()` to launch the gateway. */
export function createCompanion(options: CompanionOptions = {}): Companion {
  return new Companion(options);
}

/**
 * The one facade the app's adapters (tray, windows, web bridge) and scripts use.
 *
 * Owns the supervisor of the gateway child, the sender (gateway, CLI fallback,
 * resends under the same key) and the settings, and merges their state and events
 * into what a UI shows. It never waits on a child that is not running unless a
 * caller asks it to (`retry`), and never touches Electron.
 */
export class Companion {
  readonly dataDir: string;
  private readonly logger: Logger;
  private readonly settingsStore: SettingsStore;
  private readonly supervisor: Supervisor;
  private readonly parentEnv: NodeJS.ProcessEnv;
  private readonly stateChanges: Emitter<CompanionState>;
  private readonly events: Emitter<Event>;
  private readonly sender: Sender;
  /** Tool calls waiting for the user's answer: a window that opens later shows them too. */
  private readonly approvals = new WaitingApprovals();
  /** Watches the config file while the gateway is failed on it. */
  private configWatch: FileWatch | undefined;
  private closed = false;

  constructor(private readonly options: CompanionOptions) {
    this.logger = options.logger ?? createLogger('tether companion');
    this.parentEnv = options.env ?? process.env;
    this.dataDir = resolve(options.dataDir ?? defaultDataDir(this.parentEnv));
    this.settingsStore = new SettingsStore(resolve(options.settingsDir ?? defaultSettingsDir(this.parentEnv)), this.logger);
    const report = (error: unknown) => this.logger.error(`a companion listener threw: ${errorStack(error)}`);
    this.stateChanges = new Emitter(report);
    this.events = new Emitter(report);
    this.supervisor = new Supervisor({
      launchSpec: () => this.launchSpec((message) => this.logger.info(message)),
      applySettings: (client) => this.applySettings(client),
      logger: this.logger,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      stopTimings: { ...DEFAULT_STOP_TIMINGS, ...options.stopTimings },
      recordsDir: treeRecordsDir(this.dataDir),
      ...(options.restartPolicy ? { restartPolicy: options.restartPolicy } : {}),
      ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    });
    this.sender = new Sender({
      supervisor: this.supervisor,
      fallbackEnabled: () => this.settingsStore.get().cliFallbackEnabled,
      launchSpec: () => this.launchSpec((message) => this.logger.debug(message)),
      fireEvent: (event) => this.events.fire(event),
      onDidChangeState: (listener) => this.stateChanges.event(() => listener()),
      describeDown: () => this.describeDown(),
      isClosed: () => this.closed,
      logger: this.logger,
      cliTimeoutMs: options.cliTimeoutMs ?? 5 * 60_000,
    });
    this.supervisor.onDidChangeState(({ snapshot }) => {
      this.followConfigFailure(snapshot);
      if (snapshot.state !== 'running') this.approvals.clear(); // a stopped gateway takes its waiting calls along
      this.stateChanges.fire(this.state());
    });
    this.supervisor.onDidReceiveEvent((event) => {
      this.approvals.note(event);
      this.events.fire(event);
    });
    this.settingsStore.onDidChange(({ changed }) => {
      if (changed.includes('heartbeatsEnabled') || changed.includes('cliFallbackEnabled')) this.stateChanges.fire(this.state());
    });
  }

  /** Fires with the new state on every gateway transition and tray-visible setting change. */
  readonly onDidChangeState = (listener: Listener<CompanionState>): Unsubscribe => this.stateChanges.event(listener);

  /** Fires for every gateway event (`reply.delta`, `reply`, `heartbeat`, `session.updated`), and a `reply` for each CLI send. */
  readonly onDidReceiveEvent = (listener: Listener<Event>): Unsubscribe => this.events.event(listener);

  /**
   * The tool calls waiting for an answer now, in the order asked: what a window that
   * opened (or reloaded) after their `approval.requested` events shows as cards.
   */
  waitingApprovals(): WaitingApproval[] {
    return this.approvals.list();
  }

  /**
   * Launches the gateway; resolves when the first attempt settled (see `state()`).
   *
   * First reaps what an earlier app on this data dir left running when it died (a
   * gateway that ignored stdin EOF, its providers), each checked to be the process
   * recorded: two gateways must not share a data dir, and a stranger is never killed.
   */
  async start(): Promise<void> {
    this.assertOpen();
    await reapOrphanedTrees(treeRecordsDir(this.dataDir), this.logger);
    return this.supervisor.start('app started');
  }

  /** Stops the gateway if it runs and starts a fresh one; also clears a crash-loop `failed`. */
  restartGateway(): Promise<void> {
    this.assertOpen();
    return this.supervisor.restart('restart requested');
  }

  /** The state now, without asking the child. */
  state(): CompanionState {
    const settings = this.settingsStore.get();
    const gateway = this.supervisor.snapshot();
    return {
      gateway,
      heartbeatsEnabled: settings.heartbeatsEnabled,
      fallbackEnabled: settings.cliFallbackEnabled,
      fallbackActive: settings.cliFallbackEnabled && this.supervisor.client === undefined,
      dataDir: this.dataDir,
      settingsPath: this.settingsStore.path,
    };
  }

  /** The child's status when it runs; the supervisor's own state at once when it does not. */
  async status(options: { verbose?: boolean } & CallOptions = {}): Promise<CompanionStatus> {
    const client = this.supervisor.client;
    if (client) {
      try {
        const gateway = await client.request({ type: 'status', ...(options.verbose ? { verbose: true } : {}) }, this.callOptions(options));
        this.supervisor.noteStatus(gateway);
        return { via: 'gateway', state: this.state(), gateway };
      } catch (error) {
        this.logger.warn(`status: the gateway did not answer (${errorMessage(error)}); answering from the supervisor`);
      }
    }
    return { via: 'supervisor', state: this.state(), gateway: null };
  }

  /**
   * Sends a message under an idempotency key: the caller's, or a fresh UUID.
   *
   * Served by the gateway when it runs; else by the one-shot CLI (with the same
   * key) when the fallback is on; else refused at once. A send the gateway dies
   * under fails with `gateway_exited`, saying in `details.reached` whether it got
   * there; sending it again with the same key cannot run it twice. With `retry`,
   * the companion does that itself (see `SendOptions`). Every error carries the
   * key in `details.idempotencyKey`.
   */
  send(input: SendInput, options: SendOptions = {}): Promise<SendResult> {
    return this.sender.send(input, options);
  }

  /**
   * Aborts runs of a session (default `main`) or one run; one-shot CLI sends of that
   * session too, and its `retry` sends stop resending (one waiting for the gateway
   * fails at once and counts as aborted).
   */
  async abort(target: { session?: string; runId?: string } = {}, options: CallOptions = {}): Promise<AbortResult> {
    const session = target.session ?? DEFAULT_SESSION;
    const { cli: cliAborted, waiting: waitingAborted } = target.runId === undefined ? this.sender.abortSession(session) : { cli: 0, waiting: 0 };
    const client = this.supervisor.client;
    if (client) {
      const result = await client.request({ type: 'abort', ...target }, this.callOptions(options));
      return { ...result, aborted: result.aborted + cliAborted + waitingAborted, via: 'gateway' };
    }
    return { aborted: cliAborted + waitingAborted, runIds: [], via: cliAborted > 0 ? 'cli' : 'supervisor' };
  }

  /**
   * Answers a tool call's `approval.requested` (needs the running gateway: the call
   * waits inside it). The first answer from any client counts; a later one is the
   * gateway's `not_found`.
   */
  async approve(callId: string, decision: ApprovalDecision, options: CallOptions = {}): Promise<z.infer<typeof ApprovePayloadSchema>> {
    return this.requireClient('answer the approval').request({ type: 'approve', callId, decision }, this.callOptions(options));
  }

  /** The sessions, most recent first (needs the running gateway). */
  async sessions(options: CallOptions = {}): Promise<z.infer<typeof SessionsPayloadSchema>> {
    return this.requireClient('list sessions').request({ type: 'sessions' }, this.callOptions(options));
  }

  /** A page of a session's transcript, oldest first (needs the running gateway). */
  async history(session: string, page: { limit?: number; before?: number } = {}, options: CallOptions = {}): Promise<z.infer<typeof HistoryPayloadSchema>> {
    return this.requireClient('read the history').request({ type: 'history', session, ...page }, this.callOptions(options));
  }

  /** Sets or clears a session's display title and pin (needs the running gateway). */
  async updateSession(session: string, patch: { title?: string | null; pinned?: boolean }, options: CallOptions = {}): Promise<z.infer<typeof UpdateSessionPayloadSchema>> {
    return this.requireClient('rename or pin a session').request({ type: 'update-session', session, ...patch }, this.callOptions(options));
  }

  /** Moves a session's transcript to the data dir's trash; `restoreSession` undoes it (needs the running gateway). */
  async deleteSession(session: string, options: CallOptions = {}): Promise<z.infer<typeof DeleteSessionPayloadSchema>> {
    return this.requireClient('delete a session').request({ type: 'delete-session', session }, this.callOptions(options));
  }

  /** Puts a deleted session back (needs the running gateway). */
  async restoreSession(trashId: string, options: CallOptions = {}): Promise<z.infer<typeof RestoreSessionPayloadSchema>> {
    return this.requireClient('restore a session').request({ type: 'restore-session', trashId }, this.callOptions(options));
  }

  /** Searches titles and message text across every session, one page at a time (needs the running gateway). */
  async search(query: string, page: { limit?: number; offset?: number } = {}, options: CallOptions = {}): Promise<SearchPayload> {
    return this.requireClient('search the sessions').request({ type: 'search', query, ...page }, this.callOptions(options));
  }

  /** Compacts a session's provider context (needs the running gateway). */
  async compact(session: string, options: CallOptions = {}): Promise<z.infer<typeof CompactPayloadSchema>> {
    return this.requireClient('compact').request({ type: 'compact', session }, this.callOptions(options));
  }

  /** The models a send can name, the default and the fallback chain (needs the running gateway). */
  async models(options: CallOptions = {}): Promise<ModelsPayload> {
    return this.requireClient('list the models').request({ type: 'models' }, this.callOptions(options));
  }

  /**
   * Turns heartbeats on or off: saved at once, sent to a running child at once
   * (`applied: true`), or applied when the child next starts (`applied: false`).
   */
  async setHeartbeats(enabled: boolean): Promise<{ enabled: boolean; applied: boolean }> {
    this.assertOpen();
    const saving = this.settingsStore.update({ heartbeatsEnabled: enabled });
    let applied = false;
    const client = this.supervisor.client;
    if (client) {
      try {
        applied = (await client.request({ type: 'set-heartbeats', enabled })).enabled === enabled;
      } catch (error) {
        if (!isCompanionError(error, 'gateway_exited')) throw error;
        // The child died meanwhile; the restart re-applies the saved value.
      }
    }
    await saving;
    return { enabled, applied };
  }

  /** Turns the one-shot CLI fallback on or off (saved). */
  async setFallback(enabled: boolean): Promise<{ enabled: boolean }> {
    this.assertOpen();
    await this.settingsStore.update({ cliFallbackEnabled: enabled });
    return { enabled };
  }

  /** The settings now. */
  settings(): Readonly<Settings> {
    return this.settingsStore.get();
  }

  /**
   * Changes settings. Command, project root and environment changes take effect
   * when the gateway next starts (`restartGateway`); heartbeats go through
   * `setHeartbeats` so they reach the running child.
   */
  async updateSettings(patch: Omit<SettingsPatch, 'heartbeatsEnabled'>): Promise<Readonly<Settings>> {
    this.assertOpen();
    return this.settingsStore.update(patch);
  }

  /** The gateway's recent stderr, for the status view. */
  stderrTail(lines?: number): string[] {
    return this.supervisor.stderrTail(lines);
  }

  /** Stops everything: CLI sends are aborted, the child is stopped in stages, settings are flushed. */
  async shutdown(): Promise<void> {
    if (this.closed) return; // already shut down
    this.closed = true;
    this.configWatch?.dispose();
    this.configWatch = undefined;
    await this.sender.stopCliRuns();
    await this.supervisor.dispose();
    await this.settingsStore.flush();
    this.stateChanges.clear();
    this.events.clear();
  }

  private async applySettings(client: RpcClient): Promise<void> {
    // Re-read after each answer: a toggle during startup must not be lost.
    for (let attempt = 0; attempt < 3; attempt++) {
      const wanted = this.settingsStore.get().heartbeatsEnabled;
      await client.request({ type: 'set-heartbeats', enabled: wanted });
      if (this.settingsStore.get().heartbeatsEnabled === wanted) return;
    }
  }

  /**
   * Watches the config file while the gateway is failed on its configuration, and
   * starts it again when the file is saved (still invalid: it fails again at once,
   * with the new message).
   */
  private followConfigFailure(snapshot: SupervisorSnapshot): void {
    if (snapshot.state !== 'failed' || snapshot.failure !== 'config') {
      this.configWatch?.dispose();
      this.configWatch = undefined;
      return;
    }
    if (this.configWatch !== undefined || this.closed) return; // already watching, or shut down
    const path = this.configPath();
    this.logger.info(`watching ${path}: the gateway starts again when it is saved`);
    this.configWatch = watchFile(
      path,
      () => {
        if (this.closed) return; // shut down meanwhile
        this.logger.info(`${path} changed; starting the gateway again`);
        void this.supervisor.start('the config file changed');
      },
      (message) => this.logger.warn(`${message}; use Restart Gateway after fixing the config file`),
    );
  }

  /** The config file the gateway reads: `TETHER_CONFIG` (relative to its working dir), else `<data dir>/config.json`. */
  private configPath(): string {
    const spec = this.launchSpec(() => {});
    const explicit = spec.ok ? spec.env.TETHER_CONFIG : undefined;
    return explicit ? resolve(spec.ok ? spec.cwd : '.', explicit) : join(this.dataDir, 'config.json');
  }

  private launchSpec(log: (message: string) => void): LaunchSpec {
    const settings = this.settingsStore.get();
    const projectRoot = resolve(this.options.projectRoot ?? settings.projectRoot ?? homedir());
    if (!existsSync(projectRoot) || !statSync(projectRoot).isDirectory()) {
      return { ok: false, failure: 'launch', error: `the project root ${projectRoot} is not a directory; fix it in the settings or clear it to use your home folder` };
    }
    const resolution = resolveGatewayCommand({
      override: this.options.command ?? settings.gatewayCommand,
      projectRoot,
      env: this.parentEnv,
      hostScript: this.options.hostScript ?? bundledHostScript(),
      log,
    });
    if (!resolution.ok) return { ok: false, failure: 'not found', error: resolution.error };
    const env = buildGatewayEnv(this.parentEnv, {
      path: resolution.path,
      dataDir: this.dataDir,
      extra: { ...settings.gatewayEnv, ...this.options.extraEnv },
      command: resolution.command.env,
    });
    return { ok: true, command: resolution.command, cwd: projectRoot, env };
  }

  private requireClient(what: string): RpcClient {
    this.assertOpen();
    const client = this.supervisor.client;
    if (!client) throw new CompanionError('gateway_unavailable', `cannot ${what}: ${this.describeDown()}`);
    return client;
  }

  /** `gateway not running (restarting in 400 ms)`, and the like. */
  private describeDown(): string {
    const snapshot = this.supervisor.snapshot();
    switch (snapshot.state) {
      case 'restarting':
        return `the gateway is not running (restarting in ${snapshot.retryInMs ?? 0} ms)`;
      case 'starting':
        return 'the gateway is not running yet (starting)';
      case 'failed':
        if (snapshot.failure === 'config') {
          return `the gateway is not running: its configuration is invalid: ${snapshot.reason.split('\n')[0]} (it starts again when the config file is saved, or use Restart Gateway)`;
        }
        return `the gateway is not running (it failed: ${snapshot.reason.split('\n')[0]}); use Restart Gateway`;
      case 'stopped':
        return 'the gateway is not running (stopped)';
      case 'running':
        return 'the gateway is stopping';
    }
  }

  private callOptions(options: CallOptions): { timeoutMs?: number } {
    return options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  }

  private assertOpen(): void {
    if (this.closed) throw new CompanionError('closed', CLOSED_MESSAGE);
  }
}
