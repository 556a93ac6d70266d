/**
 * JSONL framing (`JsonlReader`, `serializeLine`): LF-only splitting, CR stripping,
 * final lines without LF, split UTF-8, one-byte feeding, empty lines, and the
 * oversize-line cap (reported once, skipped to its LF, never buffered).
 */
import { describe, expect, it } from 'vitest';
import { JsonlReader, serializeLine, type FrameEvent } from '../../../rpc-host/protocol/jsonl.js';

/** A reader that records what it hands out, with lines decoded as UTF-8. */
function recordingReader(maxLineBytes?: number) {
  const frames: FrameEvent[] = [];
  const reader = maxLineBytes === undefined ? new JsonlReader((frame) => frames.push(frame)) : new JsonlReader((frame) => frames.push(frame), maxLineBytes);
  const lines = () => frames.filter((frame) => frame.kind === 'line').map((frame) => frame.line.toString('utf8'));
  return { reader, frames, lines };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('JsonlReader', () => {
  it('splits on LF and numbers the lines from 1', () => {
    const { reader, frames } = recordingReader();
    reader.push(bytes('{"a":1}\n{"b":2}\n'));
    expect(frames.map((frame) => (frame.kind === 'line' ? [frame.lineNumber, frame.line.toString()] : frame))).toEqual([
      [1, '{"a":1}'],
      [2, '{"b":2}'],
    ]);
  });

  it('does not split on U+2028 or U+2029 inside JSON strings', () => {
    const { reader, lines } = recordingReader();
    const line = JSON.stringify({ type: 'send', text: 'one\u2028two\u2029three' });
    expect(line).toContain('\u2028'); // JSON.stringify leaves them raw, which is what the reader must tolerate
    reader.push(bytes(`${line}\n{"type":"status"}\n`));
    expect(lines()).toEqual([line, '{"type":"status"}']);
    expect(JSON.parse(lines()[0]!)).toEqual({ type: 'send', text: 'one\u2028two\u2029three' });
  });

  it('strips the CR of a CRLF ending, also when the LF comes in the next chunk', () => {
    const { reader, lines } = recordingReader();
    reader.push(bytes('{"a":1}\r\n{"b":2}\r'));
    reader.push(bytes('\n'));
    expect(lines()).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('strips only one trailing CR and keeps a lone CR inside a line', () => {
    const { reader, lines } = recordingReader();
    reader.push(bytes('a\rb\nc\r\r\n'));
    expect(lines()).toEqual(['a\rb', 'c\r']);
  });

  it('emits a last line without LF only on end()', () => {
    const { reader, lines } = recordingReader();
    reader.push(bytes('{"a":1}\n{"type":"st'));
    reader.push(bytes('atus"}'));
    expect(lines()).toEqual(['{"a":1}']);
    expect(reader.bufferedBytes).toBe('{"type":"status"}'.length);
    reader.end();
    expect(lines()).toEqual(['{"a":1}', '{"type":"status"}']);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('emits nothing on end() when the input ended with LF', () => {
    const { reader, frames } = recordingReader();
    reader.push(bytes('{"a":1}\n'));
    reader.end();
    expect(frames).toHaveLength(1);
  });

  it('emits empty lines as empty lines (CRLF-only lines too)', () => {
    const { reader, frames } = recordingReader();
    reader.push(bytes('\n\r\nx\n\n'));
    expect(frames.map((frame) => (frame.kind === 'line' ? [frame.lineNumber, frame.line.length] : frame))).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
      [4, 0],
    ]);
  });

  it('reassembles a multi-byte UTF-8 character split at every byte boundary', () => {
    // 2-, 3- and 4-byte characters, and U+2028 (3 bytes: E2 80 A8).
    const line = JSON.stringify({ text: 'é€😀\u2028ü' });
    const input = bytes(`${line}\n`);
    for (let cut = 1; cut < input.length; cut++) {
      const { reader, frames } = recordingReader();
      reader.push(input.subarray(0, cut));
      reader.push(input.subarray(cut));
      expect(frames).toHaveLength(1);
      const frame = frames[0]!;
      expect(frame.kind).toBe('line');
      if (frame.kind === 'line') expect(Buffer.compare(frame.line, bytes(line)), `cut at byte ${cut}`).toBe(0);
    }
  });

  it('gives the same lines when fed one byte at a time', () => {
    const input = bytes('{"a":"é€😀"}\r\n\n{"b":"\u2029"}\nlast');
    const whole = recordingReader();
    whole.reader.push(input);
    whole.reader.end();
    const bytewise = recordingReader();
    for (let i = 0; i < input.length; i++) bytewise.reader.push(Uint8Array.from([input[i]!]));
    bytewise.reader.end();
    expect(bytewise.lines()).toEqual(['{"a":"é€😀"}', '', '{"b":"\u2029"}', 'last']);
    expect(bytewise.frames.map((frame) => frame.lineNumber)).toEqual([1, 2, 3, 4]);
    expect(bytewise.lines()).toEqual(whole.lines());
  });

  it('accepts a plain Uint8Array view with an offset', () => {
    const { reader, lines } = recordingReader();
    const backing = bytes('xx{"a":1}\nyy');
    reader.push(new Uint8Array(backing.buffer, backing.byteOffset + 2, 8));
    expect(lines()).toEqual(['{"a":1}']);
  });

  describe('line length cap', () => {
    const max = 64;

    it('reports an oversize line once with its line number, then delivers the next line intact', () => {
      const { reader, frames } = recordingReader(max);
      reader.push(bytes(`{"ok":1}\n${'x'.repeat(200)}\n{"type":"status"}\n`));
      expect(frames).toEqual([
        { kind: 'line', line: bytes('{"ok":1}'), lineNumber: 1 },
        { kind: 'oversize', lineNumber: 2, maxBytes: max },
        { kind: 'line', line: bytes('{"type":"status"}'), lineNumber: 3 },
      ]);
    });

    it('reports an oversize line spanning many chunks once, recovers at its LF, and never buffers past the cap', () => {
      const { reader, frames, lines } = recordingReader(max);
      reader.push(bytes('{"first":true}\n'));
      const observed: number[] = [];
      for (let i = 0; i < 50; i++) {
        reader.push(bytes('y'.repeat(13)));
        observed.push(reader.bufferedBytes);
      }
      expect(frames.filter((frame) => frame.kind === 'oversize')).toEqual([{ kind: 'oversize', lineNumber: 2, maxBytes: max }]);
      // At most the cap plus one byte of slack for a trailing CR, and nothing at
      // all once the line is known to be too long (it is being discarded).
      expect(Math.max(...observed)).toBeLessThanOrEqual(max + 1);
      const discardingFrom = observed.indexOf(0);
      expect(discardingFrom).toBeGreaterThan(0);
      expect(observed.slice(discardingFrom).every((held) => held === 0)).toBe(true);
      reader.push(bytes('yyy\n{"type":"st'));
      reader.push(bytes('atus"}\n'));
      expect(frames.filter((frame) => frame.kind === 'oversize')).toHaveLength(1);
      expect(lines()).toEqual(['{"first":true}', '{"type":"status"}']);
      expect(frames.at(-1)).toMatchObject({ kind: 'line', lineNumber: 3 });
    });

    it('reports an oversize line fed one byte at a time exactly once', () => {
      const { reader, frames, lines } = recordingReader(max);
      const input = bytes(`${'z'.repeat(max * 3)}\n{"b":2}\n`);
      for (let i = 0; i < input.length; i++) {
        reader.push(input.subarray(i, i + 1));
        expect(reader.bufferedBytes).toBeLessThanOrEqual(max + 1); // one byte of slack for a trailing CR
      }
      expect(frames.filter((frame) => frame.kind === 'oversize')).toEqual([{ kind: 'oversize', lineNumber: 1, maxBytes: max }]);
      expect(lines()).toEqual(['{"b":2}']);
    });

    it('accepts a line of exactly the cap, with or without CRLF, and refuses one byte more', () => {
      const { reader, frames } = recordingReader(max);
      const exact = 'a'.repeat(max);
      reader.push(bytes(`${exact}\n${exact}\r\n${exact}b\n${exact}b\r\nend\n`));
      expect(frames.map((frame) => (frame.kind === 'line' ? frame.line.length : frame.kind))).toEqual([max, max, 'oversize', 'oversize', 3]);
      expect(frames.map((frame) => frame.lineNumber)).toEqual([1, 2, 3, 4, 5]);
    });

    it('reports an oversize last line without LF once, and end() adds nothing', () => {
      const { reader, frames } = recordingReader(max);
      reader.push(bytes('w'.repeat(max + 10)));
      reader.end();
      expect(frames).toEqual([{ kind: 'oversize', lineNumber: 1, maxBytes: max }]);
      expect(reader.bufferedBytes).toBe(0);
    });

    it('refuses a cap that is not a positive integer', () => {
      expect(() => new JsonlReader(() => {}, 0)).toThrow(RangeError);
      expect(() => new JsonlReader(() => {}, 1.5)).toThrow(/positive integer/);
    });
  });
});

describe('serializeLine', () => {
  it('writes one JSON object plus LF, with U+2028 left inside the string', () => {
    const line = serializeLine({ type: 'result', ok: true, payload: { text: 'a\u2028b\nc' } });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1); // the LF inside the text is escaped
    expect(JSON.parse(line)).toEqual({ type: 'result', ok: true, payload: { text: 'a\u2028b\nc' } });
  });
});
