/**
 * Builds companions around the real compiled gateway for the integration tests,
 * and waits on their state without polling.
 *
 * `makeCompanion` points a companion at fresh temp data and settings dirs and at
 * `node dist/rpc-host/cli.cjs` (unless a command is given), records its log lines,
 * and remembers it: `cleanupCompanions` (in `afterEach`) shuts every one down and
 * removes the dirs. `waitForState` resolves on the first state (current or future)
 * matching a predicate, or rejects after a timeout with the state history and the
 * gateway's stderr, so a failure says what happened instead of just "timed out".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCompanion, type Companion, type CompanionOptions, type CompanionState } from '../../main/core/index.js';
import type { Logger } from '../../rpc-host/log.js';
import { CLI_PATH, createTempHome } from './rpc-child.js';

/** A logger that keeps its lines (and prints nothing). */
export interface RecordingLogger extends Logger {
  lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A companion plus what the test needs to look inside it. */
export interface TestCompanion {
  companion: Companion;
  logger: RecordingLogger;
  dataDir: string;
  settingsDir: string;
  /** Every state the companion announced, in order. */
  states: CompanionState[];
}

const made = new Set<Companion>();

/** The command that runs the real compiled gateway. */
export const REAL_GATEWAY = { file: process.execPath, args: [CLI_PATH] };

/** Creates a companion on temp dirs (removed by `cleanupRpcChildren`). */
export function makeCompanion(options: CompanionOptions = {}): TestCompanion {
  const root = createTempHome('tether-companion-');
  const logger = recordingLogger();
  const dataDir = options.dataDir ?? join(root, 'data');
  const settingsDir = options.settingsDir ?? join(root, 'settings');
  const companion = createCompanion({
    command: REAL_GATEWAY,
    projectRoot: root,
    env: { PATH: process.env.PATH ?? '', HOME: root },
    logger,
    ...options,
    dataDir,
    settingsDir,
  });
  const states: CompanionState[] = [];
  companion.onDidChangeState((state) => states.push(state));
  made.add(companion);
  return { companion, logger, dataDir, settingsDir, states };
}

/** Shuts down every companion made by `makeCompanion`. */
export async function cleanupCompanions(): Promise<void> {
  const all = [...made];
  made.clear();
  await Promise.all(all.map((companion) => companion.shutdown()));
}

/** Resolves with the first state matching `predicate`: the current one, or a later one. */
export function waitForState(
  companion: Companion,
  predicate: (state: CompanionState) => boolean,
  timeoutMs = 20_000,
  what = 'the expected state',
): Promise<CompanionState> {
  const now = companion.state();
  if (predicate(now)) return Promise.resolve(now);
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      const tail = companion.stderrTail(10).join('\n  ');
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; states seen: ${seen.join(' | ') || '(none)'}; now ${describe(companion.state())}\n  stderr:\n  ${tail}`));
    }, timeoutMs);
    const off = companion.onDidChangeState((state) => {
      seen.push(describe(state));
      if (!predicate(state)) return;
      clearTimeout(timer);
      off();
      resolve(state);
    });
  });
}

/** Waits until the gateway runs (optionally: a child other than `notPid`). */
export function waitForRunning(companion: Companion, notPid?: number | null, timeoutMs?: number): Promise<CompanionState> {
  return waitForState(companion, (state) => state.gateway.state === 'running' && !state.gateway.stopping && state.gateway.pid !== notPid, timeoutMs, 'state running');
}

function describe(state: CompanionState): string {
  return `${state.gateway.state}${state.gateway.pid ? ` pid ${state.gateway.pid}` : ''}: ${state.gateway.reason.split('\n')[0]}`;
}

/** True if `pid` is a running process (a zombie counts as gone). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: kill(pid, 0) said it exists
  }
}
