/// <reference lib="dom" />
/**
 * The web mode serves only its own page on this machine: requests without the
 * token, with a wrong token, with a foreign Origin or a foreign Host are refused,
 * for pages and for the bridge socket alike.
 */
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { expect, test } from './fixtures.js';

/** Tries a bridge socket; resolves with the HTTP status of the refusal, or 101 when it opened. */
function trySocket(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

/** A GET with a chosen Host header (what a DNS-rebinding page would send). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page without the token, or with a wrong one, is refused and says what to do', async ({ app, page }) => {
  const bare = await page.goto(`http://127.0.0.1:${app.port}/`);
  expect(bare?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('missing token');
  expect(bare?.headers()['content-security-policy']).toContain("script-src 'self'");

  const wrong = await page.goto(`http://127.0.0.1:${app.port}/?token=not-the-token`);
  expect(wrong?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('wrong token');

  const asset = await page.goto(`http://127.0.0.1:${app.port}/assets/`);
  expect(asset?.status()).toBe(401);
});

test('the bridge socket refuses a foreign Origin and a missing token, and takes the page', async ({ app }) => {
  const own = `http://127.0.0.1:${app.port}`;
  const url = `ws://127.0.0.1:${app.port}/bridge?token=${app.token}`;
  expect(await trySocket(url, 'http://evil.example')).toBe(403);
  expect(await trySocket(url, `http://127.0.0.1:${app.port + 1}`)).toBe(403);
  expect(await trySocket(`ws://127.0.0.1:${app.port}/bridge`, own)).toBe(401);
  expect(await trySocket(`ws://127.0.0.1:${app.port}/bridge?token=wrong`, own)).toBe(401);
  expect(await trySocket(url, own)).toBe(101);
});

test('a foreign Host (DNS rebinding) is refused even with the token', async ({ app }) => {
  const refused = await getWithHost(app.port, `/?token=${app.token}`, `attacker.example:${app.port}`);
  expect(refused.status).toBe(403);
  expect(refused.body).toContain('host');
  const served = await getWithHost(app.port, `/?token=${app.token}`, `localhost:${app.port}`);
  expect(served.status).toBe(200);
});

test('a page on another origin cannot open the bridge, even knowing the token', async ({ app, page }) => {
  // about:blank has an opaque origin; Chromium sends "Origin: null" on its socket.
  await page.goto('about:blank');
  const outcome = await page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(url);
        socket.onopen = () => resolve('open');
        socket.onclose = (event) => resolve(`closed ${event.code}`);
      }),
    `ws://127.0.0.1:${app.port}/bridge?token=${app.token}`,
  );
  expect(outcome).toBe('closed 1006');
});
