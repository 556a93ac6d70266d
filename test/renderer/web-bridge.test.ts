/**
 * The browser's WebSocket bridge client against a fake socket: requests wait for
 * the socket, answers match by id, events reach listeners across reconnects, and
 * a drop answers pending calls with `disconnected` at once.
 */
import { describe, expect, it } from 'vitest';
import { wrapBridge, BridgeCallError } from '../../renderer/src/bridge/bridge-client.js';
import { bridgeSocketUrl, createWebBridge, probeServer, type DisconnectReason, type SocketLike } from '../../renderer/src/bridge/web-bridge.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.drop(1000, 'closed');
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

function setup(probe: () => Promise<DisconnectReason> = () => new Promise(() => undefined)) {
  const sockets: FakeSocket[] = [];
  const timers: Array<() => void> = [];
  const bridge = createWebBridge({
    probe,
    url: 'ws://127.0.0.1:1/bridge?token=t',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    setTimer: (callback) => timers.push(callback),
  });
  return { bridge, sockets, timers };
}

describe('createWebBridge', () => {
  it('holds requests until the socket opens, then matches answers by id', async () => {
    const { bridge, sockets } = setup();
    const state = bridge.invoke('get-state', {});
    const info = bridge.invoke('app-info', {});
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    const frames = sockets[0]!.sent.map((text) => JSON.parse(text) as { id: number; channel: string; kind: string });
    expect(frames.map((frame) => [frame.kind, frame.channel])).toEqual([
      ['request', 'get-state'],
      ['request', 'app-info'],
    ]);
    sockets[0]!.receive({ kind: 'response', id: frames[1]!.id, reply: { ok: true, value: { mode: 'web' } } });
    sockets[0]!.receive({ kind: 'response', id: frames[0]!.id, reply: { ok: false, error: { code: 'closed', message: 'bye' } } });
    expect(await info).toEqual({ ok: true, value: { mode: 'web' } });
    expect(await state).toEqual({ ok: false, error: { code: 'closed', message: 'bye' } });
  });

  it('answers pending calls with disconnected when the socket drops, reconnects, and keeps listeners', async () => {
    const { bridge, sockets, timers } = setup();
    const seen: unknown[] = [];
    bridge.on('state-changed', (state) => seen.push(state));
    const connection: string[] = [];
    bridge.onDidChangeConnection((state) => connection.push(state));
    sockets[0]!.open();
    const pending = bridge.invoke('get-status', {});
    sockets[0]!.drop();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'disconnected', message: expect.stringContaining('reconnecting') } });

    expect(timers).toHaveLength(1);
    timers[0]!();
    sockets[1]!.open();
    sockets[1]!.receive({ kind: 'event', event: 'state-changed', payload: { gateway: { state: 'running' } } });
    expect(seen).toEqual([{ gateway: { state: 'running' } }]);
    expect(connection).toEqual(['open', 'closed', 'connecting', 'open']);
    expect(bridge.connection()).toBe('open');

    bridge.close();
    expect(timers).toHaveLength(1); // no reconnect after close()
  });

  it('says why the socket is down once the server was asked, and forgets it on reconnect', async () => {
    let answer: (reason: DisconnectReason) => void = () => {};
    const { bridge, sockets, timers } = setup(() => new Promise((resolve) => (answer = resolve)));
    const told: Array<[string, DisconnectReason]> = [];
    bridge.onDidChangeConnection((state) => told.push([state, bridge.disconnectReason()]));
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(bridge.disconnectReason()).toBe('unknown');
    answer('token-rejected');
    await Promise.resolve();
    expect(told).toEqual([['open', 'unknown'], ['closed', 'unknown'], ['closed', 'token-rejected']]);
    timers[0]!();
    sockets[1]!.open();
    expect(bridge.disconnectReason()).toBe('unknown');
  });

  it.each<[string, () => Promise<Response>, DisconnectReason]>([
    ['the server refuses the token', async () => new Response(null, { status: 401 }), 'token-rejected'],
    ['the server answers', async () => new Response(null, { status: 200 }), 'unknown'],
    ['nothing answers', async () => Promise.reject(new TypeError('fetch failed')), 'server-down'],
  ])('probeServer: %s', async (_, fetchImpl, reason) => {
    expect(await probeServer(fetchImpl as unknown as typeof fetch)).toBe(reason);
  });

  it('builds the socket URL from the page URL, token included', () => {
    expect(bridgeSocketUrl({ protocol: 'http:', host: '127.0.0.1:5000', search: '?token=a%2Bb' })).toBe('ws://127.0.0.1:5000/bridge?token=a%2Bb');
    expect(bridgeSocketUrl({ protocol: 'http:', host: 'localhost:5000', search: '' })).toBe('ws://localhost:5000/bridge');
  });
});

describe('wrapBridge', () => {
  it('returns values and throws the code (with its details) for refusals', async () => {
    const client = wrapBridge({
      invoke: async (channel) =>
        (channel === 'app-info'
          ? { ok: true, value: { mode: 'electron', version: '1', platform: 'linux' } }
          : { ok: false, error: { code: 'gateway_error', message: 'no session', details: { wireCode: 'not_found' } } }) as never,
      on: () => () => undefined,
    });
    expect(await client.call('app-info', {})).toMatchObject({ mode: 'electron' });
    const error = await client.call('get-history', { session: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeCallError);
    expect(error).toMatchObject({ code: 'gateway_error', channel: 'get-history', details: { wireCode: 'not_found' } });
  });
});
