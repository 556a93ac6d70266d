import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

import { startDesktopApp, type DesktopApp } from '../../../main/electron/app.js';
import type { CompanionOptions } from '../../../main/core/companion.js';
import type { FileLogger } from '../../../main/core/file-logger.js';
import type { Event } from '../../../rpc-host/protocol/schemas.js';
import { stateWith } from '../../helpers/companion-state.js';
import { recordingLogger, type RecordingLogger } from '../../helpers/companion.js';
import { FakeCompanion } from './fake-companion.js';
import { fake, FakeBrowserWindow, FakeNotification, FakeTray, FakeWebContents, resetFakeElectron } from './fake-electron.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function reply(text: string): Event {
  return { type: 'event', event: 'reply', payload: { session: 'main', runId: 'r1', text, source: 'heartbeat', provider: 'echo', model: 'echo' } } as Event;
}

describe('the desktop app', () => {
  let companion: FakeCompanion;
  let logger: RecordingLogger & { closed: boolean };
  let signalListeners: { SIGINT: NodeJS.SignalsListener[]; SIGTERM: NodeJS.SignalsListener[] };

  beforeEach(() => {
    resetFakeElectron();
    companion = new FakeCompanion();
    logger = Object.assign(recordingLogger(), { closed: false });
    signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  });
  afterEach(() => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!signalListeners[signal].includes(listener)) process.off(signal, listener as never);
    }
  });

  let companionOptions: CompanionOptions | undefined;
  let loggerDir: string | undefined;

  async function start(argv: string[] = [], platform: NodeJS.Platform = 'linux'): Promise<DesktopApp> {
    const fileLogger: FileLogger = Object.assign(logger, { path: '/tmp/tether-fake/settings/logs/main.log', close: () => (logger.closed = true) });
    const app = await startDesktopApp({
      argv,
      platform,
      env: { TETHER_SETTINGS_DIR: '/tmp/tether-fake/settings', TETHER_HOME: '/tmp/tether-fake/data' },
      createCompanion: (options) => {
        companionOptions = options;
        return companion.asCompanion();
      },
      createLogger: (dir) => {
        loggerDir = dir;
        return fileLogger;
      },
    });
    expect(app).not.toBeNull();
    return app!;
  }
  /** The chat windows (the quick-ask window is created hidden at startup, beside them). */
  const chatWindows = () => FakeBrowserWindow.all.filter((w) => w.loaded !== 'app://tether/quick');
  const window = () => chatWindows()[0]!;
  const quickWindow = () => FakeBrowserWindow.all.find((w) => w.loaded === 'app://tether/quick')!;
  const tray = () => FakeTray.all[0]!;

  it('serves the renderer on app://, locks permissions down, starts the gateway and shows the chat', async () => {
    await start();
    expect(fake.app.sandboxed).toBe(true);
    expect(fake.app.name).toBe('Tether');
    expect(fake.app.getPath('userData')).toBe('/tmp/tether-fake/appData/Tether');
    expect(fake.privilegedSchemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(fake.protocolHandlers.has('app')).toBe(true);
    // Every permission the page asks for is refused.
    const answers: boolean[] = [];
    fake.permissionRequestHandler!({ getURL: () => 'app://tether/index.html' }, 'media', (granted: boolean) => answers.push(granted));
    expect(answers).toEqual([false]);
    expect(companion.calls).toContain('start');
    expect(window().loaded).toBe('app://tether/index.html');
    expect(window().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: expect.stringMatching(/dist[\\/]main[\\/]preload\.cjs$/u) });
    window().emit('ready-to-show');
    expect(window().visible).toBe(true);
    expect(tray().menu!.template[0].label).toMatch(/^Gateway: running · pid 4242/u);
  });

  it('gives the core the shared settings folder, the data folder and the host script outside the asar', async () => {
    await start(['--hidden']);
    expect(companionOptions).toMatchObject({ settingsDir: '/tmp/tether-fake/settings', dataDir: '/tmp/tether-fake/data', logger });
    expect(companionOptions!.hostScript).toMatch(/dist[\\/]rpc-host[\\/]cli\.cjs$/u);
  });

  it('guards every web contents the app creates', async () => {
    await start(['--hidden']);
    const contents = new FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  describe('single instance', () => {
    it('a second launch quits at once without starting anything', async () => {
      fake.app.hasLock = false;
      const result = await startDesktopApp({ argv: [], env: {}, createCompanion: () => companion.asCompanion() });
      expect(result).toBeNull();
      expect(fake.app.quits).toBe(1);
      expect(companion.calls).toEqual([]);
      expect(FakeBrowserWindow.all).toHaveLength(0);
      expect(FakeTray.all).toHaveLength(0);
    });

    it('the first instance shows and focuses its chat window when a second one starts', async () => {
      await start(['--hidden']);
      expect(chatWindows()).toHaveLength(0);
      fake.app.emit('second-instance');
      window().emit('ready-to-show');
      expect(window().visible).toBe(true);
      window().userClose();
      window().minimized = true;
      fake.app.emit('second-instance');
      expect(chatWindows()).toHaveLength(1);
      expect(window()).toMatchObject({ visible: true, minimized: false, focused: true });
    });
  });

  describe('tray', () => {
    it('"Send heartbeats" calls the core at once and the menu follows the new state', async () => {
      await start(['--hidden']);
      tray().click('Send heartbeats');
      await tick();
      expect(companion.calls).toContain('setHeartbeats(false)');
      expect(tray().item('Send heartbeats').checked).toBe(false);
      expect(tray().images.at(-1)).toMatch(/heartbeats-off\.png$/u);
      tray().click('Use CLI fallback');
      await tick();
      expect(companion.calls).toContain('setFallback(false)');
      expect(companion.calls).not.toContain('restartGateway'); // toggles never restart the gateway
    });

    it('a toggle that fails is logged and the checkbox shows the real value again', async () => {
      await start(['--hidden']);
      companion.failHeartbeats = true;
      const builds = tray().menuBuilds;
      tray().click('Send heartbeats');
      expect(tray().item('Send heartbeats').checked).toBe(false); // Electron has ticked it already
      await tick();
      expect(logger.lines.some((line) => line.includes('cannot turn heartbeats off: settings file is read-only'))).toBe(true);
      expect(tray().item('Send heartbeats').checked).toBe(true);
      expect(tray().menuBuilds).toBe(builds + 1);
    });

    it('Restart Gateway, Open Logs and Open Chat do what they say', async () => {
      await start(['--hidden']);
      tray().click('Restart Gateway');
      tray().click('Open Logs');
      tray().click('Open Chat');
      await tick();
      expect(companion.calls).toContain('restartGateway');
      expect(fake.openedPaths).toEqual(['/tmp/tether-fake/settings/logs']);
    expect(loggerDir).toBe('/tmp/tether-fake/settings/logs');
      expect(chatWindows()).toHaveLength(1);
    });
  });

  describe('quick ask', () => {
    const ipc = (contents: FakeWebContents, channel: string, args: unknown) =>
      fake.ipcHandlers.get(`tether:${channel}`)!({ sender: contents, senderFrame: { url: contents.url, parent: null } }, args) as Promise<{ ok: boolean; value?: unknown }>;

    it('the default shortcut opens a small always-on-top window with the quick-ask view, and it hides when it loses focus', async () => {
      fake.displays = [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }, { workArea: { x: 1920, y: 0, width: 1280, height: 1000 } }];
      fake.cursor = { x: 2000, y: 500 };
      const app = await start(['--hidden']);
      expect(app.shortcut).toEqual({ status: 'registered', accelerator: 'CommandOrControl+Shift+Space' });
      // Created hidden at startup, its page already loading, so the shortcut only shows it.
      expect(quickWindow()).toMatchObject({ visible: false, options: expect.objectContaining({ alwaysOnTop: true, frame: false, skipTaskbar: true, width: 640, height: 360 }) });
      expect(quickWindow().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
      fake.shortcuts.get('CommandOrControl+Shift+Space')!();
      // Shown on the screen the cursor is on, centred, in its upper part.
      expect(quickWindow()).toMatchObject({ visible: true, focused: true, bounds: expect.objectContaining({ x: 1920 + 320, y: 200 }) });
      quickWindow().userBlur();
      expect(quickWindow().visible).toBe(false);
      // Pressed again while it has focus: it hides; closing only hides it too.
      fake.shortcuts.get('CommandOrControl+Shift+Space')!();
      fake.shortcuts.get('CommandOrControl+Shift+Space')!();
      expect(quickWindow().visible).toBe(false);
      fake.shortcuts.get('CommandOrControl+Shift+Space')!();
      expect(quickWindow().userClose()).toBe(true);
      expect(FakeBrowserWindow.all.filter((w) => w.loaded === 'app://tether/quick')).toHaveLength(1);
    });

    it('the quick-ask window gets gateway events and may call the bridge; Open in Chat shows the chat on that session', async () => {
      await start();
      window().emit('ready-to-show');
      const quick = quickWindow().webContents;
      quick.url = 'app://tether/quick';
      companion.events.fire(reply('for both windows'));
      expect(quick.sent.map((m) => m.channel)).toContain('tether:gateway-event');
      fake.shortcuts.get('CommandOrControl+Shift+Space')!();
      expect(await ipc(quick, 'open-chat', { session: 'research' })).toEqual({ ok: true, value: { opened: true } });
      expect(quickWindow().visible).toBe(false);
      expect(window()).toMatchObject({ visible: true, focused: true, loaded: 'app://tether/index.html?session=research' });
    });

    it('tells the user, by a notification naming the setting and the file, when another app holds the shortcut', async () => {
      fake.takenShortcuts.add('CommandOrControl+Shift+Space');
      const app = await start(['--hidden']);
      expect(app.shortcut.status).toBe('taken');
      expect(FakeNotification.shown).toHaveLength(1);
      const { title, body } = FakeNotification.shown[0]!.options;
      expect(title).toBe('Quick ask shortcut not available');
      expect(body).toContain('"CommandOrControl+Shift+Space" is taken by another app');
      expect(body).toContain(`"quickAskShortcut" in ${companion.state().settingsPath}`);
      expect(logger.lines.some((line) => line.includes('is taken by another app'))).toBe(true);
      // Clicking it opens the chat.
      FakeNotification.shown[0]!.emit('click');
      expect(chatWindows()).toHaveLength(1);
    });

    it('uses the keys from the settings, says when they are not an accelerator, and registers nothing when turned off', async () => {
      companion.stored = { ...companion.stored, quickAskShortcut: 'Alt+Q' };
      expect((await start(['--hidden'])).shortcut).toEqual({ status: 'registered', accelerator: 'Alt+Q' });
      expect([...fake.shortcuts.keys()]).toEqual(['Alt+Q']);
      fake.app.quit();
      await tick();
      expect(fake.shortcuts.size).toBe(0); // the keys are let go on quit

      resetFakeElectron();
      companion.stored = { ...companion.stored, quickAskShortcut: 'Ctrl+Shift+Spacebar' };
      const invalid = await start(['--hidden']);
      expect(invalid.shortcut.status).toBe('invalid');
      expect(FakeNotification.shown[0]!.options.body).toContain('"Ctrl+Shift+Spacebar" is not a valid accelerator');

      resetFakeElectron();
      companion.stored = { ...companion.stored, quickAskShortcut: null };
      expect((await start(['--hidden'])).shortcut).toEqual({ status: 'off' });
      expect(fake.shortcuts.size).toBe(0);
      expect(FakeNotification.shown).toHaveLength(0);
    });
  });

  describe('chat window', () => {
    it('closing hides it and saves its bounds; the next open reuses it', async () => {
      await start();
      window().emit('ready-to-show');
      window().bounds = { x: 50, y: 60, width: 1000, height: 800 };
      expect(window().userClose()).toBe(true);
      expect(window()).toMatchObject({ visible: false, destroyed: false });
      expect(companion.stored.windowBounds).toEqual({ x: 50, y: 60, width: 1000, height: 800 });
      tray().click('Open Chat');
      expect(chatWindows()).toHaveLength(1);
      expect(window().visible).toBe(true);
    });

    it('opens where it was saved, if that is still on a screen', async () => {
      companion.stored = { ...companion.stored, windowBounds: { x: 300, y: 200, width: 800, height: 600 } };
      await start();
      expect(window().options).toMatchObject({ x: 300, y: 200, width: 800, height: 600 });
    });

    it('receives state changes and gateway events', async () => {
      await start();
      companion.setState(stateWith({}, { heartbeatsEnabled: false }));
      companion.events.fire(reply('hello'));
      expect(window().webContents.sent.map((entry) => entry.channel)).toEqual(['tether:state-changed', 'tether:gateway-event']);
    });
  });

  describe('notifications', () => {
    it('notifies a reply while the window is hidden, not while it shows; a click opens the chat', async () => {
      await start(['--hidden']);
      companion.events.fire(reply('CI failed on main'));
      expect(FakeNotification.shown.map((notice) => notice.options)).toEqual([{ title: 'Tether · heartbeat', body: 'CI failed on main' }]);
      FakeNotification.shown[0]!.emit('click');
      window().emit('ready-to-show');
      expect(window().visible).toBe(true);
      companion.events.fire(reply('another one'));
      expect(FakeNotification.shown).toHaveLength(1);
    });

    it('notifies while the window is behind another app, and a click opens the session the reply is in', async () => {
      await start();
      window().emit('ready-to-show');
      window().userBlur();
      companion.events.fire({ type: 'event', event: 'reply', payload: { session: 'research', runId: 'r2', text: 'Found **three** papers', source: 'rpc', provider: 'echo', model: 'echo' } } as Event);
      expect(FakeNotification.shown.map((notice) => notice.options)).toEqual([{ title: 'Tether · research', body: 'Found three papers' }]);
      FakeNotification.shown[0]!.emit('click');
      expect(window()).toMatchObject({ visible: true, focused: true, loaded: 'app://tether/index.html?session=research' });
    });

    it('notifies a failed send and the gateway failing while the window is hidden, each once', async () => {
      await start(['--hidden']);
      // A send from the quick-ask window fails: the send's own error is the body.
      const quick = quickWindow().webContents;
      quick.url = 'app://tether/quick';
      const answer = (await fake.ipcHandlers.get('tether:send')!({ sender: quick, senderFrame: { url: quick.url, parent: null } }, { session: 'ci', text: 'run it' })) as { ok: boolean };
      expect(answer.ok).toBe(false);
      expect(FakeNotification.shown.map((notice) => notice.options)).toEqual([{ title: 'Tether · ci · not sent', body: 'the gateway exited while answering (exit code 1); send again once it is back' }]);

      companion.setState(stateWith({ state: 'restarting', reason: 'gateway exited (code 1); restarting in 400 ms' }));
      companion.setState(stateWith({ state: 'failed', failure: 'crash loop', reason: 'the gateway crashed 5 times in 60 s; stopped restarting.' }));
      companion.setState(stateWith({ state: 'failed', failure: 'crash loop', reason: 'the gateway crashed 5 times in 60 s; stopped restarting.' }));
      expect(FakeNotification.shown.map((notice) => notice.options)).toEqual([
        { title: 'Tether · ci · not sent', body: 'the gateway exited while answering (exit code 1); send again once it is back' },
        { title: 'Tether · the gateway failed', body: 'the gateway crashed 5 times in 60 s; stopped restarting. Open Tether and press Restart.' },
      ]);
      FakeNotification.shown[1]!.emit('click');
      expect(window().loaded).toBe('app://tether/index.html');
    });
  });

  describe('quit', () => {
    it('waits for the staged shutdown before letting the app quit', async () => {
      await start();
      let willQuit = 0;
      fake.app.on('will-quit', () => willQuit++);
      tray().click('Quit Tether');
      await tick();
      expect(companion.calls).toContain('shutdown');
      expect(willQuit).toBe(0); // held while the gateway stops
      expect(window().destroyed).toBe(true);
      expect(tray().destroyed).toBe(true);
      fake.app.quit(); // a second Quit (Cmd+Q) while stopping neither quits nor shuts down twice
      expect(companion.calls.filter((call) => call === 'shutdown')).toHaveLength(1);
      expect(willQuit).toBe(0);
      companion.finishShutdown!();
      await tick();
      expect(willQuit).toBe(1);
      expect(logger.closed).toBe(true);
      expect(companion.calls.indexOf('shutdown done')).toBeGreaterThan(companion.calls.indexOf('shutdown'));
    });

    it('stops pushing events to the window once quitting', async () => {
      await start();
      tray().click('Quit Tether');
      await tick();
      expect(companion.stateChanges.size).toBe(0);
      expect(companion.events.size).toBe(0);
      expect(fake.ipcHandlers.size).toBe(0);
    });
  });
});
