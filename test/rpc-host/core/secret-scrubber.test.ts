/**
 * The streaming secret scrubber: a secret cut anywhere between pieces is still
 * replaced, at most the longest secret's length minus one characters are held
 * back, the held-back end comes out at the end, and the pieces always join to
 * what scrubbing the whole text gives (leftmost-longest matching).
 */
import { describe, expect, it } from 'vitest';
import { SecretScrubber, scrubSecrets } from '../../../rpc-host/core/secret-scrubber.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const KEY = 'sk-live-0123456789abcdef';

/** Pushes each piece through one scrubber; returns what came out for each, then the end. */
function streamed(pieces: readonly string[], secrets: readonly string[]): string[] {
  const scrubber = new SecretScrubber(secrets);
  return [...pieces.map((piece) => scrubber.push(piece)), scrubber.end()];
}

describe('SecretScrubber', () => {
  it('replaces a key split across three pieces', () => {
    const pieces = ['your key is sk-li', 've-01234567', '89abcdef, keep it safe'];
    const out = streamed(pieces, [KEY]);
    expect(out.join('')).toBe('your key is [redacted], keep it safe');
    for (const piece of out) expect(piece).not.toContain('sk-live-0123');
  });

  it('holds back only an end that could still become a secret, never more than the longest secret minus one', () => {
    const scrubber = new SecretScrubber([KEY, 'tok-XYZW']);
    expect(scrubber.push('plain words, none here.')).toBe('plain words, none here.');
    expect(scrubber.push('to')).toBe(''); // could be the start of tok-XYZW
    expect(scrubber.push('day ')).toBe('today ');
    expect(scrubber.push('then sk-live-0')).toBe('then ');
    expect(scrubber.push('12x')).toBe('sk-live-012x');
    // Every possible prefix of the key, the longest that can be held.
    expect(scrubber.push(`end ${KEY.slice(0, -1)}`)).toBe('end ');
    expect(scrubber.end()).toBe(KEY.slice(0, -1));
  });

  it('gives the held-back end at the end, scrubbed', () => {
    const scrubber = new SecretScrubber(['abcd', 'abcdefgh']);
    expect(scrubber.push('x abcd')).toBe('x '); // may still become the longer secret
    expect(scrubber.end()).toBe('[redacted]');
  });

  it('prefers the longest secret at a position, so no part of a longer one leaks', () => {
    const secrets = ['abcd', 'abcdefgh'];
    expect(scrubSecrets('x abcdefgh y', secrets)).toBe('x [redacted] y');
    expect(streamed(['x abcd', 'efgh y'], secrets).join('')).toBe('x [redacted] y');
  });

  it('ignores values too short to be secrets, and passes text through untouched with none', () => {
    expect(scrubSecrets('a b c abc', ['abc', ''])).toBe('a b c abc');
    const scrubber = new SecretScrubber([]);
    expect(scrubber.push('sk-live-0')).toBe('sk-live-0');
    expect(scrubber.end()).toBe('');
  });

  it('joins to the one-shot result however the text is cut (seeded random cuts)', () => {
    const secrets = [KEY, 'sk-live-0123', 'aaaa', 'abab-abab'];
    const alphabet = ['sk-live-', '0123', '456789abcdef', 'a', 'b', 'ab', '-', ' ', 'x'];
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      let text = '';
      while (text.length < 80) text += alphabet[Math.floor(random() * alphabet.length)];
      if (random() < 0.5) text = text.slice(0, 20) + KEY + text.slice(20);
      const pieces: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(random() * 12);
        pieces.push(text.slice(at, at + size));
        at += size;
      }
      const whole = scrubSecrets(text, secrets);
      const scrubber = new SecretScrubber(secrets);
      let out = '';
      for (const piece of pieces) {
        out += scrubber.push(piece);
        expect(whole.startsWith(out), `seed ${seed}: passed on text it would take back`).toBe(true);
      }
      out += scrubber.end();
      expect(out, `seed ${seed}: ${JSON.stringify(pieces)}`).toBe(whole);
      expect(out, `seed ${seed}`).not.toContain(KEY);
    }
  });
});
