/**
 * The processes a bench talks to: `tether rpc`, the floor, and one-shot `tether agent`.
 *
 * Every tether process gets a fresh temp data dir and an environment with the
 * user's TETHER_* variables removed (an echo delay or config file in the shell
 * would skew the figures), logs at warn and heartbeats off. Children are plain
 * `node` processes spawned without a shell, so `pid` is the process measured.
 * `close` ends stdin, then escalates to SIGTERM and SIGKILL; a process-exit hook
 * kills whatever is still alive and removes every temp dir, so an exception in a
 * bench cannot leave children or data behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_OPTIONS } from '../../rpc-host/node-options.js';
import { LineClient, check, expectResult } from './line-client.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The compiled `tether` command. */
export const CLI_PATH = join(ROOT, 'dist', 'rpc-host', 'cli.cjs');
/** The floor: a bare Node child that echoes lines. */
export const FLOOR_PATH = join(ROOT, 'bench', 'fixtures', 'echo-lines.mjs');

const STDERR_TAIL_BYTES = 4096;
const EXIT_WAIT_MS = 5000;
const KILL_WAIT_MS = 2000;

const liveChildren = new Set<ChildProcess>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
process.once('SIGINT', () => process.exit(130)); // Ctrl+C: still run the clean-up above

/** A running child with a line client on its stdio. */
export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  /** The child's data dir (tether children only). */
  readonly home: string | undefined;
  readonly client: LineClient;
  /** The last few KiB the child wrote to stderr. */
  stderrTail(): string;
  /** Ends the child (stdin EOF, then SIGTERM, then SIGKILL) and removes its temp dir. */
  close(): Promise<void>;
}

/** Creates a fresh data dir, removed at `removeTempHome` or at exit. */
export function makeTempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-bench-'));
  tempDirs.add(dir);
  return dir;
}

/** Removes a data dir made by `makeTempHome`. */
export function removeTempHome(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** The environment of a tether process rooted at `home`. */
export function tetherEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TETHER_')) env[key] = value;
  }
  // The Node options the app's child runs with (main/core/gateway-env.ts).
  return { ...env, TETHER_HOME: home, TETHER_LOG: 'warn', TETHER_HEARTBEATS: 'off', NODE_OPTIONS: GATEWAY_NODE_OPTIONS };
}

/** Throws a helpful error when the child has not been compiled. */
export function ensureBuilt(): void {
  check(existsSync(CLI_PATH), () => `${CLI_PATH} not found: build the child first with "npm run build" (or use "npm run bench")`);
}

/**
 * Starts `node dist/rpc-host/cli.cjs rpc` on a fresh data dir and waits until it answers `status`.
 *
 * `nodeArgs` go before the script (e.g. `--cpu-prof`); `config` is written as the
 * data dir's config.json (e.g. to point the gateway at a bench's own server); `env`
 * is added to the environment (e.g. `TETHER_CHECKPOINT_MS`), after the defaults;
 * `rpcArgs` go after `rpc` (e.g. `--listen`).
 */
export async function startTether(nodeArgs: string[] = [], config?: unknown, env: Record<string, string> = {}, rpcArgs: string[] = []): Promise<BenchChild> {
  const home = makeTempHome();
  if (config !== undefined) writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return startTetherIn(home, nodeArgs, env, rpcArgs);
}

/** Starts `tether rpc` on an existing data dir (made by `makeTempHome`, e.g. with sessions written into it). */
export async function startTetherIn(home: string, nodeArgs: string[] = [], env: Record<string, string> = {}, rpcArgs: string[] = []): Promise<BenchChild> {
  ensureBuilt();
  const child = startChild('tether rpc', [...nodeArgs, CLI_PATH, 'rpc', ...rpcArgs], { ...tetherEnv(home), ...env }, home);
  try {
    const { response } = await child.client.exchange('{"type":"status","id":"ready"}\n', 'ready', 'the first status', 10_000);
    const payload = expectResult(response, 'the first status');
    check(payload.pid === child.pid, () => `status answered with pid ${String(payload.pid)}, expected ${child.pid}`);
  } catch (error) {
    await child.close();
    throw error;
  }
  return child;
}

