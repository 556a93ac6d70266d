/**
 * The web mode's request guard: loopback peers only, this server's Host only, its
 * own Origin only (when one is sent), and the token from the query or the cookie.
 */
import { describe, expect, it } from 'vitest';
import { checkRequest, createToken, isLoopbackAddress, readCookie, TOKEN_COOKIE, tokensMatch, type GuardInput } from '../../../main/web/request-guard.js';

const TOKEN = 'secret-token-value';
const PORT = 4321;
const good: GuardInput = { remoteAddress: '127.0.0.1', host: `127.0.0.1:${PORT}`, origin: undefined, queryToken: TOKEN, cookie: undefined };
const check = (patch: Partial<GuardInput>) => checkRequest({ ...good, ...patch }, { token: TOKEN, port: PORT });

describe('checkRequest', () => {
  it('lets the page in with the token in the query or in the cookie', () => {
    expect(check({})).toEqual({ ok: true });
    expect(check({ queryToken: null, cookie: `other=1; ${TOKEN_COOKIE}=${TOKEN}` })).toEqual({ ok: true });
    expect(check({ origin: `http://127.0.0.1:${PORT}` })).toEqual({ ok: true });
    expect(check({ host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` })).toEqual({ ok: true });
  });

  it('refuses a missing or wrong token with 401 and says where the right one is', () => {
    expect(check({ queryToken: null })).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('missing token') });
    expect(check({ queryToken: 'nope' })).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('wrong token') });
    expect(check({ queryToken: null, cookie: `${TOKEN_COOKIE}=${TOKEN}x` })).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses foreign origins, including another port on this machine and opaque origins', () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${PORT + 1}`, 'null', `https://127.0.0.1:${PORT}`]) {
      expect(check({ origin })).toMatchObject({ ok: false, status: 403, reason: expect.stringContaining('origin') });
    }
  });

  it('refuses a foreign Host even with the token (DNS rebinding)', () => {
    expect(check({ host: `attacker.example:${PORT}` })).toMatchObject({ ok: false, status: 403, reason: expect.stringContaining('host') });
    expect(check({ host: `127.0.0.1:${PORT + 1}` })).toMatchObject({ ok: false, status: 403 });
    expect(check({ host: undefined })).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses peers that are not this machine before looking at anything else', () => {
    for (const remoteAddress of ['192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', undefined]) {
      expect(check({ remoteAddress })).toMatchObject({ ok: false, status: 403, reason: expect.stringContaining('loopback') });
    }
  });
});

describe('helpers', () => {
  it('knows the loopback addresses', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['128.0.0.1', '::2', '', '0.0.0.0', '127.0.0.1.evil'].some(isLoopbackAddress)).toBe(false);
  });

  it('reads one cookie out of a header', () => {
    expect(readCookie('a=1; tether_token=abc; b=2', 'tether_token')).toBe('abc');
    expect(readCookie('xtether_token=abc', 'tether_token')).toBeNull();
    expect(readCookie(undefined, 'tether_token')).toBeNull();
  });

  it('makes long random URL-safe tokens and compares them exactly', () => {
    const a = createToken();
    const b = createToken();
    expect(a).toMatch(/^[\w-]{43}$/u);
    expect(a).not.toBe(b);
    expect(tokensMatch(a, a)).toBe(true);
    expect(tokensMatch(a.slice(0, -1), a)).toBe(false);
    expect(tokensMatch(null, a)).toBe(false);
  });
});
