/**
 * The SSE reader: events cut on blank lines, LF/CR/CRLF line ends (also split
 * across chunks), comments skipped, multi-line data joined, UTF-8 split anywhere,
 * and a last event without its blank line not dispatched.
 */
import { describe, expect, it } from 'vitest';
import { SseReader, type SseEvent } from '../../../rpc-host/providers/sse.js';

function read(chunks: Array<string | Uint8Array>): SseEvent[] {
  const events: SseEvent[] = [];
  const reader = new SseReader((event) => events.push(event));
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  reader.end();
  return events;
}

describe('SseReader', () => {
  it('reads data events, skipping comments and the space after the colon', () => {
    expect(read([': keep-alive\n\ndata: {"a":1}\n\ndata:[DONE]\n\n'])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  it('joins several data lines of one event and keeps the event name', () => {
    expect(read(['event: error\ndata: one\ndata: two\nid: 7\nretry: 10\n\n'])).toEqual([{ event: 'error', data: 'one\ntwo' }]);
  });

  it('accepts CRLF and lone CR line ends, including a CRLF split between chunks', () => {
    expect(read(['data: a\r\n\r\ndata: b\r\r'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
    expect(read(['data: a\r', '\n\r', '\ndata: b\n\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });

  it('gives the same events however the bytes are split, including inside UTF-8 sequences', () => {
    const text = 'data: {"t":"héllo 👋 世界"}\n\n: ping\n\ndata: x\r\n\r\ndata: [DONE]\n\n';
    const whole = read([text]);
    expect(whole.map((event) => event.data)).toEqual(['{"t":"héllo 👋 世界"}', 'x', '[DONE]']);
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(read([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
    }
    expect(read([...bytes].map((byte) => Uint8Array.of(byte)))).toEqual(whole);
  });

  it('does not dispatch a last event that has no blank line after it', () => {
    expect(read(['data: complete\n\ndata: cut off'])).toEqual([{ event: 'message', data: 'complete' }]);
  });
});
