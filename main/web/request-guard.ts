/**
 * Decides whether a request to the web mode's server may be served.
 *
 * The server listens on 127.0.0.1, but that alone does not make it private: any
 * web page the user visits can make the browser send requests to 127.0.0.1 (and a
 * DNS-rebinding page can even make them same-origin under another name). So every
 * request must pass four checks: it comes from a loopback address, its `Host` is
 * this server under a loopback name (defeats DNS rebinding), its `Origin`, when
 * present, is this server (defeats cross-site WebSockets and POSTs), and it carries
 * the random token printed with the URL (in the query, or the cookie the page got).
 * Pure functions, so the rules are tested without sockets.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie the index page sets, so the page's own assets and socket need no token in their URLs. */
export const TOKEN_COOKIE = 'tether_token';

/** What the guard looks at in one request. */
export interface GuardInput {
  remoteAddress: string | undefined;
  host: string | undefined;
  origin: string | undefined;
  /** The `token` query parameter, if any. */
  queryToken: string | null;
  /** The raw `Cookie` header, if any. */
  cookie: string | undefined;
}

/** The verdict; `status` is the HTTP status to refuse with. */
export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** A fresh random token: 32 bytes, URL-safe. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/u.test(v4)) return true;
  return address === '::1';
}

/** The `host:port` values this server answers to. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** The origins this server's own page has. */
export function allowedOrigins(port: number): Set<string> {
  return new Set([...allowedHosts(port)].map((host) => `http://${host}`));
}

/** Reads one cookie's value from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Compares tokens in constant time (a timing side channel must not reveal the token). */
export function tokensMatch(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Applies the four checks, cheapest and least revealing first. */
export function checkRequest(input: GuardInput, expected: { token: string; port: number }): GuardVerdict {
  if (!isLoopbackAddress(input.remoteAddress)) {
    return { ok: false, status: 403, reason: `request from ${input.remoteAddress ?? 'an unknown address'} refused: only this machine (loopback) may connect` };
  }
  if (!input.host || !allowedHosts(expected.port).has(input.host.toLowerCase())) {
    return { ok: false, status: 403, reason: `request for host ${JSON.stringify(input.host ?? '')} refused: open the URL printed by "tether app --web" (127.0.0.1:${expected.port})` };
  }
  if (input.origin !== undefined && !allowedOrigins(expected.port).has(input.origin.toLowerCase())) {
    return { ok: false, status: 403, reason: `request from origin ${JSON.stringify(input.origin)} refused: only the Tether page itself may call this server` };
  }
  const token = input.queryToken ?? readCookie(input.cookie, TOKEN_COOKIE);
  if (!tokensMatch(token, expected.token)) {
    return {
      ok: false,
      status: 401,
      reason: token === null ? 'missing token: open the full URL printed by "tether app --web", including ?token=…' : 'wrong token: open the URL printed by the running "tether app --web" (each start prints a new one)',
    };
  }
  return { ok: true };
}
