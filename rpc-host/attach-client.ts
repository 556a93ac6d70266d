/**
 * The client side of the gateway's socket, for one-shot commands (`tether agent`,
 * `tether status`): find the gateway serving a data dir, connect with a short
 * timeout, and exchange requests with ids, hearing the events that carry them.
 *
 * Deliberately small: LF framing with the host's own reader, every line checked
 * against the wire schemas, one pending request per id. A connection that closes
 * before its answer rejects the request with a message naming the gateway.
 */
import type * as Net from 'node:net';
import type { Socket } from 'node:net';
import { findServingGateway, type GatewayLockInfo } from './listen/gateway-lock.js';
import { JsonlReader } from './protocol/jsonl.js';
import type { RequestId } from './protocol/requests.js';
import type { ErrorResponse, Event, OutboundMessageSchema, ResultResponse } from './protocol/results.js';
import { lazyBuiltin } from './lazy-builtin.js';

// Loaded only when a gateway's lock is found: a one-shot with none never opens a socket.
const net = lazyBuiltin<typeof Net>('node:net');

/** How long connecting may take before the gateway counts as not answering. */
export const CONNECT_TIMEOUT_MS = 1000;

/** The answer to one request. */
export type Answer = ResultResponse | ErrorResponse;

interface Pending {
  resolve(answer: Answer): void;
  reject(error: Error): void;
  onEvent: ((event: Event) => void) | undefined;
}

/** A connection to the gateway serving a data dir. */
export class GatewayLink {
  private readonly pending = new Map<RequestId, Pending>();
  private closedWith: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    /** Who serves the data dir, as its lock says. */
    readonly gateway: GatewayLockInfo,
    private readonly outbound: typeof OutboundMessageSchema,
  ) {
    const reader = new JsonlReader((frame) => {
      if (frame.kind === 'line') this.onLine(frame.line.toString('utf8'));
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => {}); // 'close' follows and says it
    socket.on('close', () => this.fail(new Error(`the gateway serving ${gateway.dataDir} (pid ${gateway.pid}) closed the connection on ${gateway.socket}`)));
  }

  /**
   * Connects to the gateway serving `dataDir`; undefined when none does (no live
   * lock) or its socket does not answer within `timeoutMs`.
   */
  static async connect(dataDir: string, timeoutMs: number = CONNECT_TIMEOUT_MS): Promise<GatewayLink | undefined> {
    const gateway = findServingGateway(dataDir);
    if (gateway === undefined) return undefined; // nobody serves this data dir
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const attempt = net().createConnection(gateway.socket);
      const timer = setTimeout(() => {
        attempt.destroy();
        resolve(undefined);
      }, timeoutMs);
      attempt.once('connect', () => {
        clearTimeout(timer);
        resolve(attempt);
      });
      attempt.once('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    if (socket === undefined) return undefined;
    // Built only now that a gateway answers: a one-shot with none never builds the result schemas.
    const { OutboundMessageSchema } = await import('./protocol/results.js');
    return new GatewayLink(socket, gateway, OutboundMessageSchema);
  }

  /** Sends one request (it must carry `id`); resolves with its answer, telling `onEvent` of the events with its id. */
  request(message: { type: string; id: RequestId } & Record<string, unknown>, onEvent?: (event: Event) => void): Promise<Answer> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject, onEvent });
      this.socket.write(JSON.stringify(message) + '\n');
    });
  }

  /** Sends a request without waiting for its answer (an abort on Ctrl+C). */
  notify(message: { type: string; id: RequestId } & Record<string, unknown>): void {
    if (!this.closedWith) this.socket.write(JSON.stringify(message) + '\n');
  }

  /** Ends the connection. */
  close(): void {
    this.socket.end();
  }

  private onLine(line: string): void {
    let parsed;
    try {
      parsed = this.outbound.safeParse(JSON.parse(line));
    } catch {
      return; // not JSON: nothing we asked for
    }
    if (!parsed.success) return; // not a protocol line
    const message = parsed.data;
    if (message.id === undefined) return; // not for one of our requests (another client's turn, a heartbeat)
    const pending = this.pending.get(message.id);
    if (pending === undefined) return; // an answer we no longer wait for
    if (message.type === 'event') {
      pending.onEvent?.(message);
      return;
    }
    this.pending.delete(message.id);
    pending.resolve(message);
  }

  private fail(error: Error): void {
    this.closedWith ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
