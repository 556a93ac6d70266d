/**
 * One run of the gateway child: spawned with execa (no shell) in a process group of
 * its own, talked to through an `RpcClient`, its stderr kept in a ring buffer, and
 * stopped in stages so nothing outlives it.
 *
 * Stopping: end stdin (the host finishes in-flight runs and exits 0), wait; SIGTERM
 * the whole group, wait; SIGKILL the group. "Gone" means the group is empty, not just
 * that the direct child exited: a provider the child started must not linger. A
 * child that crashes on its own gets its leftover group reaped the same way.
 *
 * Trees the child started in groups of their own (`command` providers) are out of
 * reach of a signal to its group: the host records them in the data dir, and once
 * the child is gone (stopped, or crashed) the records of dead owners are reaped. The
 * child's own tree is recorded too (`recordsDir`), so that if the app dies without
 * stopping it, the next app start reaps it.
 */
import { reapOrphanedTrees, startProcessTree, treeRecordsOf, type Logger, type ProcessTree } from '../../rpc-host/shared.js';
import { RpcClient } from './rpc-client.js';
import { LineRing } from './line-ring.js';
import type { ExitInfo } from './errors.js';
import type { GatewayCommand } from './command-resolution.js';

/** How long each stage of a stop waits before the next, harder one. */
export interface StopTimings {
  /** After ending stdin, before SIGTERM (the supervisor adds the host's own shutdown grace to it). */
  stdinGraceMs: number;
  /** After SIGTERM, before SIGKILL. */
  termGraceMs: number;
}

export const DEFAULT_STOP_TIMINGS: Readonly<StopTimings> = Object.freeze({ stdinGraceMs: 2000, termGraceMs: 2000 });

export interface GatewayProcessOptions {
  command: GatewayCommand;
  /** Arguments after the command's own (`['rpc']`). */
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  logger: Logger;
  requestTimeoutMs?: number;
  stderrLines?: number;
  /** Where process trees are recorded (`treeRecordsDir(dataDir)`); without it nothing is recorded or reaped. */
  recordsDir?: string;
}

/** How long a gateway left running by a dead app gets after SIGTERM, when the next app reaps it. */
const ORPHAN_GATEWAY_TERM_GRACE_MS = 2000;

/** How often a stop checks whether the process group has emptied. */
const GROUP_POLL_MS = 20;

/** Process trees still alive, signalled if this process exits without stopping them. */
const liveTrees = new Set<ProcessTree>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The last resort when the app exits without a clean stop (an uncaught error):
  // SIGTERM lets each host finish its runs and exit on its own. Synchronous by necessity.
  process.on('exit', () => {
    for (const tree of liveTrees) tree.signal('SIGTERM');
  });
}

/**
 * One running gateway child: its process group, its RPC client over the child's
 * pipes, and a bounded ring of its stderr.
 *
 * Owns the process from spawn to reaping: `error` and `exit` are handled, and
 * `stop` ends it in stages (stdin EOF, SIGTERM to the group, SIGKILL) so nothing
 * is left behind. It never restarts anything and never decides policy: the
 * supervisor does, from what this reports.
 */
export class GatewayProcess {
  readonly client: RpcClient;
  readonly stderr: LineRing;
  readonly pid: number | undefined;
  readonly spawnedAt = Date.now();
  /** Settles once, when the direct child has exited (or failed to spawn). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private stopping: Promise<ExitInfo> | undefined;
  private readonly tree: ProcessTree;

  constructor(private readonly options: GatewayProcessOptions) {
    const { command, logger } = options;
    this.stderr = new LineRing({ maxLines: options.stderrLines ?? 200, onLine: (line) => logger.info(`gateway: ${line}`) });
    // A tree of its own, so a stop reaches grandchildren too; the exit hook above
    // covers an app that exits without stopping it.
    this.tree = startProcessTree({ file: command.file, args: [...command.args, ...options.args], cwd: options.cwd, env: options.env });
    this.pid = this.tree.pid;
    if (this.pid !== undefined) {
      installExitHook();
      liveTrees.add(this.tree);
      if (options.recordsDir !== undefined) treeRecordsOf(options.recordsDir).add(this.tree, `gateway pid ${this.pid}`, ORPHAN_GATEWAY_TERM_GRACE_MS);
    }
    const { child } = this.tree;
    child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    child.stderr.on('end', () => this.stderr.end());
    this.client = new RpcClient(child.stdin, child.stdout, {
      logger,
      stderrTail: () => this.stderr.tail(),
      ...(options.requestTimeoutMs !== undefined ? { defaultTimeoutMs: options.requestTimeoutMs } : {}),
    });
    this.exited = this.tree.exited.then((info) => {
      this.exitInfo = info;
      return info;
    });
  }

  /** The exit, once it happened. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** True while the direct child runs. */
  get alive(): boolean {
    return this.pid !== undefined && this.exitInfo === undefined;
  }

