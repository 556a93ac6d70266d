/**
 * Drives the real compiled `tether rpc` child over its pipes, and runs the one-shot
 * `tether` CLI, for the integration tests.
 *
 * `startRpcChild` spawns `node dist/rpc-host/cli.cjs rpc` (no shell) with a fresh
 * temp TETHER_HOME unless one is given and an environment scrubbed of the caller's
 * TETHER_* variables. stdout is split on LF only and every line parsed as JSON
 * (lines that do not parse are kept apart in `nonJsonLines`, so a test can prove
 * there are none); stderr is kept as text. Waiting is event-driven: every helper
 * resolves when the line it waits for arrives, or rejects after a timeout with the
 * child's recent stderr and stdout in the message.
 *
 * Call `cleanupRpcChildren` in `afterEach`: it kills children still running and
 * removes every temp dir the helpers made.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The compiled CLI the tests run (built by test/global-setup.ts). */
export const CLI_PATH = join(REPO_ROOT, 'dist', 'rpc-host', 'cli.cjs');

/** Default wait for one awaited line; generous for a loaded 2-core machine. */
export const DEFAULT_WAIT_MS = 20_000;

/** One stdout line, parsed. Loosely typed: tests validate payloads with the wire schemas. */
export interface WireMessage {
  type: string;
  ok?: boolean;
  id?: string | number;
  code?: string;
  error?: string;
  event?: string;
  payload?: Record<string, unknown>;
  [key: string]: unknown;
}

/** How a child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of `startRpcChild`. */
export interface RpcChildOptions {
  /** Data dir; default a fresh temp dir owned (and removed) by the child helper. */
  home?: string;
  /** Extra environment (TETHER_ECHO_DELAY_MS, …); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Extra arguments after `rpc`. */
  args?: string[];
}

const children = new Set<RpcChild>();
const tempDirs = new Set<string>();

/** Makes a temp dir that `cleanupRpcChildren` removes. */
export function createTempHome(prefix = 'tether-it-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Kills every child still running and removes every temp dir made by these helpers. */
export async function cleanupRpcChildren(): Promise<void> {
  const running = [...children];
  children.clear();
  await Promise.all(running.map((child) => child.cleanup()));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.clear();
}

/**
 * The environment for a child: the caller's, without TETHER_* (so a developer's
 * shell cannot leak into a test), with TETHER_HOME and XDG_DATA_HOME pointing at
 * the test's dir so nothing can land in ~/.local/share.
 */
export function childEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('TETHER_')) env[key] = value;
  }
  env.TETHER_HOME = home;
  env.XDG_DATA_HOME = home;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Spawns `tether rpc` and returns the handle once the process exists. */
export function startRpcChild(options: RpcChildOptions = {}): RpcChild {
  const ownsHome = options.home === undefined;
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'tether-rpc-'));
  const child = new RpcChild(home, ownsHome, options);
  children.add(child);
  return child;
}

interface Waiter {
  check(): boolean;
}

/** A running `tether rpc` child. */
export class RpcChild {
  /** The data dir (TETHER_HOME). */
  readonly home: string;
  readonly process: ChildProcessWithoutNullStreams;
  /** Every parsed stdout line, in output order. */
  readonly messages: WireMessage[] = [];
  /** Every stdout line that did not parse as a JSON object (should stay empty). */
  readonly nonJsonLines: string[] = [];
  /** Every result or error line, in output order. */
  readonly responses: WireMessage[] = [];
  /** Every stdout line verbatim (without its LF). */
  readonly stdoutLines: string[] = [];
  /** Everything the child wrote to stderr. */
  stderr = '';

  private readonly ownsHome: boolean;
  private readonly idlessResponses: WireMessage[] = [];
  private readonly claimed = new Set<WireMessage>();
  private readonly raw = new WeakMap<WireMessage, string>();
  private idlessSlots = 0;
  private pendingStdout: Buffer[] = [];
  private waiters = new Set<Waiter>();
  private exitInfo: ExitInfo | undefined;
  private readonly exited: Promise<ExitInfo>;

