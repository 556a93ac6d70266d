/**
 * An in-memory linked pair for protocol tests (in the spirit of the MCP SDK's
 * `InMemoryTransport`): no child process, no stdio.
 *
 * The "client" side writes raw bytes or strings, so a test can split chunks
 * anywhere; they go through a real `JsonlReader` into an `RpcConnection` over a
 * real `Gateway` whose data dir is a fresh temp dir. Everything the connection
 * writes is split into lines and parsed on the client side.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type GatewayConfig } from '../../rpc-host/core/config.js';
import { Gateway } from '../../rpc-host/core/gateway.js';
import { JsonlReader } from '../../rpc-host/protocol/jsonl.js';
import type { RequestId } from '../../rpc-host/protocol/schemas.js';
import { RpcConnection } from '../../rpc-host/rpc-connection.js';

/** Config keys a test may override; nested objects are merged over the defaults. */
export interface TestConfigOverrides {
  provider?: string;
  echo?: Partial<GatewayConfig['echo']>;
  heartbeats?: Partial<GatewayConfig['heartbeats']>;
  delivery?: Partial<GatewayConfig['delivery']>;
  maxLineBytes?: number;
  maxQueuedPerSession?: number;
  shutdownGraceMs?: number;
}

/**
 * A gateway config rooted at `dataDir`, with heartbeats off unless asked for.
 *
 * Built by `loadConfig` with an empty environment, so nothing from the developer's
 * shell (TETHER_HOME, TETHER_ECHO_DELAY_MS, …) leaks into a test.
 */
export function makeTestConfig(dataDir: string, overrides: TestConfigOverrides = {}): GatewayConfig {
  const base = loadConfig({ dataDir, heartbeatsEnabled: false }, {});
  return {
    ...base,
    ...(overrides.provider !== undefined ? { provider: overrides.provider } : {}),
    ...(overrides.maxLineBytes !== undefined ? { maxLineBytes: overrides.maxLineBytes } : {}),
    ...(overrides.maxQueuedPerSession !== undefined ? { maxQueuedPerSession: overrides.maxQueuedPerSession } : {}),
    ...(overrides.shutdownGraceMs !== undefined ? { shutdownGraceMs: overrides.shutdownGraceMs } : {}),
    echo: { ...base.echo, ...overrides.echo },
    heartbeats: { ...base.heartbeats, ...overrides.heartbeats },
    delivery: { ...base.delivery, ...overrides.delivery },
  };
}

/** One line the connection wrote, parsed (loosely typed: tests validate with the wire schemas). */
export interface WireMessage {
  type: string;
  ok?: boolean;
  id?: RequestId;
  code?: string;
  error?: string;
  event?: string;
  payload?: Record<string, unknown>;
}

/** How to build a pair. */
export interface InMemoryPairOptions {
  config?: TestConfigOverrides;
  /** Build a long-lived gateway (heartbeat timer, lag monitor) as the RPC host does; default true, the timer gated by config.heartbeats.enabled. */
  longLived?: boolean;
  /** A second connection to this pair's gateway (as a second socket client is): its close ends only the connection. */
  sharedWith?: InMemoryPair;
}

/** The client end of a linked pair, plus the server parts for direct inspection. */
export interface InMemoryPair {
  readonly config: GatewayConfig;
  readonly dataDir: string;
  readonly gateway: Gateway;
  readonly connection: RpcConnection;
  readonly reader: JsonlReader;
  /** Writes one request as one JSON line. */
  request(message: object): void;
  /** Writes raw input exactly as given (strings are encoded as UTF-8). */
  writeRaw(data: string | Uint8Array): void;
  /** Signals end of input (flushes a last line without LF). */
  end(): void;
  /**
   * The first message not yet returned by an earlier call that matches, waiting
   * up to `timeoutMs` for it. Messages are taken in output order, so two calls
   * with the same predicate return two different lines.
   */
  nextMatching(predicate: (message: WireMessage) => boolean, timeoutMs?: number): Promise<WireMessage>;
  /** Every line written so far, parsed, in output order. */
  all(): WireMessage[];
  /** Every `write` call the connection made, verbatim. */
  rawWrites(): string[];
  /** Shuts the gateway down (grace 0 by default) and removes the data dir. */
  close(graceMs?: number): Promise<void>;
}

/** Creates a linked pair over a fresh gateway in a temp data dir. */
export async function createInMemoryPair(options: InMemoryPairOptions = {}): Promise<InMemoryPair> {
  const shared = options.sharedWith;
  const dataDir = shared?.dataDir ?? (await mkdtemp(join(tmpdir(), 'tether-pair-')));
  const config = shared?.config ?? makeTestConfig(dataDir, options.config);
  const gateway = shared?.gateway ?? new Gateway({ config, longLived: options.longLived ?? true });
  const writes: string[] = [];
  const messages: WireMessage[] = [];
  const taken = new Set<number>();
  let partial = '';
  let waiters: Array<() => void> = [];

  const connection = new RpcConnection({
    gateway,
    write(line) {
      writes.push(line);
      partial += line;
      let lf = partial.indexOf('\n');
      while (lf !== -1) {
        messages.push(JSON.parse(partial.slice(0, lf)) as WireMessage);
        partial = partial.slice(lf + 1);
        lf = partial.indexOf('\n');
      }
      const wake = waiters;
      waiters = [];
      for (const waiter of wake) waiter();
    },
  });
  const reader = new JsonlReader((frame) => connection.handleFrame(frame), config.maxLineBytes);

  const findUntaken = (predicate: (message: WireMessage) => boolean): number =>
    messages.findIndex((message, index) => !taken.has(index) && predicate(message));

  let closed = false;
  return {
    config,
    dataDir,
    gateway,
    connection,
    reader,
    request(message) {
      reader.push(Buffer.from(JSON.stringify(message) + '\n', 'utf8'));
    },
    writeRaw(data) {
      reader.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    },
    end() {
      reader.end();
    },
    nextMatching(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const index = findUntaken(predicate);
          if (index === -1) return false;
          taken.add(index);
          resolve(messages[index]!);
          return true;
        };
        if (check()) return;
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== onWrite);
          const seen = messages.map((message) => JSON.stringify(message)).join('\n  ');
          reject(new Error(`no matching line within ${timeoutMs} ms; lines so far:\n  ${seen}`));
        }, timeoutMs);
        const onWrite = (): void => {
          if (check()) clearTimeout(timer);
          else waiters.push(onWrite);
        };
        waiters.push(onWrite);
      });
    },
    all() {
      return [...messages];
    },
    rawWrites() {
      return [...writes];
    },
    async close(graceMs = 0) {
      if (closed) return; // already closed
      closed = true;
      if (shared) {
        await connection.whenIdle();
        connection.close();
        return; // the gateway and its data dir belong to the first pair
      }
      await gateway.shutdown(graceMs);
      await connection.whenIdle();
      connection.close();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Predicate: the result or error answering the request with this id. */
export function responseTo(id: RequestId): (message: WireMessage) => boolean {
  return (message) => (message.type === 'result' || message.type === 'error') && message.id === id;
}

/** Predicate: an event by name, optionally only those caused by the request with this id. */
export function eventNamed(event: string, id?: RequestId): (message: WireMessage) => boolean {
  return (message) => message.type === 'event' && message.event === event && (id === undefined || message.id === id);
}

/** Predicate: any id-less result or error. */
export function idlessResponse(message: WireMessage): boolean {
  return (message.type === 'result' || message.type === 'error') && message.id === undefined;
}
