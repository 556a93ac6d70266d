import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

import { buildTrayModel, type TrayActionId, type TrayToggleId } from '../../../main/core/menu-model.js';
import { TrayController, trayMenuTemplate, trayRefreshDelay } from '../../../main/electron/tray.js';
import { STATE_NOW, stateWith } from '../../helpers/companion-state.js';
import { recordingLogger } from '../../helpers/companion.js';
import { FakeCompanion } from './fake-companion.js';
import { FakeTray, resetFakeElectron } from './fake-electron.js';

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    handlers: {
      onToggle: (id: TrayToggleId, checked: boolean) => calls.push(`toggle ${id} ${checked}`),
      onAction: (id: TrayActionId) => calls.push(`action ${id}`),
    },
  };
}

describe('trayMenuTemplate', () => {
  const states = {
    running: stateWith({}),
    starting: stateWith({ state: 'starting', pid: null }),
    restarting: stateWith({ state: 'restarting', pid: null, retryAt: STATE_NOW + 800, restarts: 2 }),
    failed: stateWith({ state: 'failed', pid: null, recentCrashes: 5 }, { fallbackEnabled: false }),
    fallback: stateWith({ state: 'failed', pid: null, recentCrashes: 5 }),
    'heartbeats off': stateWith({}, { heartbeatsEnabled: false }),
    stopping: stateWith({ stopping: true }),
  };

  it.each(Object.entries(states))('maps every model item for %s', (_name, state) => {
    const model = buildTrayModel(state, STATE_NOW);
    const { handlers } = recorder();
    const template = trayMenuTemplate(model, handlers);
    expect(template).toHaveLength(model.items.length);
    model.items.forEach((item, index) => {
      const entry = template[index]!;
      switch (item.kind) {
        case 'status':
          expect(entry).toEqual({ label: item.label, enabled: false });
          break;
        case 'separator':
          expect(entry).toEqual({ type: 'separator' });
          break;
        case 'toggle':
          expect(entry).toMatchObject({ label: item.label, type: 'checkbox', checked: item.checked });
          break;
        case 'action':
          expect(entry).toMatchObject({ label: item.label, enabled: item.enabled });
          expect(entry.accelerator).toBe(item.accelerator);
          break;
      }
    });
  });

  it('shows the status line the issue asks for', () => {
    const labels = (state: (typeof states)[keyof typeof states]) => trayMenuTemplate(buildTrayModel(state, STATE_NOW), recorder().handlers)[0]!.label;
    expect(labels(states.running)).toBe('Gateway: running · pid 4242 · up 5m');
    expect(labels(states.restarting)).toBe('Gateway: restarting in 800 ms');
    expect(labels(states.failed)).toBe('Gateway: failed: crashed 5 times in 3 min');
  });

  it('asks for the opposite of the shown checkbox value, and routes actions', () => {
    const { calls, handlers } = recorder();
    const template = trayMenuTemplate(buildTrayModel(states['heartbeats off'], STATE_NOW), handlers);
    const click = (label: string) => (template.find((entry) => entry.label === label)!.click as () => void)();
    click('Send heartbeats');
    click('Use CLI fallback');
    click('Open Chat');
    click('Restart Gateway');
    click('Open Logs');
    click('Quit Tether');
    expect(calls).toEqual(['toggle heartbeats true', 'toggle fallback false', 'action open-chat', 'action restart-gateway', 'action open-logs', 'action quit']);
    expect(template.find((entry) => entry.label === 'Open Chat')!.accelerator).toBe('CommandOrControl+Shift+T');
  });
});

