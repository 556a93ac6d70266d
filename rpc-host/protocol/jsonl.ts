/**
 * Newline-delimited JSON framing: LF-only, one object per line.
 *
 * Hand-written rather than `readline` because readline also splits on U+2028 and
 * U+2029, which are legal inside JSON strings. The reader works on bytes, so a
 * UTF-8 character split across chunks is never decoded half-way; it scans each
 * chunk once, strips one trailing CR per line, and enforces a maximum line length
 * without buffering the excess: an oversize line is reported once and skipped up
 * to its LF.
 */

/** Default cap on one line: 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** What the reader hands out, in input order. */
export type FrameEvent =
  | { kind: 'line'; line: Buffer; lineNumber: number }
  | { kind: 'oversize'; lineNumber: number; maxBytes: number };

/**
 * Splits a byte stream into lines.
 *
 * Feed it chunks with `push`; call `end` at EOF to flush a last line that has no
 * LF. Lines come out as `Buffer`s without their LF (and without a trailing CR).
 */
export class JsonlReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;
  private lineNumber = 1;

  constructor(
    private readonly onFrame: (frame: FrameEvent) => void,
    private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
  }

  /** Consumes one chunk of input. */
  push(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buffer.length) {
      const lf = buffer.indexOf(LF, start);
      const end = lf === -1 ? buffer.length : lf;
      this.take(buffer, start, end);
      if (lf === -1) return; // the line goes on in the next chunk
      this.finishLine();
      start = lf + 1;
    }
  }

  /** Flushes a final line that was not terminated by LF. */
  end(): void {
    if (this.pendingBytes > 0 || this.discarding) this.finishLine();
  }

  /** Bytes held for the current, unfinished line (never more than the cap). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private take(buffer: Buffer, start: number, end: number): void {
    if (this.discarding || start === end) return;
    const length = end - start;
    // A trailing CR is not content, so allow one byte of slack for it.
    if (this.pendingBytes + length > this.maxLineBytes + 1) {
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      this.onFrame({ kind: 'oversize', lineNumber: this.lineNumber, maxBytes: this.maxLineBytes });
      return;
    }
    this.pending.push(buffer.subarray(start, end));
    this.pendingBytes += length;
  }

  private finishLine(): void {
    const lineNumber = this.lineNumber++;
    if (this.discarding) {
      this.discarding = false;
      return; // already reported as oversize
    }
    let line = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxLineBytes) {
      this.onFrame({ kind: 'oversize', lineNumber, maxBytes: this.maxLineBytes });
      return;
    }
    this.onFrame({ kind: 'line', line, lineNumber });
  }
}

/** Serializes one message as a protocol line (JSON plus LF). */
export function serializeLine(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
