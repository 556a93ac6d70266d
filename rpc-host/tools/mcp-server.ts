/**
 * One configured MCP server over its lifetime: started on first use (or at
 * launch), its tools listed once it is up, restarted with backoff after a crash,
 * stopped at shutdown.
 *
 * The lifecycle is a tagged union (`ServerState`), and how a server is reached is
 * injected (`ServerConnector`: the SDK client over stdio or HTTP in the gateway, an
 * in-memory pair in tests), so every arrow can be driven with fake timers.
 *
 * A server that crashes after it was up is started again by itself after a delay
 * that doubles with each crash in a row (from 250 ms to 30 s; a server that stayed
 * up for a minute starts from 250 ms again). One that fails to start is not retried
 * by itself (a wrong command would only fail again): the next use tries again once
 * its delay has passed, and until then is told why it failed, at once.
 */
import { errorMessage } from '../protocol/errors.js';

/** One tool as a server lists it (the MCP `Tool` fields the gateway uses). */
export interface McpTool {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown> | undefined;
}

/** What a tool call returned, as text for the model and the transcript. */
export interface ToolCallOutcome {
  ok: boolean;
  text: string;
}

/** A live connection to a started server. */
export interface ServerSession {
  readonly tools: readonly McpTool[];
  /** The server's pid, for stdio servers. */
  readonly pid: number | undefined;
  call(tool: string, args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<ToolCallOutcome>;
  /** Stops the server (stdio: the whole process tree); resolves once it is gone. */
  close(): Promise<void>;
}

/** How a connector tells the server it ended without being asked (a crash, a lost connection). */
export interface ConnectHooks {
  onStderr(text: string): void;
  onUnexpectedClose(): void;
  /** The server said its tools changed, and they were listed again (`error`: listing them failed; the old list stays). */
  onToolsChanged?(count: number, error?: unknown): void;
}

/** Starts (or connects to) the server and lists its tools. */
export type ServerConnector = (hooks: ConnectHooks) => Promise<ServerSession>;

export type ServerState =
  | { kind: 'idle' }
  | { kind: 'starting'; ready: Promise<ServerSession> }
  | { kind: 'ready'; session: ServerSession; since: number }
  | { kind: 'restarting'; error: string; retryAt: number; timer: NodeJS.Timeout }
  | { kind: 'failed'; error: string; retryAt: number }
  | { kind: 'stopped' };

/** What `status` and `tools` show of a server. */
export interface ServerReport {
  name: string;
  transport: 'stdio' | 'http';
  state: ServerState['kind'];
  tools: number;
  restarts: number;
  pid?: number;
  error?: string;
  retryAt?: number;
  stderrTail?: string;
}

export const FIRST_RETRY_MS = 250;
export const MAX_RETRY_MS = 30_000;
/** A server up this long is stable again: its next crash restarts it after the first delay. */
export const STABLE_AFTER_MS = 60_000;
const STDERR_TAIL_CHARS = 4000;

/** Injected clock and timers (fake in tests). */
export interface ServerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

const REAL_CLOCK: ServerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

/** A configured MCP server. */
export class ToolServer {
  private current: ServerState = { kind: 'idle' };
  private failuresInARow = 0;
  private restarts = 0;
  private stderrTail = '';

  constructor(
    readonly name: string,
    readonly transport: 'stdio' | 'http',
    private readonly connect: ServerConnector,
    private readonly onLog: (level: 'info' | 'warn', message: string) => void = () => {},
    private readonly clock: ServerClock = REAL_CLOCK,
  ) {}

  get state(): ServerState {
    return this.current;
  }

  /** The server's tools, starting it first if need be; rejects with why it cannot start. */
  async ready(): Promise<ServerSession> {
    const state = this.current;
    switch (state.kind) {
      case 'ready':
        return state.session;
      case 'starting':
        return state.ready;
      case 'restarting':
        this.clock.clearTimeout(state.timer);
        return this.start(); // someone needs it now: do not wait out the delay
      case 'failed':
        if (this.clock.now() < state.retryAt) {
          throw new Error(`${this.describe()} failed to start: ${state.error}; it is tried again in ${state.retryAt - this.clock.now()} ms${this.stderrNote()}`);
        }
        return this.start();
      case 'idle':
        return this.start();
      case 'stopped':
        throw new Error(`${this.describe()} is stopped (the gateway is shutting down)`);
    }
  }

