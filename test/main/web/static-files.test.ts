/**
 * Static files of the web mode: paths stay inside the renderer folder, and every
 * answer carries a strict CSP (no inline code, no eval, sockets only to itself).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, resolveStaticPath, securityHeaders } from '../../../main/web/static-files.js';

const root = mkdtempSync(join(tmpdir(), 'tether-static-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html>');
writeFileSync(join(root, 'assets', 'app.js'), '');
writeFileSync(join(root, 'favicon.png'), '');
writeFileSync(join(tmpdir(), 'tether-outside.txt'), 'outside');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveStaticPath', () => {
  it('maps / to the index and asset paths to their files', () => {
    expect(resolveStaticPath(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
    expect(resolveStaticPath(root, '/assets/%61pp.js')).toBe(join(root, 'assets', 'app.js'));
  });

  it('answers /favicon.ico with the app icon, so no load logs a 404', () => {
    expect(resolveStaticPath(root, '/favicon.ico')).toBe(join(root, 'favicon.png'));
    expect(resolveStaticPath(root, '/favicon.png')).toBe(join(root, 'favicon.png'));
  });

  it('answers the quick-ask view\'s path with the index page (the renderer picks the view from the path)', () => {
    expect(resolveStaticPath(root, '/quick')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/quicker')).toBeUndefined();
  });

  it('never leaves the folder, whatever the encoding', () => {
    for (const path of ['/../tether-outside.txt', '/assets/../../tether-outside.txt', '/%2e%2e/tether-outside.txt', '/..%2ftether-outside.txt', '/%E0%A4%A', '/index.html%00.js', '/assets']) {
      expect(resolveStaticPath(root, path)).toBeUndefined();
    }
  });
});

describe('security headers', () => {
  it('allow scripts, styles and sockets from this server only', () => {
    const csp = contentSecurityPolicy(5555);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain('connect-src \'self\' ws://127.0.0.1:5555');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/u);
    expect(securityHeaders(5555)).toMatchObject({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
  });
});
