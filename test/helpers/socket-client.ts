/**
 * A test client of the gateway's socket: connects, writes lines, keeps every line
 * it reads (parsed, in order) and waits for them event by event, never by sleeping.
 * Every wait has a timeout whose message lists what arrived.
 */
import { createConnection, type Socket } from 'node:net';
import type { WireMessage } from './rpc-child.js';

const WAIT_MS = 20_000;

/** One client connection to a gateway socket. */
export class SocketClient {
  /** Every line read, parsed, in order. */
  readonly messages: WireMessage[] = [];
  /** Bytes read so far. */
  bytesRead = 0;
  /** Settles when the connection has closed. */
  readonly closed: Promise<void>;
  private partial = '';
  private waiters = new Set<() => void>();
  private isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.bytesRead += Buffer.byteLength(text);
      this.partial += text;
      let lf = this.partial.indexOf('\n');
      while (lf !== -1) {
        this.messages.push(JSON.parse(this.partial.slice(0, lf)) as WireMessage);
        this.partial = this.partial.slice(lf + 1);
        lf = this.partial.indexOf('\n');
      }
      this.wake();
    });
    socket.on('error', () => {}); // the close that follows is what tests look at
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connects to `path`; rejects when nothing listens there. */
  static connect(path: string): Promise<SocketClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => resolve(new SocketClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes one request line (an object is serialized; a string is written as is). */
  write(line: object | string): void {
    this.socket.write(typeof line === 'string' ? line : JSON.stringify(line) + '\n');
  }

  /** Writes a request with an id and resolves with its response. */
  async request(message: { id: string | number } & Record<string, unknown>, timeoutMs = WAIT_MS): Promise<WireMessage> {
    this.write(message);
    return this.waitFor((m) => (m.type === 'result' || m.type === 'error') && m.id === message.id, timeoutMs, `the response to ${JSON.stringify(message).slice(0, 120)}`);
  }

  /** The first line read so far or later that matches. */
  waitFor(predicate: (message: WireMessage) => boolean, timeoutMs = WAIT_MS, what = 'a matching line'): Promise<WireMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.messages.find(predicate);
        if (found) {
          finish();
          resolve(found);
          return true;
        }
        if (this.isClosed) {
          finish();
          reject(new Error(`connection closed before ${what}; lines: ${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs} ms; lines: ${this.describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
      };
      const onChange = () => void check();
      if (!check()) this.waiters.add(onChange);
    });
  }

  /** Ends the connection from this side and waits for it to close. */
  async close(): Promise<void> {
    this.socket.end();
    this.socket.resume();
    await this.closed;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private describe(): string {
    return this.messages.slice(-8).map((m) => JSON.stringify(m).slice(0, 200)).join('\n  ');
  }
}