describe('TrayController', () => {
  let companion: FakeCompanion;
  beforeEach(() => {
    resetFakeElectron();
    companion = new FakeCompanion();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  function start(platform: NodeJS.Platform = 'linux') {
    const { calls, handlers } = recorder();
    const logger = recordingLogger();
    const controller = new TrayController({ companion, iconDir: '/icons', platform, handlers, logger, now: () => STATE_NOW });
    controller.start();
    return { controller, calls, tray: FakeTray.all[0]!, logger };
  }

  it('shows the icon, tooltip and menu of the current state, as a context menu (Linux indicators ignore clicks)', () => {
    const { tray } = start('linux');
    expect(tray.images).toEqual(['/icons/running.png']);
    expect(tray.tooltip).toBe('Tether · running · pid 4242 · up 5m');
    expect(tray.item('Send heartbeats').checked).toBe(true);
    expect(tray.menu!.template[0].label).toBe('Gateway: running · pid 4242 · up 5m');
  });

  it('uses the Template images on macOS', () => {
    const { tray } = start('darwin');
    expect(tray.images).toEqual(['/icons/runningTemplate.png']);
  });

  it('rebuilds on every state change', () => {
    const { tray } = start();
    companion.setState(stateWith({ state: 'restarting', pid: null, retryAt: STATE_NOW + 800, restarts: 1 }));
    expect(tray.images.at(-1)).toBe('/icons/busy.png');
    expect(tray.menu!.template[0].label).toBe('Gateway: restarting in 800 ms');
    expect(tray.tooltip).toContain('restarting in 800 ms');
    companion.setState(stateWith({ state: 'failed', pid: null, recentCrashes: 5 }, { fallbackEnabled: false }));
    expect(tray.images.at(-1)).toBe('/icons/failed.png');
    expect(tray.menu!.template[0].label).toBe('Gateway: failed: crashed 5 times in 3 min');
    companion.setState(stateWith({}, { heartbeatsEnabled: false }));
    expect(tray.images.at(-1)).toBe('/icons/heartbeats-off.png');
    expect(tray.item('Send heartbeats').checked).toBe(false);
  });

  it('badges the tool calls waiting for approval, with a menu line that opens the chat', () => {
    let waiting = 0;
    const { calls, handlers } = recorder();
    const controller = new TrayController({ companion, iconDir: '/icons', platform: 'darwin', handlers, logger: recordingLogger(), now: () => STATE_NOW, approvalsWaiting: () => waiting });
    controller.start();
    const tray = FakeTray.all[0]!;
    expect(tray.title).toBe('');
    waiting = 2;
    controller.update();
    expect(tray.title).toBe('2');
    expect(tray.tooltip).toContain('2 tool calls waiting for approval');
    tray.click('Review 2 tool calls waiting for approval…');
    expect(calls).toEqual(['action open-chat']);
    waiting = 0;
    controller.update();
    expect(tray.title).toBe('');
    expect(tray.menu!.template.some((item: { label?: string }) => item.label?.startsWith('Review'))).toBe(false);
  });

  it('does not rebuild the menu when nothing visible changed', () => {
    const { tray } = start();
    const builds = tray.menuBuilds;
    companion.setState(stateWith({ reason: 'status refreshed' }));
    expect(tray.menuBuilds).toBe(builds);
  });

  it('refreshes a counting status line on a timer', () => {
    let now = STATE_NOW;
    const { handlers } = recorder();
    companion.current = stateWith({ state: 'restarting', pid: null, retryAt: STATE_NOW + 3000, restarts: 1 });
    const controller = new TrayController({ companion, iconDir: '/icons', platform: 'linux', handlers, logger: recordingLogger(), now: () => now });
    controller.start();
    const tray = FakeTray.all[0]!;
    expect(tray.menu!.template[0].label).toBe('Gateway: restarting in 3 s');
    now += 1000;
    vi.advanceTimersByTime(1000);
    expect(tray.menu!.template[0].label).toBe('Gateway: restarting in 2 s');
    controller.dispose();
    expect(tray.destroyed).toBe(true);
    now += 1000;
    vi.advanceTimersByTime(5000);
    expect(tray.menu!.template[0].label).toBe('Gateway: restarting in 2 s'); // disposed: no more updates
  });

  it('stops following the companion once disposed', () => {
    const { controller, tray } = start();
    controller.dispose();
    const builds = tray.menuBuilds;
    companion.setState(stateWith({}, { heartbeatsEnabled: false }));
    expect(tray.menuBuilds).toBe(builds);
    expect(companion.stateChanges.size).toBe(0);
  });

  it('opens the chat on a left click on Windows only', () => {
    const windows = start('win32');
    windows.tray.emit('click');
    expect(windows.calls).toEqual(['action open-chat']);
    resetFakeElectron();
    const linux = start('linux');
    linux.tray.emit('click');
    expect(linux.calls).toEqual([]);
  });

  it('refresh delays follow what the status line counts', () => {
    expect(trayRefreshDelay(stateWith({ state: 'restarting' }))).toBe(1000);
    expect(trayRefreshDelay(stateWith({}))).toBe(30_000);
    expect(trayRefreshDelay(stateWith({ state: 'failed' }))).toBeNull();
  });
});
