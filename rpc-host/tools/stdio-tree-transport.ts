/**
 * The MCP SDK's stdio transport, with the server started as a process tree of our
 * own (`process-tree/`), so a stdio MCP server is owned, recorded and reaped exactly
 * like a `command` provider: its own process group, killed whole (the server and
 * anything it started, e.g. `npx` and the node under it), and killed by the next
 * gateway or the supervisor if this gateway dies without doing it.
 *
 * The SDK's `StdioClientTransport` spawns with cross-spawn outside any group, so
 * `close()` reaches only the direct child. Framing is the SDK's own (`ReadBuffer`,
 * `serializeMessage`): only the process handling is ours. The SDK module is passed
 * in, because it is loaded on first use (see `mcp-server.ts`).
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type * as SdkStdio from '@modelcontextprotocol/sdk/shared/stdio.js';
import { startProcessTree, type ProcessTree } from '../process-tree/process-tree.js';
import type { TreeRecords } from '../process-tree/tree-records.js';

/** How much of the server's stderr is kept for `status` and error messages. */
export const STDERR_TAIL_CHARS = 4000;
/** After stdin EOF, how long the server gets to exit by itself before SIGTERM; then as long again before SIGKILL. */
const CLOSE_GRACE_MS = 1000;

/** What starting the server needs. */
export interface StdioTreeOptions {
  command: string;
  args: readonly string[];
  /** The whole environment of the server. */
  env: NodeJS.ProcessEnv;
  cwd: string | undefined;
  /** A label for tree records and log lines, e.g. `MCP server "files"`. */
  label: string;
  records: TreeRecords | undefined;
  /** Hears every piece of stderr (already decoded). */
  onStderr(text: string): void;
}

/** Process trees of MCP servers still running, killed when the gateway process exits however it exits. */
const liveTrees = new Set<ProcessTree>();
let exitHookInstalled = false;

function track(tree: ProcessTree): void {
  liveTrees.add(tree);
  if (exitHookInstalled) return; // once per process
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const live of liveTrees) signalQuietly(live, 'SIGKILL');
  });
}

/** An SDK `Transport` over a server process tree. */
export class StdioTreeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private tree: ProcessTree | undefined;
  private readonly buffer: SdkStdio.ReadBuffer;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly sdk: typeof SdkStdio,
    private readonly options: StdioTreeOptions,
  ) {
    this.buffer = new sdk.ReadBuffer();
  }

  /** The server's pid while it runs. */
  get pid(): number | undefined {
    return this.tree?.pid;
  }

  start(): Promise<void> {
    if (this.tree) throw new Error(`${this.options.label} was already started; make a new transport to start it again`);
    const { command, args, env, cwd, label, records } = this.options;
    const tree = startProcessTree({ file: command, args, cwd, env });
    this.tree = tree;
    const { child } = tree;
    return new Promise((resolve, reject) => {
      child.once('spawn', () => {
        track(tree);
        records?.add(tree, label, CLOSE_GRACE_MS);
        resolve();
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        const hint = error.code === 'ENOENT' ? `; is "${command}" installed and on PATH?` : '';
        const failure = new Error(`${label} could not start: ${error.message}${hint}`);
        if (tree.pid === undefined) reject(failure);
        this.onerror?.(failure);
      });
      child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => this.options.onStderr(text));
      child.stdin.on('error', (error) => this.onerror?.(error)); // EPIPE once the server died: its exit tells the rest
      child.once('close', () => {
        signalQuietly(tree, 'SIGKILL'); // whatever it left running goes with it
        liveTrees.delete(tree);
        records?.remove(tree);
        this.buffer.clear();
        this.onclose?.();
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.tree?.child.stdin;
    if (!stdin || !stdin.writable) return Promise.reject(new Error(`${this.options.label} is not running`));
    return new Promise((resolve, reject) => {
      const flushed = stdin.write(this.sdk.serializeMessage(message), (error) => (error ? reject(error) : undefined));
      if (flushed) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Staged stop: stdin EOF, then SIGTERM to the group, then SIGKILL; resolves when the server has exited. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    const tree = this.tree;
    if (!tree || tree.pid === undefined || tree.exit) return; // never started, or already gone
    tree.child.stdin.end();
    if (await exitsWithin(tree, CLOSE_GRACE_MS)) return;
    signalQuietly(tree, 'SIGTERM');
    if (await exitsWithin(tree, CLOSE_GRACE_MS)) return;
    signalQuietly(tree, 'SIGKILL');
    await tree.exited;
  }

  private receive(chunk: Buffer): void {
    try {
      this.buffer.append(chunk);
    } catch (error) {
      // One message larger than the SDK's buffer limit: the stream cannot be resynchronised.
      this.onerror?.(new Error(`${this.options.label} sent a message larger than the read buffer allows (${error instanceof Error ? error.message : String(error)}); stopping it`));
      void this.close();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        this.onerror?.(error instanceof Error ? error : new Error(String(error))); // a line that is not JSON-RPC: skipped
        continue;
      }
      if (message === null) return; // no whole line yet
      this.onmessage?.(message);
    }
  }
}

function exitsWithin(tree: ProcessTree, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void tree.exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function signalQuietly(tree: ProcessTree, signal: NodeJS.Signals): void {
  try {
    tree.signal(signal);
  } catch {
    // EPERM: a member changed user; nothing more we can do from here
  }
}
