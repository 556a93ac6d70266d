/**
 * An incremental reader of Server-Sent Events (the `text/event-stream` format).
 *
 * OpenAI-compatible servers stream a chat completion as SSE: `data: {json}` lines,
 * events separated by a blank line, `: comments` as keep-alives, and a final
 * `data: [DONE]`. Network chunks split anywhere (inside a line, inside a UTF-8
 * sequence, between CR and LF), so bytes go through a streaming UTF-8 decoder and
 * lines are cut on LF, CR or CRLF as the format says. Several `data:` lines of one
 * event are joined with LF. Only `event` and `data` matter here; `id` and `retry`
 * (reconnection hints) are ignored because a chat completion is never resumed.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  event: string;
  data: string;
}

/** Feeds bytes in, calls `onEvent` for each complete event. */
export class SseReader {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];
  private eventName = '';
  /** The previous chunk ended in CR: a LF starting the next chunk belongs to it. */
  private pendingCr = false;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  /** Takes one network chunk. */
  push(chunk: Uint8Array): void {
    this.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /** The stream ended: a last event without its blank line is not dispatched (as browsers do). */
  end(): void {
    this.feed(this.decoder.decode());
  }

  private feed(text: string): void {
    let start = 0;
    if (this.pendingCr && text.startsWith('\n')) start = 1; // the LF of a CRLF split across chunks
    this.pendingCr = false;
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code !== 0x0a && code !== 0x0d) continue;
      this.line(this.buffer + text.slice(start, i));
      this.buffer = '';
      if (code === 0x0d) {
        if (i + 1 === text.length) this.pendingCr = true;
        else if (text.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.buffer += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.eventName || 'message', data: this.data.join('\n') });
      this.data = [];
      this.eventName = '';
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ":" comment, e.g. a keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventName = value;
  }
}
