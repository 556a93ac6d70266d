/**
 * The idempotency key of a send: made when Send is pressed, carried by the send,
 * stored by the gateway on the messages the send writes and echoed on its events.
 *
 * It names the send, not the text, so the same words sent twice are two sends,
 * and "Send again" (or the companion's automatic resend after a crash) with the
 * same key is never run twice.
 */

/** The part of Web Crypto a key needs (a test can pass its own). */
export type KeyRandomness = Pick<Crypto, 'getRandomValues'> & { randomUUID?: (() => string) | undefined };

/**
 * A new random key: a version-4 UUID.
 *
 * `crypto.randomUUID` exists only in secure contexts and in recent engines; both the
 * window's `app://` scheme and the web mode's 127.0.0.1 page are secure today, but a
 * page opened another way need not be, so the same UUID is built from
 * `getRandomValues` (available everywhere) when it is missing.
 */
export function newIdempotencyKey(randomness: KeyRandomness = globalThis.crypto): string {
  if (typeof randomness.randomUUID === 'function') return randomness.randomUUID();
  const bytes = randomness.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