  /** Calls one tool; a server that is down is started (or restarted) first. */
  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<ToolCallOutcome> {
    const session = await this.ready();
    return session.call(tool, args, signal, timeoutMs);
  }

  /** Stops the server for good (shutdown). */
  async stop(): Promise<void> {
    const state = this.current;
    this.current = { kind: 'stopped' };
    if (state.kind === 'restarting') this.clock.clearTimeout(state.timer);
    if (state.kind === 'ready') await state.session.close();
    if (state.kind === 'starting') await state.ready.then((session) => session.close(), () => undefined);
  }

  /** What `status` and `tools` show. */
  report(): ServerReport {
    const state = this.current;
    const report: ServerReport = { name: this.name, transport: this.transport, state: state.kind, tools: 0, restarts: this.restarts };
    if (state.kind === 'ready') {
      report.tools = state.session.tools.length;
      if (state.session.pid !== undefined) report.pid = state.session.pid;
    }
    if (state.kind === 'restarting' || state.kind === 'failed') {
      report.error = state.error;
      report.retryAt = state.retryAt;
    }
    if (this.stderrTail !== '') report.stderrTail = this.stderrTail;
    return report;
  }

  private start(): Promise<ServerSession> {
    let session: ServerSession | undefined;
    const ready = this.connect({
      onStderr: (text) => {
        this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      },
      onUnexpectedClose: () => {
        if (session !== undefined) this.crashed(session);
      },
      onToolsChanged: (count, error) => {
        if (error === undefined) this.onLog('info', `${this.describe()} changed its tools: it has ${count} tool(s) now`);
        else this.onLog('warn', `${this.describe()} changed its tools, but listing them again failed (${errorMessage(error)}); it keeps offering the ${count} it had`);
      },
    }).then(
      (started) => {
        session = started;
        if (this.current.kind === 'stopped') {
          void started.close(); // shut down while it was starting
          throw new Error(`${this.describe()} is stopped (the gateway is shutting down)`);
        }
        this.current = { kind: 'ready', session: started, since: this.clock.now() };
        this.onLog('info', `${this.describe()} is up with ${started.tools.length} tool(s)`);
        return started;
      },
      (error: unknown) => {
        if (this.current.kind === 'stopped') throw error;
        const message = errorMessage(error);
        this.failuresInARow++;
        this.current = { kind: 'failed', error: message, retryAt: this.clock.now() + this.delay() };
        this.onLog('warn', `${this.describe()} failed to start: ${message}${this.stderrNote()}`);
        throw new Error(`${this.describe()} failed to start: ${message}${this.stderrNote()}`);
      },
    );
    this.current = { kind: 'starting', ready };
    return ready;
  }

  private crashed(session: ServerSession): void {
    const state = this.current;
    if (state.kind !== 'ready' || state.session !== session) return; // stopped on purpose, or an older session
    if (this.clock.now() - state.since >= STABLE_AFTER_MS) this.failuresInARow = 0;
    this.failuresInARow++;
    const delay = this.delay();
    const error = `the server exited unexpectedly${this.stderrNote()}`;
    const timer = this.clock.setTimeout(() => {
      this.restarts++;
      this.start().catch(() => undefined); // a failed restart is reported by its state
    }, delay);
    timer.unref?.();
    this.current = { kind: 'restarting', error, retryAt: this.clock.now() + delay, timer };
    this.onLog('warn', `${this.describe()} exited unexpectedly; restarting in ${delay} ms${this.stderrNote()}`);
  }

  /** Backoff: the first delay, doubled for each further failure in a row, capped. */
  private delay(): number {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, this.failuresInARow - 1));
  }

  private describe(): string {
    return `MCP server "${this.name}"`;
  }

  private stderrNote(): string {
    const tail = this.stderrTail.trim();
    return tail === '' ? '' : `; stderr: ${tail.slice(-500)}`;
  }
}