  /** Sends `signal` to the whole process tree (on Windows every signal kills it: see `ProcessTree`). */
  signal(signal: NodeJS.Signals): void {
    this.tree.signal(signal);
  }

  /** Stops the child in stages and resolves with its exit once its whole group is gone. */
  stop(timings: StopTimings = DEFAULT_STOP_TIMINGS): Promise<ExitInfo> {
    this.stopping ??= this.stopInStages(timings);
    return this.stopping;
  }

  /**
   * Reaps what is left after the child exited on its own (a crash): the trees it
   * recorded (its `command` providers, killed at once), then its own group.
   */
  async reapGroup(timings: StopTimings = DEFAULT_STOP_TIMINGS): Promise<void> {
    if (this.pid === undefined || this.stopping) return; // nothing to reap, or a stop is doing it
    await this.exited;
    const providers = this.reapRecordedTrees();
    if (this.groupAlive()) {
      this.options.logger.warn(`gateway pid ${this.pid} exited but left processes in its group; terminating them`);
      this.signal('SIGTERM');
      if (!(await this.waitUntilGone(timings.termGraceMs))) this.signal('SIGKILL');
      await this.waitUntilGone(1000);
    }
    this.forgetGroup();
    await providers;
  }

  private async stopInStages(timings: StopTimings): Promise<ExitInfo> {
    const { logger } = this.options;
    if (this.pid === undefined) return this.exited; // never started
    this.tree.child.stdin.end();
    if (!(await this.waitUntilGone(timings.stdinGraceMs))) {
      logger.warn(`gateway pid ${this.pid} still running ${timings.stdinGraceMs} ms after stdin closed; sending SIGTERM to its process group`);
      this.signal('SIGTERM');
      if (!(await this.waitUntilGone(timings.termGraceMs))) {
        logger.warn(`gateway pid ${this.pid} still running ${timings.termGraceMs} ms after SIGTERM; sending SIGKILL to its process group`);
        this.signal('SIGKILL');
        await this.waitUntilGone(5000);
      }
    }
    this.forgetGroup();
    await this.reapRecordedTrees(); // a host killed before it could stop its providers left them recorded
    return this.exited;
  }

  /** Reaps the recorded trees of owners that are gone: this child's providers, once it is. */
  private async reapRecordedTrees(): Promise<void> {
    if (this.options.recordsDir === undefined) return; // not recording
    await reapOrphanedTrees(this.options.recordsDir, this.options.logger);
  }

  /** Waits until the child has exited and its group is empty; false on timeout. */
  private async waitUntilGone(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitInfo !== undefined && !this.groupAlive()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // Wake on the exit itself; once the child is gone, poll for the rest of its group.
      await this.exitedOrAfter(this.exitInfo === undefined ? left : Math.min(left, GROUP_POLL_MS));
    }
  }

  private exitedOrAfter(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      if (this.exitInfo !== undefined) return; // already exited: only the timer matters
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private groupAlive(): boolean {
    return this.tree.isAlive();
  }

  private forgetGroup(): void {
    liveTrees.delete(this.tree);
    if (this.options.recordsDir !== undefined) treeRecordsOf(this.options.recordsDir).remove(this.tree);
  }
}
