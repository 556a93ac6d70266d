/**
 * The web mode's server in-process: pages and assets behind the token (the index
 * sets the cookie that lets its assets in), and the bridge over a WebSocket behaving
 * like BridgeService (answers by id, refusals as envelopes, events pushed).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebServerFrame } from '../../../main/web/frames.js';
import { BridgeService } from '../../../main/bridge/service.js';
import { startWebServer, type WebServer } from '../../../main/web/web-server.js';
import { cleanupCompanions, makeCompanion, recordingLogger } from '../../helpers/companion.js';

let server: WebServer;
let rendererDir: string;
let companion: ReturnType<typeof makeCompanion>['companion'];

beforeEach(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'tether-web-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Tether</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  ({ companion } = makeCompanion());
  const service = new BridgeService(companion, { appInfo: { mode: 'web', version: 'test', platform: 'linux' }, openExternal: async () => false }, recordingLogger());
  server = await startWebServer({ service, rendererDir, logger: recordingLogger() });
});

afterEach(async () => {
  await server.close();
  await cleanupCompanions();
  rmSync(rendererDir, { recursive: true, force: true });
});

/** A bridge socket with the page's own origin; collects every frame. */
async function openSocket(): Promise<{ socket: WebSocket; frames: WebServerFrame[]; next: (kind: WebServerFrame['kind']) => Promise<WebServerFrame> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/bridge?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
  const frames: WebServerFrame[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as WebServerFrame);
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let read = 0;
  const next = async (kind: WebServerFrame['kind']): Promise<WebServerFrame> => {
    for (;;) {
      while (read < frames.length) {
        const frame = frames[read++]!;
        if (frame.kind === kind) return frame;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { socket, frames, next };
}

describe('pages', () => {
  it('serves the index with the token, sets the cookie, and the cookie lets assets in', async () => {
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>Tether</title>');
    const cookie = index.headers.get('set-cookie')!;
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');

    const withCookie = await fetch(`http://127.0.0.1:${server.port}/assets/app.js`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`http://127.0.0.1:${server.port}/assets/app.js`)).status).toBe(401);
  });

  it('answers unknown paths with 404 and other methods with 405, after the guard', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/nope.js?token=${server.token}`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=${server.token}`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`http://127.0.0.1:${server.port}/nope.js`)).status).toBe(401);
  });
});

describe('the bridge socket', () => {
  it('answers requests by id with the service\'s envelopes', async () => {
    const { socket, next } = await openSocket();
    socket.send(JSON.stringify({ kind: 'request', id: 7, channel: 'app-info', args: {} }));
    expect(await next('response')).toEqual({ kind: 'response', id: 7, reply: { ok: true, value: { mode: 'web', version: 'test', platform: 'linux' } } });

    socket.send(JSON.stringify({ kind: 'request', id: 8, channel: 'frobnicate', args: {} }));
    expect(await next('response')).toMatchObject({ id: 8, reply: { ok: false, error: { code: 'unknown_channel' } } });

    socket.send(JSON.stringify({ kind: 'request', id: 9, channel: 'set-fallback', args: { enabled: 'yes' } }));
    expect(await next('response')).toMatchObject({ id: 9, reply: { ok: false, error: { code: 'invalid_request', message: expect.stringContaining('enabled') } } });

    socket.send(JSON.stringify({ kind: 'request', id: 10, channel: 'get-state', args: {} }));
    expect(await next('response')).toMatchObject({ id: 10, reply: { ok: true, value: { gateway: { state: 'stopped' } } } });
    socket.close();
  });

  it('answers unreadable frames with an error frame and stays open', async () => {
    const { socket, next } = await openSocket();
    socket.send('not json');
    expect(await next('error')).toMatchObject({ kind: 'error', error: { code: 'invalid_request', message: expect.stringContaining('not JSON') } });
    socket.send(JSON.stringify({ kind: 'request', id: 'one', channel: 'get-state' }));
    expect(await next('error')).toMatchObject({ kind: 'error', error: { message: expect.stringContaining('id') } });
    socket.send(JSON.stringify({ kind: 'request', id: 1, channel: 'get-settings', args: {} }));
    expect(await next('response')).toMatchObject({ id: 1, reply: { ok: true, value: { cliFallbackEnabled: true } } });
    socket.close();
  });

  it('pushes state changes as events', async () => {
    const { socket, next } = await openSocket();
    await companion.setFallback(false);
    expect(await next('event')).toMatchObject({ kind: 'event', event: 'state-changed', payload: { fallbackEnabled: false } });
    socket.close();
  });

  it('refuses sockets at other paths', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('open', () => reject(new Error('opened')));
      socket.once('error', reject);
    });
    expect(status).toBe(404);
  });
});
