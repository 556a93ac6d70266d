/**
 * Two in-memory `LineTransport`s linked to each other (the MCP SDK's
 * `InMemoryTransport.createLinkedPair`), for testing a protocol without streams.
 *
 * A line one end sends reaches the other end's `onDidReceiveLine` in a microtask,
 * as an answer from a real peer would come later, never inside `send`. An end can
 * be `hold()`-ed to play a full pipe: its lines wait in its queue (`queuedLines`),
 * unannounced as written, until `release()`. `fail()` reports a stream error, as
 * EPIPE would. Closing one end drops its queue and ends the other end's input.
 */
import type { DroppedLine, LineTransport, TransportClosed, TransportError } from '../../main/core/line-transport.js';
import { Emitter, type Listener, type Unsubscribe } from '../../main/core/emitter.js';

/** One end of a linked pair. */
export class LinkedLineTransport implements LineTransport {
  /** Every line this end handed to its peer, in order. */
  readonly sent: string[] = [];
  private peer: LinkedLineTransport | undefined;
  private readonly lines = new Emitter<string>(rethrow);
  private readonly dropped = new Emitter<DroppedLine>(rethrow);
  private readonly errors = new Emitter<TransportError>(rethrow);
  private readonly closes = new Emitter<TransportClosed>(rethrow);
  private readonly queue: { line: string; onWritten: (() => void) | undefined }[] = [];
  private held = false;
  private closed = false;
  private inputDone = false;

  /** Links two ends; use `createLinkedLinePair`. */
  static link(a: LinkedLineTransport, b: LinkedLineTransport): void {
    a.peer = b;
    b.peer = a;
  }

  readonly onDidReceiveLine = (listener: Listener<string>): Unsubscribe => this.lines.event(listener);
  /** Never fires: nothing in memory is over a cap. */
  readonly onDidDropLine = (listener: Listener<DroppedLine>): Unsubscribe => this.dropped.event(listener);
  readonly onDidError = (listener: Listener<TransportError>): Unsubscribe => this.errors.event(listener);
  readonly onDidClose = (listener: Listener<TransportClosed>): Unsubscribe => this.closes.event(listener);

  get queuedLines(): number {
    return this.queue.length;
  }

  /** True once `close` was called on this end. */
  get isClosed(): boolean {
    return this.closed;
  }

  send(line: string, onWritten?: () => void): void {
    if (line.includes('\n')) throw new RangeError(`a line must not hold an LF: ${JSON.stringify(line.slice(0, 80))}`);
    if (this.closed) return; // closed: the line never leaves
    if (this.held) {
      this.queue.push({ line, onWritten });
      return;
    }
    this.deliver(line, onWritten);
  }

  /** Plays a full pipe: lines wait in the queue until `release`. */
  hold(): void {
    this.held = true;
  }

  /** Ends `hold`: the queued lines go out in order. */
  release(): void {
    this.held = false;
    for (const { line, onWritten } of this.queue.splice(0)) this.deliver(line, onWritten);
  }

  /** Reports a stream error on this end (EPIPE, say). */
  fail(error: Error): void {
    this.errors.fire({ error, stream: 'writable' });
  }

  close(): void {
    if (this.closed) return; // already closed
    this.closed = true;
    this.queue.length = 0;
    this.endInput('local');
    this.peer?.endInput('peer');
    this.lines.clear();
    this.dropped.clear();
    this.errors.clear();
    this.closes.clear();
  }

  private deliver(line: string, onWritten: (() => void) | undefined): void {
    const peer = this.peer;
    if (peer === undefined || peer.closed) return; // nobody reads it: it never left
    onWritten?.();
    this.sent.push(line);
    queueMicrotask(() => {
      if (!peer.closed) peer.lines.fire(line);
    });
  }

  private endInput(by: TransportClosed['by']): void {
    if (this.inputDone) return; // told once
    this.inputDone = true;
    this.closes.fire({ by });
  }
}

/** Creates two linked ends: what one sends, the other receives. */
export function createLinkedLinePair(): [LinkedLineTransport, LinkedLineTransport] {
  const a = new LinkedLineTransport();
  const b = new LinkedLineTransport();
  LinkedLineTransport.link(a, b);
  return [a, b];
}

/** A test's listener that throws fails the test instead of vanishing. */
function rethrow(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