/** Starts the floor and waits until it echoes a line. */
export async function startFloor(): Promise<BenchChild> {
  const child = startChild('floor (echo-lines)', [FLOOR_PATH], process.env, undefined);
  try {
    await child.client.exchange('{"type":"ping","id":"ready"}\n', 'ready', 'the first echo', 10_000);
  } catch (error) {
    await child.close();
    throw error;
  }
  return child;
}

/** Starts `node SCRIPT ARGS` as a bench child with a line client on its stdio (a bench's own floor). */
export function startNodeScript(name: string, script: string, args: string[] = []): BenchChild {
  return startChild(name, [script, ...args], process.env, undefined);
}

/** Starts `tether rpc` and the floor together; if either fails, the other is closed. */
export async function startSideBySide(): Promise<{ tether: BenchChild; floor: BenchChild }> {
  const [tether, floor] = await Promise.allSettled([startTether(), startFloor()]);
  if (tether.status === 'fulfilled' && floor.status === 'fulfilled') return { tether: tether.value, floor: floor.value };
  for (const started of [tether, floor]) if (started.status === 'fulfilled') await started.value.close();
  throw tether.status === 'rejected' ? tether.reason : (floor as PromiseRejectedResult).reason;
}

/**
 * The CPU `pid` last ran on (field 39 of /proc/<pid>/stat), or undefined off Linux.
 *
 * On a small machine, whether a child is woken on its client's CPU or on another
 * one can change a round trip by tens of microseconds, so latency tables show it.
 */
export function lastCpu(pid: number): number | undefined {
  const cpu = Number(statFieldsAfterName(pid)?.[36]);
  return Number.isInteger(cpu) ? cpu : undefined;
}

/** The fields of /proc/<pid>/stat after the command name (field 3 first), or undefined off Linux. */
function statFieldsAfterName(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // no /proc: not Linux
  }
  // The command name (field 2) may contain spaces; count fields after its closing ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time `pid` has used so far, user plus system, in ms (fields 14 and 15 of
 * /proc/<pid>/stat), or undefined off Linux. The resolution is one tick (10 ms),
 * so a bench divides a difference over thousands of requests.
 */
export function cpuMs(pid: number): number | undefined {
  const fields = statFieldsAfterName(pid);
  if (fields === undefined) return undefined;
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
}

/** The kernel's resident set size of `pid` in bytes (VmRSS), or undefined off Linux. */
export function vmRss(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/u.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** What a one-shot process printed and how it ended. */
export interface OneShotResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs `node <args>` to completion with stdin closed. */
export function runOneShot(args: string[], env: NodeJS.ProcessEnv): Promise<OneShotResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error) => {
      liveChildren.delete(child);
      reject(new Error(`could not start ${process.execPath} ${args.join(' ')}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      liveChildren.delete(child);
      resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code, signal });
    });
  });
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, home: string | undefined): BenchChild {
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  liveChildren.add(child);
  let stderr = '';
  let exited = child.exitCode !== null;
  const exitWaiters: Array<() => void> = [];
  const describe = () => `${name} (pid ${child.pid ?? '?'})${stderr.trim() === '' ? '' : `; recent stderr:\n${stderr.trimEnd()}`}`;
  const client = new LineClient(child.stdout!, child.stdin!, describe);

  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
  });
  child.stdin!.on('error', (error) => client.fail(new Error(`writing to ${describe()} failed: ${error.message}`)));
  child.once('error', (error) => client.fail(new Error(`could not run ${name}: ${error.message}`)));
  child.once('exit', (code, signal) => {
    exited = true;
    liveChildren.delete(child);
    client.fail(new Error(`${describe()} exited (code ${code}, signal ${signal})`));
    for (const wake of exitWaiters.splice(0)) wake();
  });

  const exitWithin = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (exited) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  return {
    name,
    pid: child.pid ?? -1,
    home,
    client,
    stderrTail: () => stderr,
    async close() {
      if (!exited) {
        child.stdin!.end();
        if (!(await exitWithin(EXIT_WAIT_MS))) {
          child.kill('SIGTERM');
          if (!(await exitWithin(KILL_WAIT_MS))) {
            child.kill('SIGKILL');
            await exitWithin(KILL_WAIT_MS);
          }
        }
      }
      if (home !== undefined) removeTempHome(home);
    },
  };
}
