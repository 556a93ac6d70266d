/**
 * The main-process side of a bench: a `Companion` supervising the compiled
 * `tether rpc` child, on fresh temp dirs, and the waits and clocks around its
 * state transitions.
 *
 * Each companion gets its own temp dir (data dir, settings dir and working
 * directory all inside it, removed at `close` or at exit), a silent logger, the
 * compiled host as its gateway command and the parent's environment without the
 * user's TETHER_* variables (an echo delay or config file in the shell would skew
 * the figures). Heartbeats are turned off in its settings before the first start,
 * so no heartbeat turn runs while a figure is taken. `close` shuts the companion
 * down (the child is stopped in stages) and removes the temp dir; should a bench
 * die first, the core's own exit hook signals every child's process group and
 * children.ts removes the temp dir.
 */
import { join } from 'node:path';
import { createCompanion, isCompanionError, type Companion, type CompanionOptions, type CompanionState, type SupervisorSnapshot } from '../../main/core/index.js';
import { silentLogger } from '../../rpc-host/log.js';
import { CLI_PATH, ensureBuilt, makeTempHome, removeTempHome, tetherEnv } from './children.js';

/** Longest a bench waits for one gateway transition (a spawn on a slow machine included). */
export const STATE_WAIT_MS = 15_000;

/** A companion a bench drives, with its temp dir. */
export interface BenchCompanion {
  readonly companion: Companion;
  readonly home: string;
  /** Shuts the companion down (stopping its child) and removes its temp dir. */
  close(): Promise<void>;
}

/** What a bench may choose; everything else is fixed so figures are comparable. */
export interface BenchCompanionOptions {
  /** "Use CLI fallback" (saved in the temp settings before the start). */
  fallback: boolean;
  restartPolicy?: CompanionOptions['restartPolicy'];
}

/** Creates a companion on fresh temp dirs, starts it and waits until its gateway is running. */
export async function startCompanion(options: BenchCompanionOptions): Promise<BenchCompanion> {
  ensureBuilt();
  const home = makeTempHome();
  const companion = createCompanion({
    dataDir: join(home, 'data'),
    settingsDir: join(home, 'settings'),
    projectRoot: home,
    env: tetherEnv(join(home, 'data')),
    command: { file: process.execPath, args: [CLI_PATH] },
    logger: silentLogger,
    ...(options.restartPolicy ? { restartPolicy: options.restartPolicy } : {}),
  });
  const close = async () => {
    try {
      await companion.shutdown();
    } finally {
      removeTempHome(home);
    }
  };
  try {
    await companion.setHeartbeats(false);
    await companion.setFallback(options.fallback);
    await companion.start();
    await waitForState(companion, (state) => state.gateway.state === 'running', 'the first start');
  } catch (error) {
    await close();
    throw error;
  }
  return { companion, home, close };
}

/**
 * Resolves with the first state, the current one or a later one, that `accept` takes.
 *
 * Rejects after `timeoutMs`, naming `what` and the state the gateway was left in.
 */
export function waitForState(companion: Companion, accept: (state: CompanionState) => boolean, what: string, timeoutMs: number = STATE_WAIT_MS): Promise<CompanionState> {
  const now = companion.state();
  if (accept(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the gateway is ${describeSnapshot(companion.state().gateway)}`));
    }, timeoutMs);
    const unsubscribe = companion.onDidChangeState((state) => {
      if (!accept(state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(state);
    });
  });
}

/** One state transition as a bench saw it: when (`process.hrtime.bigint()`) and the snapshot. */
export interface Transition {
  at: bigint;
  gateway: SupervisorSnapshot;
}

/** Records every transition from now on, stamped as it fires; call the result to stop. */
export function recordTransitions(companion: Companion): { transitions: Transition[]; stop: () => void } {
  const transitions: Transition[] = [];
  const stop = companion.onDidChangeState((state) => transitions.push({ at: process.hrtime.bigint(), gateway: state.gateway }));
  return { transitions, stop };
}

/** The pid of the running gateway, or throws. */
export function runningPid(companion: Companion): number {
  const { gateway } = companion.state();
  if (gateway.state !== 'running' || gateway.pid === null) throw new Error(`expected a running gateway, it is ${describeSnapshot(gateway)}`);
  return gateway.pid;
}

/** Kills the running gateway with SIGKILL and waits until the supervisor has seen the exit. */
export async function crashGateway(companion: Companion): Promise<CompanionState> {
  const pid = runningPid(companion);
  const seen = waitForState(companion, (state) => state.gateway.state !== 'running', `the exit of gateway pid ${pid}`);
  process.kill(pid, 'SIGKILL');
  return seen;
}

/** The scheduled delay and attempt number in a `restarting` reason, or undefined. */
export function parseRestartReason(reason: string): { delayMs: number; attempt: number } | undefined {
  const match = /restarting in (\d+) ms \(attempt (\d+)\)/u.exec(reason);
  return match ? { delayMs: Number(match[1]), attempt: Number(match[2]) } : undefined;
}

/** `restarting (pid none): <first line of the reason>`, for error messages. */
export function describeSnapshot(gateway: SupervisorSnapshot): string {
  return `${gateway.state} (pid ${gateway.pid ?? 'none'}): ${gateway.reason.split('\n')[0]}`;
}

/** The code of a `CompanionError`, or a description of whatever else was thrown. */
export function errorCode(error: unknown): string {
  return isCompanionError(error) ? error.code : `not a CompanionError: ${error instanceof Error ? error.message : String(error)}`;
}
