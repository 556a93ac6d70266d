/**
 * The stderr tail (`LineRing`): LF splitting with CR stripping, only the newest
 * `maxLines` kept, overlong lines cut with a marker, a bounded partial line when no
 * LF ever comes, UTF-8 characters split across chunks, `end()` flushing the last
 * partial line, `tail()` with the unfinished line, and `onLine` per complete line.
 */
import { describe, expect, it } from 'vitest';
import { LineRing } from '../../../main/core/line-ring.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('LineRing', () => {
  it('splits on LF, from strings and from buffers', () => {
    const ring = new LineRing();
    ring.push('one\ntwo\n');
    ring.push(bytes('three\n'));
    expect(ring.tail()).toEqual(['one', 'two', 'three']);
  });

  it('strips the CR of CRLF, also when the LF comes in the next chunk', () => {
    const ring = new LineRing();
    ring.push('one\r\ntwo\r');
    ring.push('\nthree\r\n');
    expect(ring.tail()).toEqual(['one', 'two', 'three']);
  });

  it('keeps a CR that is not at the end of the line', () => {
    const ring = new LineRing();
    ring.push('a\rb\n');
    expect(ring.tail()).toEqual(['a\rb']);
  });

  it('keeps empty lines', () => {
    const ring = new LineRing();
    ring.push('a\n\nb\n');
    expect(ring.tail()).toEqual(['a', '', 'b']);
  });

  it('joins a line split across chunks', () => {
    const ring = new LineRing();
    ring.push('hel');
    ring.push('lo wor');
    ring.push('ld\n');
    expect(ring.tail()).toEqual(['hello world']);
  });

  it('keeps only the newest maxLines lines', () => {
    const ring = new LineRing({ maxLines: 3 });
    for (let n = 1; n <= 10; n++) ring.push(`line ${n}\n`);
    expect(ring.tail()).toEqual(['line 8', 'line 9', 'line 10']);
  });

  it('keeps only the newest maxLines lines of a single large chunk', () => {
    const ring = new LineRing({ maxLines: 2 });
    ring.push('a\nb\nc\nd\n');
    expect(ring.tail()).toEqual(['c', 'd']);
  });

  it('returns the last `count` lines when asked for fewer', () => {
    const ring = new LineRing();
    ring.push('a\nb\nc\n');
    expect(ring.tail(2)).toEqual(['b', 'c']);
  });

  it('cuts an overlong line at maxLineChars with a marker saying how much was cut', () => {
    const ring = new LineRing({ maxLineChars: 10 });
    ring.push(`${'x'.repeat(25)}\nshort\n`);
    expect(ring.tail()).toEqual([`${'x'.repeat(10)}… (15 more characters)`, 'short']);
  });

  it('counts every cut character of an overlong line that arrives in pieces', () => {
    const ring = new LineRing({ maxLineChars: 10 });
    ring.push('z'.repeat(50));
    ring.push('tail\n');
    expect(ring.tail()).toEqual([`${'z'.repeat(10)}… (44 more characters)`]);
    const exact = new LineRing({ maxLineChars: 10 });
    exact.push('z'.repeat(50));
    exact.push('\n');
    expect(exact.tail()).toEqual([`${'z'.repeat(10)}… (40 more characters)`]);
  });

  it('returns nothing for tail(0), and an unfinished line without its CR', () => {
    const ring = new LineRing();
    ring.push('done\nhalf\r');
    expect(ring.tail(0)).toEqual([]);
    expect(ring.tail()).toEqual(['done', 'half']);
  });

  it('does not cut a line of exactly maxLineChars', () => {
    const ring = new LineRing({ maxLineChars: 10 });
    ring.push(`${'x'.repeat(10)}\n`);
    expect(ring.tail()).toEqual(['x'.repeat(10)]);
  });

  it('bounds the partial line when no LF ever comes', () => {
    const ring = new LineRing({ maxLineChars: 100 });
    for (let n = 0; n < 1000; n++) ring.push('y'.repeat(50));
    const tail = ring.tail();
    expect(tail).toHaveLength(1);
    expect(tail[0]!.length).toBeLessThanOrEqual(100);
    expect(tail[0]).toBe('y'.repeat(100));
  });

  it('starts a fresh line after a long unterminated one finally ends', () => {
    const ring = new LineRing({ maxLineChars: 10 });
    ring.push('z'.repeat(50));
    ring.push('\nnext\n');
    const tail = ring.tail();
    expect(tail).toHaveLength(2);
    expect(tail[0]!.startsWith('z'.repeat(10))).toBe(true);
    expect(tail[1]).toBe('next');
  });

  it('decodes a UTF-8 character split across two buffer chunks intact', () => {
    const ring = new LineRing();
    const encoded = bytes('héllo €uro 😀\n');
    const euro = encoded.indexOf(0xe2); // first byte of the three-byte €
    const emoji = encoded.indexOf(0xf0); // first byte of the four-byte 😀
    ring.push(encoded.subarray(0, euro + 1));
    ring.push(encoded.subarray(euro + 1, emoji + 2));
    ring.push(encoded.subarray(emoji + 2));
    expect(ring.tail()).toEqual(['héllo €uro 😀']);
    expect(ring.tail()[0]).not.toContain('\uFFFD');
  });

  it('decodes a stream fed one byte at a time', () => {
    const ring = new LineRing();
    for (const byte of bytes('ünïcödé 🚀\nzwei\n')) ring.push(Buffer.from([byte]));
    expect(ring.tail()).toEqual(['ünïcödé 🚀', 'zwei']);
  });

  it('flushes the unterminated last line on end()', () => {
    const lines: string[] = [];
    const ring = new LineRing({ onLine: (line) => lines.push(line) });
    ring.push('done\nlast words');
    expect(lines).toEqual(['done']);
    ring.end();
    expect(lines).toEqual(['done', 'last words']);
    expect(ring.tail()).toEqual(['done', 'last words']);
  });

  it('strips the CR of an unterminated last line on end()', () => {
    const ring = new LineRing();
    ring.push('last\r');
    ring.end();
    expect(ring.tail()).toEqual(['last']);
  });

  it('adds nothing on end() when the stream ended with LF', () => {
    const lines: string[] = [];
    const ring = new LineRing({ onLine: (line) => lines.push(line) });
    ring.push('a\n');
    ring.end();
    expect(lines).toEqual(['a']);
    expect(ring.tail()).toEqual(['a']);
  });

  it('shows the unfinished line in tail() without calling onLine for it', () => {
    const lines: string[] = [];
    const ring = new LineRing({ maxLines: 2, onLine: (line) => lines.push(line) });
    ring.push('a\nb\nstill typ');
    expect(ring.tail()).toEqual(['b', 'still typ']);
    expect(ring.tail(1)).toEqual(['still typ']);
    expect(lines).toEqual(['a', 'b']);
  });

  it('calls onLine once per complete line, in order, with the cleaned line', () => {
    const lines: string[] = [];
    const ring = new LineRing({ maxLines: 1, maxLineChars: 5, onLine: (line) => lines.push(line) });
    ring.push('one\r\ntwo\nthree-four\n');
    expect(lines).toEqual(['one', 'two', 'three… (5 more characters)']);
  });
});
