/**
 * Scrubs configured secrets out of text that arrives in pieces (a streamed reply).
 *
 * A model can echo an API key back, and a key may be cut anywhere between two
 * deltas, so scrubbing each piece on its own lets it through. The scrubber holds
 * back the end of what it has seen while that end could still grow into a secret
 * (at most the longest secret's length minus one characters) and passes on the
 * rest with every secret replaced by `[redacted]`. Matching is leftmost-longest, so
 * the pieces it returns always join to what scrubbing the whole text at once gives,
 * however the text was cut.
 */

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Shorter values are not treated as secrets: replacing every `abc` would garble replies and hide nothing. */
export const MIN_SECRET_LENGTH = 4;

/** Scrubs one stream of text; make one per stream. */
export class SecretScrubber {
  /** Longest first, so the first one that matches at a position is the longest. */
  private readonly secrets: readonly string[];
  private readonly firstChars: ReadonlySet<string>;
  private readonly longest: number;
  /** The end of the text seen so far that could still be the start of a secret. */
  private held = '';

  constructor(secrets: readonly string[]) {
    this.secrets = [...new Set(secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
    this.firstChars = new Set(this.secrets.map((secret) => secret[0]!));
    this.longest = this.secrets[0]?.length ?? 0;
  }

  /** Takes the next piece; returns the scrubbed text that is safe to pass on now (maybe ''). */
  push(piece: string): string {
    if (this.longest === 0) return piece; // no secret configured
    return this.scan(this.held + piece, false);
  }

  /** The stream ended (finished, failed or aborted): returns the scrubbed held-back rest. */
  end(): string {
    return this.scan(this.held, true);
  }

  private scan(text: string, final: boolean): string {
    let out = '';
    let copiedUpTo = 0;
    for (let i = 0; i < text.length; i++) {
      if (!this.firstChars.has(text[i]!)) continue;
      if (!final && this.mayGrowIntoLongerSecret(text, i)) {
        this.held = text.slice(i);
        return out + text.slice(copiedUpTo, i);
      }
      const secret = this.secrets.find((candidate) => text.startsWith(candidate, i));
      if (secret === undefined) continue;
      out += text.slice(copiedUpTo, i) + REDACTED;
      i += secret.length - 1;
      copiedUpTo = i + 1;
    }
    this.held = '';
    return out + text.slice(copiedUpTo);
  }

  /** True when the text from `start` on is a proper prefix of a secret: more input decides. */
  private mayGrowIntoLongerSecret(text: string, start: number): boolean {
    const rest = text.length - start;
    if (rest >= this.longest) return false; // every secret that could start here is decided
    const tail = text.slice(start);
    return this.secrets.some((secret) => secret.length > rest && secret.startsWith(tail));
  }
}

/** Replaces every secret in a whole text with `[redacted]` (the scrubber, in one piece). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const scrubber = new SecretScrubber(secrets);
  return scrubber.push(text) + scrubber.end();
}
