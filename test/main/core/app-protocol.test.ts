import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_START_URL, createAppFileHandler, isAppUrl, RENDERER_CSP, resolveAppPath } from '../../../main/core/app-protocol.js';

describe('isAppUrl', () => {
  it('accepts pages of app://tether only', () => {
    expect(isAppUrl(APP_START_URL)).toBe(true);
    expect(isAppUrl('app://tether/assets/index-abc.js?x=1#y')).toBe(true);
    for (const url of [
      'app://evil/index.html',
      'app://tether.evil.com/index.html',
      'app://user@tether/index.html',
      'app://tether:8080/index.html',
      'https://tether/index.html',
      'file:///tmp/index.html',
      'http://127.0.0.1:5173/',
      'devtools://devtools/bundled/inspector.html',
      'about:blank',
      '',
      'not a url',
    ]) {
      expect(isAppUrl(url), url).toBe(false);
    }
    expect(isAppUrl(undefined)).toBe(false);
    expect(isAppUrl(null)).toBe(false);
  });
});

describe('the renderer CSP', () => {
  it('allows own scripts only: no inline script, no eval, no remote anything', () => {
    const directives = Object.fromEntries(RENDERER_CSP.split('; ').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['img-src']).toEqual(["'self'", 'data:']);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/u);
  });
});

describe('resolveAppPath', () => {
  const root = '/srv/renderer';
  it('maps URL paths under the root, and / to index.html', () => {
    expect(resolveAppPath(root, '/')).toBe('/srv/renderer/index.html');
    expect(resolveAppPath(root, '/assets/a%20b.js')).toBe('/srv/renderer/assets/a b.js');
  });
  it('refuses paths that leave the root, however encoded', () => {
    for (const path of ['/../secret', '/assets/../../secret', '/%2e%2e/secret', '/..%2fsecret', '/%2e%2e%5csecret/..', '/a%00b', '/%E0%A4%A']) {
      const resolved = resolveAppPath(root, path);
      expect(resolved === null || resolved.startsWith(`${root}/`), path).toBe(true);
    }
    expect(resolveAppPath(root, '/..%2fsecret')).toBeNull();
    expect(resolveAppPath(root, '/%E0%A4%A')).toBeNull();
  });
});

describe('createAppFileHandler', () => {
  let root: string;
  const refused: string[] = [];
  let handle: (request: Request) => Promise<Response>;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tether-app-protocol-'));
    mkdirSync(join(root, 'renderer', 'assets'), { recursive: true });
    writeFileSync(join(root, 'renderer', 'index.html'), '<!doctype html><title>Tether</title>');
    writeFileSync(join(root, 'renderer', 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'do not serve');
    handle = createAppFileHandler({ root: join(root, 'renderer'), onRefused: (url, status) => refused.push(`${status} ${url}`) });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves the start page and assets with their type and the CSP', async () => {
    const page = await handle(new Request(APP_START_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Tether</title>');
    const script = await handle(new Request('app://tether/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
    expect(await (await handle(new Request('app://tether/'))).text()).toContain('Tether');
  });

  it('answers HEAD without a body', async () => {
    const head = await handle(new Request('app://tether/assets/app.js', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
    expect(await head.text()).toBe('');
  });

  it('refuses other hosts, other methods, folders, missing files and escapes, with the CSP on the refusal too', async () => {
    const cases: [Request, number][] = [
      [new Request('app://evil/index.html'), 403],
      [new Request('app://tether/index.html', { method: 'POST', body: 'x' }), 405],
      [new Request('app://tether/assets'), 404],
      [new Request('app://tether/missing.js'), 404],
      [new Request('app://tether/..%2fsecret.txt'), 403],
    ];
    for (const [request, status] of cases) {
      const response = await handle(request);
      expect(response.status, request.url).toBe(status);
      expect(response.headers.get('content-security-policy')).toBe(RENDERER_CSP);
      expect(await response.text()).not.toContain('do not serve');
    }
    expect(refused).toHaveLength(cases.length);
    expect(refused[0]).toBe('403 app://evil/index.html');
  });

  it('says to build when index.html is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tether-app-protocol-empty-'));
    try {
      const response = await createAppFileHandler({ root: empty })(new Request(APP_START_URL));
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('npm run build');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
