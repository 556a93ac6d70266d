/**
 * Starts a program as the root of a process tree, and signals or kills the whole
 * tree: the one owner of that job for the gateway child (the app) and for `command`
 * providers (the gateway).
 *
 * On POSIX the program leads a process group of its own (`detached`), so a signal
 * to the group reaches everything it started, however deep. Windows has no groups
 * to signal: there the tree is killed with `taskkill /PID <pid> /T /F`, which walks
 * the parent links down from the root; it kills outright, as Windows has no SIGTERM
 * for console programs (their graceful stop is stdin EOF, which callers do first).
 *
 * Each tree carries a marker in its environment (`TETHER_PROCESS_TREE`), inherited
 * by what it starts, so a reaper can tell its members from a stranger that reused
 * a pid (see `process-identity.ts`).
 *
 * Raw `child_process.spawn` rather than execa: the spawner is injected (tests pass
 * a fake and check what is run and signalled), and what execa adds (a result
 * promise, cleanup on exit) does not apply to a detached tree, whose kill is ours.
 */
import type * as ChildProcesses from 'node:child_process';
import type { ChildProcess, ChildProcessWithoutNullStreams, SpawnOptions } from 'node:child_process';
import type * as Crypto from 'node:crypto';
import { processGroupHasLiveMembers } from './process-identity.js';
import { lazyBuiltin } from '../lazy-builtin.js';

// Loaded when a tree is first spawned: most commands never spawn one.
const childProcesses = lazyBuiltin<typeof ChildProcesses>('node:child_process');
const crypto = lazyBuiltin<typeof Crypto>('node:crypto');

/** The environment variable naming the tree a process belongs to. */
export const TREE_MARKER_ENV = 'TETHER_PROCESS_TREE';

/** Starts a program; `child_process.spawn`'s shape, so tests can hand in a fake. */
export type Spawner = (file: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** What the tree module needs of the OS; injected in tests. */
export interface TreeSystem {
  platform: NodeJS.Platform;
  spawn: Spawner;
  /** `process.kill`: a negative pid signals a process group. */
  kill: (pid: number, signal: NodeJS.Signals | 0) => void;
  /** True while a process of group `pgid` still runs (zombies do not count). */
  groupAlive: (pgid: number) => boolean;
}

/** The real OS. */
export const NODE_SYSTEM: TreeSystem = {
  platform: process.platform,
  spawn: (file, args, options) => childProcesses().spawn(file, [...args], options),
  kill: (pid, signal) => process.kill(pid, signal),
  groupAlive: processGroupHasLiveMembers,
};

/** How a tree's root process ended. `spawnError` is set when it never started. */
export interface TreeExit {
  code: number | null;
  signal: string | null;
  spawnError?: string;
}

export interface StartTreeOptions {
  file: string;
  args: readonly string[];
  cwd?: string | undefined;
  /** The whole environment of the root (nothing is inherited besides it and the marker). */
  env: NodeJS.ProcessEnv;
}

/**
 * One started process tree: the root's pipes, its exit, and signals to the whole tree.
 *
 * `signal` and `kill` reach every process the root started, also after the root
 * itself exited; a tree that is already gone is not an error.
 */
export class ProcessTree {
  /** The root process, with all three stdio streams piped. */
  readonly child: ChildProcessWithoutNullStreams;
  /** The root's pid (and, on POSIX, its process group id); undefined if it failed to start. */
  readonly pid: number | undefined;
  /** The value of `TETHER_PROCESS_TREE` in the tree's environment. */
  readonly marker: string;
  /** Settles once, when the root exited or failed to start. */
  readonly exited: Promise<TreeExit>;
  private exitInfo: TreeExit | undefined;

  constructor(
    options: StartTreeOptions,
    private readonly system: TreeSystem = NODE_SYSTEM,
  ) {
    this.marker = crypto().randomUUID();
    this.child = system.spawn(options.file, options.args, {
      cwd: options.cwd,
      env: { ...options.env, [TREE_MARKER_ENV]: this.marker },
      stdio: ['pipe', 'pipe', 'pipe'],
      // A group of its own on POSIX, so one signal reaches the whole tree; on Windows
      // `detached` would only give it a console of its own.
      detached: system.platform !== 'win32',
      windowsHide: true,
    }) as ChildProcessWithoutNullStreams;
    this.pid = this.child.pid;
    this.exited = new Promise<TreeExit>((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      this.child.on('error', (error) => {
        if (this.pid === undefined) resolve({ code: null, signal: null, spawnError: error.message }); // never started: no 'exit' comes
      });
    }).then((info) => (this.exitInfo = info));
  }

  /** The root's exit, once it happened. */
  get exit(): TreeExit | undefined {
    return this.exitInfo;
  }

  /**
   * Sends `signal` to every process of the tree. On Windows every signal kills the
   * tree (`taskkill /T /F`): there is nothing gentler to send a console tree.
   */
  signal(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return; // never started
    signalTree(this.pid, signal, this.system);
  }

  /** True while any process of the tree still runs (on Windows: while the root runs). */
  isAlive(): boolean {
    if (this.pid === undefined) return false; // never started
    if (this.system.platform === 'win32') return this.exitInfo === undefined;
    return this.system.groupAlive(this.pid);
  }
}

/** Starts `options.file` as the root of a new process tree. */
export function startProcessTree(options: StartTreeOptions, system: TreeSystem = NODE_SYSTEM): ProcessTree {
  return new ProcessTree(options, system);
}

/**
 * Sends `signal` to the tree rooted at `pid`: its process group on POSIX,
 * `taskkill /PID pid /T /F` on Windows. A tree already gone is fine.
 */
export function signalTree(pid: number, signal: NodeJS.Signals, system: TreeSystem = NODE_SYSTEM): void {
  if (system.platform === 'win32') {
    const taskkill = system.spawn('taskkill', ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    taskkill.on('error', () => {}); // no taskkill (a stripped-down Windows): nothing more we can do
    return;
  }
  try {
    system.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // ESRCH: nothing left in the group
  }
}
