/**
 * The transport under the wire protocol: LF-framed lines over a byte stream, and
 * nothing about requests.
 *
 * It frames (the host's own `JsonlReader`: LF only, a trailing CR stripped, split
 * UTF-8 kept whole, an over-long line dropped and reported instead of buffered),
 * buffers (when the writable wants a `drain`, lines wait here in order), and closes.
 * Ids, schemas and timeouts are the protocol's (`RpcClient`). The streams are a
 * child's stdout and stdin, or one `Duplex` such as a `net.Socket`; they belong to
 * whoever made them (the process owner ends a child's stdin in stages), so `close`
 * ends the conversation, not the streams.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import { DEFAULT_MAX_LINE_BYTES, JsonlReader } from '../../rpc-host/protocol/jsonl.js';
import { Emitter, type Listener, type Unsubscribe } from './emitter.js';

/** A line dropped for being longer than the cap. */
export interface DroppedLine {
  /** 1-based, counting every line the peer sent. */
  lineNumber: number;
  maxBytes: number;
}

/** A stream error the transport caught (so it cannot crash the process), and whose it was. */
export interface TransportError {
  error: Error;
  /** `'writable'` for EPIPE on a child's stdin; `'duplex'` when one stream carries both ways. */
  stream: 'readable' | 'writable' | 'duplex';
}

/** Why no more lines will arrive. */
export interface TransportClosed {
  /** `'peer'`: the input ended or was closed; `'local'`: `close()` was called. */
  by: 'peer' | 'local';
}

/**
 * What a protocol needs of a transport of lines.
 *
 * Implemented over streams by `StreamLineTransport`, and in memory by the tests'
 * linked pair.
 */
export interface LineTransport {
  /**
   * Sends one line (JSON text; the transport adds the LF).
   *
   * `onWritten` runs when the line is handed to the stream, at once or after a
   * `drain`: from then on the peer may have read it. It never runs for a line that
   * `close` dropped from the queue, nor for one handed to a stream that no longer
   * takes writes (destroyed or ended).
   */
  send(line: string, onWritten?: () => void): void;
  /** Lines waiting for the writable to drain. */
  readonly queuedLines: number;
  /** Each line the peer sent, without its LF (or CR LF), decoded as UTF-8. */
  readonly onDidReceiveLine: (listener: Listener<string>) => Unsubscribe;
  /** A line over the cap, skipped up to its LF. */
  readonly onDidDropLine: (listener: Listener<DroppedLine>) => Unsubscribe;
  /** A stream error; lines go on until the input ends or `close`. */
  readonly onDidError: (listener: Listener<TransportError>) => Unsubscribe;
  /** Fires once, when no more lines will arrive. Sending still works until `close` (a half-closed peer may read on). */
  readonly onDidClose: (listener: Listener<TransportClosed>) => Unsubscribe;
  /** Drops the queued lines, refuses further ones and ignores further input. Idempotent. */
  close(): void;
}

/** The streams of a `StreamLineTransport`, and its limits. */
export interface StreamLineTransportOptions {
  /** Where the peer's lines come from (a child's stdout). */
  readable: Readable;
  /** Where lines go (a child's stdin). */
  writable: Writable;
  /** The longest line accepted from the peer; longer ones are dropped. Default 16 MiB. */
  maxLineBytes?: number;
  /** Told when a listener of this transport throws (the remaining listeners still run). */
  onListenerError?: (error: unknown) => void;
}

/** A `LineTransport` over a `Readable` and a `Writable`, or over one `Duplex`. */
export class StreamLineTransport implements LineTransport {
  private readonly lines: Emitter<string>;
  private readonly dropped: Emitter<DroppedLine>;
  private readonly errors: Emitter<TransportError>;
  private readonly closes: Emitter<TransportClosed>;
  private readonly reader: JsonlReader;
  private readonly writable: Writable;
  /** Lines waiting for `drain`, with what to tell once each is out. */
  private readonly queue: { line: string; onWritten: (() => void) | undefined }[] = [];
  private waitingForDrain = false;
  private closed = false;
  private inputDone = false;

  /** Over one stream both ways, such as a `net.Socket`. */
  static fromDuplex(duplex: Duplex, options: Omit<StreamLineTransportOptions, 'readable' | 'writable'> = {}): StreamLineTransport {
    return new StreamLineTransport({ ...options, readable: duplex, writable: duplex });
  }

  constructor(options: StreamLineTransportOptions) {
    const { readable, writable } = options;
    this.writable = writable;
    const onListenerError = options.onListenerError ?? (() => {});
    this.lines = new Emitter(onListenerError);
    this.dropped = new Emitter(onListenerError);
    this.errors = new Emitter(onListenerError);
    this.closes = new Emitter(onListenerError);
    this.reader = new JsonlReader((frame) => {
      if (frame.kind === 'line') this.lines.fire(frame.line.toString('utf8'));
      else this.dropped.fire({ lineNumber: frame.lineNumber, maxBytes: frame.maxBytes });
    }, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);

    // Read on after close too (and drop it), so a peer never blocks on a full pipe.
    readable.on('data', (chunk: Buffer) => {
      if (!this.closed) this.reader.push(chunk);
    });
    readable.on('end', () => {
      if (!this.closed) this.reader.end(); // a last line without LF
      this.endInput('peer');
    });
    readable.on('close', () => this.endInput('peer'));
    const duplex = (readable as unknown) === writable;
    readable.on('error', (error) => this.errors.fire({ error, stream: duplex ? 'duplex' : 'readable' }));
    if (!duplex) writable.on('error', (error) => this.errors.fire({ error, stream: 'writable' }));
    writable.on('drain', () => this.flushQueue());
  }

  readonly onDidReceiveLine = (listener: Listener<string>): Unsubscribe => this.lines.event(listener);
  readonly onDidDropLine = (listener: Listener<DroppedLine>): Unsubscribe => this.dropped.event(listener);
  readonly onDidError = (listener: Listener<TransportError>): Unsubscribe => this.errors.event(listener);
  readonly onDidClose = (listener: Listener<TransportClosed>): Unsubscribe => this.closes.event(listener);

  get queuedLines(): number {
    return this.queue.length;
  }

  send(line: string, onWritten?: () => void): void {
    if (this.closed) return; // closed: the line never leaves
    if (this.waitingForDrain) {
      this.queue.push({ line, onWritten });
      return;
    }
    this.writeNow(line, onWritten);
  }

  close(): void {
    if (this.closed) return; // already closed
    this.closed = true;
    this.queue.length = 0;
    this.endInput('local');
    this.lines.clear();
    this.dropped.clear();
    this.errors.clear();
    this.closes.clear();
  }

  private writeNow(line: string, onWritten: (() => void) | undefined): void {
    // A destroyed or ended stream takes nothing: such a line never left.
    if (this.writable.writable) onWritten?.();
    if (!this.writable.write(line + '\n')) this.waitingForDrain = true;
  }

  private flushQueue(): void {
    this.waitingForDrain = false;
    while (this.queue.length > 0 && !this.waitingForDrain) {
      const { line, onWritten } = this.queue.shift()!;
      this.writeNow(line, onWritten);
    }
  }

  private endInput(by: TransportClosed['by']): void {
    if (this.inputDone) return; // told once
    this.inputDone = true;
    this.closes.fire({ by });
  }
}
