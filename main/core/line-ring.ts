/**
 * The last lines of a text stream, in bounded memory: the gateway's stderr tail.
 *
 * Chunks are decoded with a `StringDecoder`, so a UTF-8 character split across
 * chunks is never garbled; lines are split on LF (a trailing CR is dropped); an
 * overlong line is cut at `maxLineChars` with a marker, and only the newest
 * `maxLines` are kept. Each complete line is also handed to `onLine` (for logging).
 */
import { StringDecoder } from 'node:string_decoder';

export interface LineRingOptions {
  maxLines?: number;
  maxLineChars?: number;
  onLine?: (line: string) => void;
}

export class LineRing {
  private readonly lines: string[] = [];
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxLines: number;
  private readonly maxLineChars: number;
  private readonly onLine: ((line: string) => void) | undefined;

  constructor(options: LineRingOptions = {}) {
    this.maxLines = options.maxLines ?? 200;
    this.maxLineChars = options.maxLineChars ?? 2000;
    this.onLine = options.onLine;
  }

  /** Adds a chunk of the stream. */
  push(chunk: Buffer | string): void {
    let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    let lf = text.indexOf('\n');
    while (lf !== -1) {
      this.add(text.slice(0, lf));
      text = text.slice(lf + 1);
      lf = text.indexOf('\n');
    }
    // Keep a bounded partial line: a child that never prints LF must not grow memory.
    this.partial = text.length > this.maxLineChars ? text.slice(0, this.maxLineChars) : text;
  }

  /** Flushes an unterminated last line (at stream end). */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.add(rest);
  }

  /** The kept lines, oldest first, with an unfinished last line if there is one. */
  tail(count = this.maxLines): string[] {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.slice(-count);
  }

  private add(raw: string): void {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > this.maxLineChars) line = `${line.slice(0, this.maxLineChars)}… (${line.length - this.maxLineChars} more characters)`;
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    this.onLine?.(line);
  }
}