  constructor(home: string, ownsHome: boolean, options: RpcChildOptions) {
    this.home = home;
    this.ownsHome = ownsHome;
    this.process = spawn(process.execPath, [CLI_PATH, 'rpc', ...(options.args ?? [])], {
      cwd: REPO_ROOT,
      env: childEnv(home, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.process.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.process.stderr.setEncoding('utf8');
    this.process.stderr.on('data', (text: string) => {
      this.stderr += text;
      this.wake(); // a test may wait for a log line
    });
    this.process.stdin.on('error', () => {}); // EPIPE after the child exits: the exit itself is what tests look at
    this.exited = new Promise((resolve) => {
      this.process.on('error', (error) => {
        this.stderr += `\n[spawn error] ${error.message}\n`;
      });
      this.process.on('close', (code, signal) => {
        this.exitInfo = { code, signal };
        this.wake();
        resolve(this.exitInfo);
      });
    });
  }

  /** The child's pid. */
  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** True until the child has exited and its pipes closed. */
  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Writes one line: an object is serialized, a string is sent as is; LF is added. */
  writeLine(line: object | string): Promise<void> {
    const text = typeof line === 'string' ? line : JSON.stringify(line);
    if (!lineCarriesValidId(text)) this.idlessSlots++; // its answer takes a place in the id-less queue
    return this.writeRaw(text + '\n');
  }

  /** Writes bytes exactly as given; resolves once they are handed to the pipe. */
  writeRaw(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      const stdin = this.process.stdin;
      if (!stdin.writable) return resolve(); // the child is gone or input was ended
      stdin.write(data, () => resolve());
    });
  }

  /**
   * Tells the helper that `count` id-less answers will come for input written with
   * `writeRaw` (garbage lines, several lines in one write), so that later id-less
   * `request`s are matched to the right answers.
   */
  expectIdlessAnswers(count: number): void {
    this.idlessSlots += count;
  }

  /**
   * Sends a request and resolves with its response: by `id` when it has one,
   * otherwise the n-th id-less response for the n-th id-less request (FIFO).
   */
  request(message: Record<string, unknown>, timeoutMs = DEFAULT_WAIT_MS): Promise<WireMessage> {
    const id = message.id;
    if (isValidId(id)) {
      const answer = this.waitFor(
        () => this.responses.find((response) => response.id === id && !this.claimed.has(response)),
        timeoutMs,
        `the response to request id ${JSON.stringify(id)} (${JSON.stringify(message).slice(0, 200)})`,
      );
      void this.writeLine(message);
      return answer.then((response) => {
        this.claimed.add(response);
        return response;
      });
    }
    const slot = this.idlessSlots;
    void this.writeLine(message);
    return this.waitFor(
      () => this.idlessResponses[slot],
      timeoutMs,
      `id-less response #${slot} (${JSON.stringify(message).slice(0, 200)})`,
    );
  }

  /** Position in `messages` now; pass it as `from` to look only at later lines. */
  mark(): number {
    return this.messages.length;
  }

  /**
   * The first event at or after `from` (default: lines arriving from now on) that
   * matches, waiting up to `timeoutMs`.
   */
  nextEvent(predicate: (event: WireMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS, from = this.mark()): Promise<WireMessage> {
    let position = from;
    return this.waitFor(
      () => {
        for (; position < this.messages.length; position++) {
          const message = this.messages[position]!;
          if (message.type === 'event' && predicate(message)) return message;
        }
        return undefined;
      },
      timeoutMs,
      `an event matching ${predicate.toString().slice(0, 200)}`,
    );
  }

  /** Every event so far (from `from`) that matches. */
  events(predicate: (event: WireMessage) => boolean = () => true, from = 0): WireMessage[] {
    return this.messages.slice(from).filter((message) => message.type === 'event' && predicate(message));
  }

  /** Waits until `condition` holds, re-checking after every stdout line, stderr chunk and at exit. */
  waitUntil(condition: () => boolean, timeoutMs = DEFAULT_WAIT_MS, what = 'a condition'): Promise<void> {
    return this.waitFor(() => (condition() ? true : undefined), timeoutMs, what).then(() => undefined);
  }

  /** The exact stdout text of a parsed line. */
  rawLineOf(message: WireMessage): string {
    const raw = this.raw.get(message);
    if (raw === undefined) throw new Error('not a line of this child');
    return raw;
  }

  /** Closes the child's stdin (EOF). */
  endInput(): void {
    this.process.stdin.end();
  }

  /** Sends a signal to the child. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.process.kill(signal);
  }

  /** Resolves when the child has exited and its output is read. */
  waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<ExitInfo> {
    return this.waitFor(() => this.exitInfo, timeoutMs, 'the child to exit');
  }

  /** Kills the child if it still runs and removes its temp dir (when the helper made it). */
  async cleanup(): Promise<void> {
    children.delete(this);
    if (this.running) {
      this.process.kill('SIGKILL');
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    }
    if (this.ownsHome) rmSync(this.home, { recursive: true, force: true, maxRetries: 3 });
  }

  /** The last bit of stderr and stdout, for failure messages. */
  describeRecent(): string {
    const stdout = this.stdoutLines.slice(-15).map((line) => `  ${line.slice(0, 300)}`).join('\n');
    return `child pid ${this.pid} (${this.exitInfo ? `exited ${JSON.stringify(this.exitInfo)}` : 'running'})\n` +
      `recent stderr:\n${this.stderr.slice(-2000)}\nrecent stdout:\n${stdout}`;
  }

  private waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const found = find();
      if (found !== undefined) return resolve(found);
      const waiter: Waiter = {
        check: () => {
          const value = find();
          if (value === undefined) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describeRecent()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.check()) this.waiters.delete(waiter);
    }
  }

  private onStdout(chunk: Buffer): void {
    let start = 0;
    let received = false;
    for (let lf = chunk.indexOf(0x0a, start); lf !== -1; lf = chunk.indexOf(0x0a, start)) {
      this.pendingStdout.push(chunk.subarray(start, lf));
      const line = Buffer.concat(this.pendingStdout).toString('utf8');
      this.pendingStdout = [];
      this.onLine(line);
      received = true;
      start = lf + 1;
    }
    if (start < chunk.length) this.pendingStdout.push(chunk.subarray(start));
    if (received) this.wake();
  }

  private onLine(line: string): void {
    this.stdoutLines.push(line);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.nonJsonLines.push(line);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.nonJsonLines.push(line);
      return;
    }
    const message = value as WireMessage;
    this.raw.set(message, line);
    this.messages.push(message);
    if (message.type === 'result' || message.type === 'error') {
      this.responses.push(message);
      if (!('id' in message)) this.idlessResponses.push(message);
    }
  }
}

function isValidId(id: unknown): id is string | number {
  return (typeof id === 'string' && id.length <= 256) || (typeof id === 'number' && Number.isFinite(id));
}

/** True when the host will echo an id on this line's answer (so it skips the id-less queue). */
function lineCarriesValidId(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && isValidId((value as { id?: unknown }).id);
  } catch {
    return false;
  }
}

/** What a CLI run printed and how it ended. */
export interface CliResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tether ARGS` to completion (execa, no shell, stdin ignored).
 *
 * Output is kept verbatim (final newline included). Without TETHER_HOME in `env`
 * and without --home in `args`, a temp home is used, so nothing lands in the
 * user's data dir.
 */
export async function runCli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const hasHome = env.TETHER_HOME !== undefined || args.includes('--home');
  const home = hasHome ? (env.TETHER_HOME ?? createTempHome()) : createTempHome();
  const result = await execa(process.execPath, [CLI_PATH, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(home, env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: 60_000,
  });
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** Runs `tether agent ARGS` to completion; see `runCli`. */
export function runAgent(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['agent', ...args], env);
}
