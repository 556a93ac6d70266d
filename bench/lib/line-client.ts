/**
 * The client side of a line-based child: LF framing in, raw writes out.
 *
 * Lines are handed, in order and synchronously as each one is framed, to a single
 * visitor set with `until`; lines that arrive while nobody is listening wait in a
 * queue. `exchange` builds one request/response round trip on top of that. Every
 * wait has a timeout and is rejected at once when the child dies, with the child's
 * recent stderr in the message, so a broken child fails the bench instead of
 * hanging it. The same code serves `tether rpc` and the floor, so client-side cost
 * is identical on both sides of every ratio.
 */
import type { Readable, Writable } from 'node:stream';

const LF = 0x0a;

/** Longest any single wait may take before the bench gives up. */
export const DEFAULT_WAIT_MS = 30_000;

/** One protocol message as the bench sees it: loosely typed, checked field by field. */
export interface WireMessage {
  type?: unknown;
  ok?: unknown;
  id?: unknown;
  event?: unknown;
  payload?: unknown;
  code?: unknown;
  error?: unknown;
}

/** A finished round trip: the response and the events that carried its id. */
export interface Exchange {
  response: WireMessage;
  events: WireMessage[];
}

interface Waiter {
  visit(line: string): boolean;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Reads LF-framed lines from `input` and writes requests to `output`. */
export class LineClient {
  private partial: Buffer[] = [];
  private queued: string[] = [];
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  private readonly failed: Promise<never>;
  private rejectFailed: (error: Error) => void = () => {};

  constructor(
    input: Readable,
    private readonly output: Writable,
    /** Says who the peer is and what it last wrote to stderr, for error messages. */
    private readonly describe: () => string,
  ) {
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => {}); // only observed through races below
    input.on('data', (chunk: Buffer) => this.onChunk(chunk));
  }

  /** Writes without waiting; for small requests in sequential round trips. */
  write(data: string | Buffer): void {
    if (this.failure) throw this.failure;
    this.output.write(data);
  }

  /** Writes chunk after chunk, waiting for `drain` whenever the pipe is full. */
  async writeAll(chunks: Iterable<string | Buffer>): Promise<void> {
    for (const chunk of chunks) {
      if (this.failure) throw this.failure;
      if (this.output.write(chunk)) continue;
      await Promise.race([new Promise((resolve) => this.output.once('drain', resolve)), this.failed]);
    }
  }

  /**
   * Feeds each line to `visit` until it returns true.
   *
   * `visit` runs synchronously as lines are framed; if it throws (a failed check),
   * the wait rejects with that error.
   */
  until(visit: (line: string) => boolean, what: string, timeoutMs: number = DEFAULT_WAIT_MS): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error(`bug: waiting for ${what} while another wait is running`));
    try {
      while (this.queued.length > 0) {
        if (visit(this.queued.shift()!)) return Promise.resolve();
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${this.describe()}`));
      }, timeoutMs);
      this.waiter = { visit, resolve, reject, timer };
    });
  }

  /** Sends one request line and resolves with the response that carries `id`. */
  async exchange(line: string, id: string | number, what: string, timeoutMs?: number): Promise<Exchange> {
    const events: WireMessage[] = [];
    let response: WireMessage | undefined;
    const done = this.until(
      (raw) => {
        const message = parseMessage(raw);
        if (message.type === 'event') {
          events.push(message);
          return false;
        }
        if (message.id !== id) throw new Error(`expected the response to ${what} (id ${JSON.stringify(id)}), got ${clip(raw)}`);
        response = message;
        return true;
      },
      what,
      timeoutMs,
    );
    this.write(line);
    await done;
    return { response: response!, events };
  }

  /** Fails the current and every later wait (the peer exited or broke the pipe). */
  fail(error: Error): void {
    if (this.failure) return; // the first cause is the one worth reporting
    this.failure = error;
    this.rejectFailed(error);
    const waiter = this.waiter;
    if (!waiter) return; // nobody is waiting
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  private onChunk(chunk: Buffer): void {
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
      let line: string;
      if (this.partial.length === 0) {
        line = chunk.toString('utf8', start, lf);
      } else {
        this.partial.push(chunk.subarray(start, lf));
        line = Buffer.concat(this.partial).toString('utf8');
        this.partial = [];
      }
      start = lf + 1;
      this.deliver(line);
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
  }

  private deliver(line: string): void {
    const waiter = this.waiter;
    if (!waiter) {
      this.queued.push(line);
      return;
    }
    let done: boolean;
    try {
      done = waiter.visit(line);
    } catch (error) {
      this.waiter = undefined;
      clearTimeout(waiter.timer);
      waiter.reject(error as Error);
      return;
    }
    if (!done) return; // the visitor wants more lines
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve();
  }
}

/** Parses one line as a JSON object, or throws naming the line. */
export function parseMessage(line: string): WireMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(`the child wrote a line that is not JSON (${(error as Error).message}): ${clip(line)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`the child wrote a line that is not a JSON object: ${clip(line)}`);
  return value as WireMessage;
}

/** Throws unless `response` is a successful result; returns its payload. */
export function expectResult(response: WireMessage, what: string): Record<string, unknown> {
  if (response.type !== 'result' || response.ok !== true) {
    throw new Error(`${what} failed: ${clip(JSON.stringify(response))}`);
  }
  const payload = response.payload;
  if (typeof payload !== 'object' || payload === null) throw new Error(`${what}: result has no payload object`);
  return payload as Record<string, unknown>;
}

/** The reply text of a send result (`payload.payloads[0].text`), or throws. */
export function replyText(payload: Record<string, unknown>, what: string): string {
  const payloads = payload.payloads;
  const first = Array.isArray(payloads) ? (payloads[0] as { text?: unknown } | undefined) : undefined;
  if (typeof first?.text !== 'string') throw new Error(`${what}: payload has no payloads[0].text`);
  return first.text;
}

/** Throws `message` unless `condition` holds. */
export function check(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new Error(message());
}

/** The first 200 characters of a line, for error messages about huge lines. */
export function clip(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 200)}… (${text.length} chars)`;
}
