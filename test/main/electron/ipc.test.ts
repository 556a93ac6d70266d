import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

import { BRIDGE_CHANNELS, ipcChannelFor } from '../../../main/bridge/channels.js';
import { BridgeService } from '../../../main/bridge/service.js';
import { registerBridgeIpc, sendBridgeEvent, senderRefusal } from '../../../main/electron/ipc.js';
import { recordingLogger } from '../../helpers/companion.js';
import { FakeCompanion } from './fake-companion.js';
import { fake, FakeWebContents, resetFakeElectron } from './fake-electron.js';

interface FrameLike {
  url: string;
  parent: FrameLike | null;
}

function setup() {
  const companion = new FakeCompanion();
  const logger = recordingLogger();
  const service = new BridgeService(companion.asCompanion(), { appInfo: { mode: 'electron', version: '0.1.0', platform: 'linux' }, openExternal: async () => true }, logger);
  const appContents = new FakeWebContents();
  const remove = registerBridgeIpc({ service, isAppContents: (contents) => contents === (appContents as unknown), logger });
  const call = (channel: string, args: unknown, sender: { contents?: FakeWebContents; frame?: FrameLike | null } = {}) => {
    const handler = fake.ipcHandlers.get(ipcChannelFor(channel as never));
    if (!handler) throw new Error(`no handler for ${channel}`);
    const frame = sender.frame === undefined ? { url: 'app://tether/index.html', parent: null } : sender.frame;
    return handler({ sender: sender.contents ?? appContents, senderFrame: frame }, args) as Promise<any>;
  };
  return { companion, logger, call, remove, appContents };
}

describe('bridge IPC', () => {
  beforeEach(() => resetFakeElectron());

  it('registers one handler per bridge channel, and removes them', () => {
    const { remove } = setup();
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(BRIDGE_CHANNELS.map(ipcChannelFor).sort());
    remove();
    expect(fake.ipcHandlers.size).toBe(0);
  });

  it('serves a valid call from the app window through the core', async () => {
    const { call, companion } = setup();
    expect(await call('set-heartbeats', { enabled: false })).toEqual({ ok: true, value: { enabled: false, applied: true } });
    expect(companion.calls).toEqual(['setHeartbeats(false)']);
    expect(await call('get-stderr-tail', {})).toEqual({ ok: true, value: { lines: ['a stderr line'] } });
  });

  it('refuses a sender from another origin, a subframe, a vanished frame or a foreign window, and logs why', async () => {
    const { call, companion, logger } = setup();
    const refusals = [
      await call('set-heartbeats', { enabled: false }, { frame: { url: 'https://evil.example/', parent: null } }),
      await call('set-heartbeats', { enabled: false }, { frame: { url: 'file:///etc/passwd', parent: null } }),
      await call('set-heartbeats', { enabled: false }, { frame: { url: 'app://tether/frame.html', parent: { url: 'app://tether/index.html', parent: null } } }),
      await call('set-heartbeats', { enabled: false }, { frame: null }),
      await call('set-heartbeats', { enabled: false }, { contents: new FakeWebContents() }),
    ];
    for (const reply of refusals) expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(companion.calls).toEqual([]);
    const warnings = logger.lines.filter((line) => line.startsWith('warn: ipc set-heartbeats: refused:'));
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toContain('"https://evil.example/" is not on the app\'s origin');
    expect(warnings[2]).toContain('subframe');
    expect(warnings[4]).toContain('not one of the app windows');
  });

  it('refuses bad arguments with the field named, before the core sees them', async () => {
    const { call, companion, logger } = setup();
    const reply = await call('set-heartbeats', { enabled: 'yes' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(reply.error.message).toContain('enabled');
    expect(await call('set-fallback', { enabled: true, extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(companion.calls).toEqual([]);
    expect(logger.lines.filter((line) => line.startsWith('warn: ipc set-'))).toHaveLength(2);
  });

  it('senderRefusal accepts exactly the app page in the app window', () => {
    const contents = {} as never;
    expect(senderRefusal({ sender: contents, senderFrame: { url: 'app://tether/index.html', parent: null } as never }, () => true)).toBeNull();
    expect(senderRefusal({ sender: contents, senderFrame: { url: 'app://tether/index.html', parent: null } as never }, () => false)).not.toBeNull();
  });

  it('sends events to a live window only', () => {
    const contents = new FakeWebContents();
    sendBridgeEvent(contents as never, 'state-changed', new FakeCompanion().state());
    expect(contents.sent.map((entry) => entry.channel)).toEqual(['tether:state-changed']);
    contents.destroyed = true;
    sendBridgeEvent(contents as never, 'state-changed', new FakeCompanion().state());
    expect(contents.sent).toHaveLength(1);
    expect(() => sendBridgeEvent(undefined, 'state-changed', new FakeCompanion().state())).not.toThrow();
  });
});
