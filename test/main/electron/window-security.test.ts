import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

import { chatWindowOptions, denyPermissions, guardWebContents } from '../../../main/electron/window-security.js';
import { recordingLogger } from '../../helpers/companion.js';
import { electronModule, fake, FakeWebContents, resetFakeElectron } from './fake-electron.js';

describe('chat window options', () => {
  const options = chatWindowOptions({ preload: '/app/dist/main/preload.cjs', bounds: { width: 960, height: 720 }, minSize: { width: 400, height: 300 }, devTools: false });
  const prefs = options.webPreferences!;

  it('isolates and sandboxes the renderer', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and the risky extras off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('loads the bundled CommonJS preload, starts hidden, and has no dev tools when packaged', () => {
    expect(prefs.preload).toBe('/app/dist/main/preload.cjs');
    expect(options.show).toBe(false);
    expect(prefs.devTools).toBe(false);
    expect(options).toMatchObject({ width: 960, height: 720, minWidth: 400, minHeight: 300 });
  });
});

describe('guardWebContents', () => {
  beforeEach(() => resetFakeElectron());

  function guarded() {
    const contents = new FakeWebContents();
    const logger = recordingLogger();
    guardWebContents(contents as never, { openExternal: electronModule.shell.openExternal, logger });
    return { contents, logger };
  }
  function navigate(contents: FakeWebContents, event: string, url: string): boolean {
    let prevented = false;
    contents.emit(event, { preventDefault: () => (prevented = true) }, url);
    return prevented;
  }

  it('prevents every navigation; a safe web link goes to the system browser instead', async () => {
    const { contents } = guarded();
    expect(navigate(contents, 'will-navigate', 'https://example.com/docs')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'app://tether/other.html')).toBe(true);
    await Promise.resolve();
    expect(fake.openedExternal).toEqual(['https://example.com/docs']);
  });

  it('never hands unsafe links to the OS', async () => {
    const { contents, logger } = guarded();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/']) {
      expect(navigate(contents, 'will-navigate', url)).toBe(true);
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(fake.openedExternal).toEqual([]);
    expect(logger.lines.filter((line) => line.includes('refused'))).toHaveLength(8);
  });

  it('denies every new window, opening safe links externally', async () => {
    const { contents } = guarded();
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    await Promise.resolve();
    expect(fake.openedExternal).toEqual(['https://example.com/']);
  });

  it('blocks redirects off the app origin and any <webview>', () => {
    const { contents } = guarded();
    expect(navigate(contents, 'will-redirect', 'https://evil.example/')).toBe(true);
    expect(navigate(contents, 'will-redirect', 'app://tether/index.html')).toBe(false);
    let prevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });
});

describe('denyPermissions', () => {
  beforeEach(() => resetFakeElectron());

  it('denies every permission request and check', () => {
    const logger = recordingLogger();
    denyPermissions(electronModule.session.defaultSession as never, logger);
    const answers: boolean[] = [];
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation']) {
      fake.permissionRequestHandler!(new FakeWebContents(), permission, (granted: boolean) => answers.push(granted), {});
    }
    expect(answers).toEqual([false, false, false, false]);
    expect(fake.permissionCheckHandler!(null, 'media', 'app://tether', {})).toBe(false);
    expect(logger.lines[0]).toContain('denied the permission "media"');
  });
});
