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
  /** Characters of the unfinished line dropped to bound memory (reported when it ends). */
  private partialDropped = 0;
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
      this.add(text.slice(0, lf), this.partialDropped);
      this.partialDropped = 0;
      text = text.slice(lf + 1);
      lf = text.indexOf('\n');
    }
    // Keep a bounded partial line: a child that never prints LF must not grow memory.
    if (text.length > this.maxLineChars) {
      this.partialDropped += text.length - this.maxLineChars;
      text = text.slice(0, this.maxLineChars);
    }
    this.partial = text;
  }

  /** Flushes an unterminated last line (at stream end). */
  end(): void {
    const rest = this.partial + this.decoder.end();
    const dropped = this.partialDropped;
    this.partial = '';
    this.partialDropped = 0;
    if (rest !== '') this.add(rest, dropped);
  }

  /** The kept lines, oldest first, with an unfinished last line if there is one. */
  tail(count = this.maxLines): string[] {
    if (count <= 0) return [];
    const unfinished = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    const all = unfinished === '' ? this.lines : [...this.lines, unfinished];
    return all.slice(-count);
  }

  /** Adds a finished line; `dropped` counts characters already cut from its start's tail. */
  private add(raw: string, dropped = 0): void {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const extra = Math.max(0, line.length - this.maxLineChars) + dropped;
    if (extra > 0) line = `${line.slice(0, this.maxLineChars)}… (${extra} more characters)`;
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    this.onLine?.(line);
  }
}
