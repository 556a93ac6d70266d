/**
 * The tray model for every gateway state: status line, tooltip, icon, ticked
 * toggles and enabled actions, decided without Electron.
 */
import { describe, expect, it } from 'vitest';
import { buildTrayModel, describeGateway, formatDuration, type TrayMenuItem } from '../../../main/core/menu-model.js';
import { STATE_NOW, stateWith } from '../../helpers/companion-state.js';

const NOW = STATE_NOW;

const item = (items: TrayMenuItem[], id: string) => items.find((entry) => 'id' in entry && entry.id === id);

describe('buildTrayModel', () => {
  it('shows a running gateway with pid and uptime, both toggles, and every action', () => {
    const model = buildTrayModel(stateWith({}), NOW);
    expect(model.items[0]).toEqual({ kind: 'status', label: 'Gateway: running · pid 4242 · up 5m' });
    expect(model.icon).toBe('running');
    expect(model.tooltip).toBe('Tether · running · pid 4242 · up 5m');
    expect(item(model.items, 'heartbeats')).toMatchObject({ kind: 'toggle', label: 'Send heartbeats', checked: true });
    expect(item(model.items, 'fallback')).toMatchObject({ kind: 'toggle', label: 'Use CLI fallback', checked: true });
    expect(model.items.filter((entry) => entry.kind === 'action').map((entry) => (entry as { label: string }).label)).toEqual([
      'Open Chat',
      'Restart Gateway',
      'Open Logs',
      'Quit Tether',
    ]);
    expect(item(model.items, 'open-chat')).toMatchObject({ accelerator: 'CommandOrControl+Shift+T', enabled: true });
  });

  it('marks heartbeats off in the icon, tooltip and checkbox', () => {
    const model = buildTrayModel(stateWith({}, { heartbeatsEnabled: false }), NOW);
    expect(model.icon).toBe('heartbeats-off');
    expect(model.tooltip).toContain('heartbeats off');
    expect(item(model.items, 'heartbeats')).toMatchObject({ checked: false });
  });

  it('counts down a pending restart, with the fallback noted', () => {
    const model = buildTrayModel(stateWith({ state: 'restarting', pid: null, uptimeMs: null, retryAt: NOW + 800, restarts: 1, recentCrashes: 1 }), NOW);
    expect(model.items[0]).toEqual({ kind: 'status', label: 'Gateway: restarting in 800 ms' });
    expect(model.icon).toBe('busy');
    expect(model.tooltip).toBe('Tether · restarting in 800 ms · sends use the CLI fallback');
    expect(describeGateway(stateWith({ state: 'restarting', retryAt: NOW + 12_300 }), NOW)).toBe('restarting in 13 s');
  });

  it('says a crash loop failed, and shows the fallback icon when sends still work', () => {
    const failed = stateWith({ state: 'failed', pid: null, uptimeMs: null, recentCrashes: 5, reason: 'gateway exited (exit code 3); it crashed 5 times in 3 minutes…' });
    const model = buildTrayModel(failed, NOW);
    expect(model.items[0]).toEqual({ kind: 'status', label: 'Gateway: failed: crashed 5 times in 3 min' });
    expect(model.icon).toBe('fallback');
    expect(item(model.items, 'restart-gateway')).toMatchObject({ enabled: true });

    const noFallback = buildTrayModel(stateWith({ state: 'failed', pid: null, recentCrashes: 5 }, { fallbackEnabled: false }), NOW);
    expect(noFallback.icon).toBe('failed');
    expect(item(noFallback.items, 'fallback')).toMatchObject({ checked: false });
  });

  it('gives the first line of the reason when a start failed outright', () => {
    const long = `the gateway command from the settings, "${'/x'.repeat(60)}", is not an executable file\nmore`;
    const label = describeGateway(stateWith({ state: 'failed', recentCrashes: 0, reason: long }), NOW);
    expect(label.startsWith('failed: the gateway command from the settings')).toBe(true);
    expect(label).not.toContain('more');
    expect(label.length).toBeLessThanOrEqual(90);
  });

  it('shows the host\'s own message when the config is invalid, the key first, without the file\'s path', () => {
    const reason = 'config file /home/someone/.local/share/tether/config.json: top level: unrecognized key: "provdier"; fix the key or remove it to use its default';
    const label = describeGateway(stateWith({ state: 'failed', failure: 'config', pid: null, recentCrashes: 0, reason }), NOW);
    expect(label).toBe('failed: invalid config: top level: unrecognized key: "provdier"; fix the key or remove it to use its de…');
  });

  it('tells starting from restarting, and disables Restart while stopping', () => {
    expect(describeGateway(stateWith({ state: 'starting', pid: null, uptimeMs: null }), NOW)).toBe('starting…');
    expect(describeGateway(stateWith({ state: 'starting', pid: null, uptimeMs: null, restarts: 2 }), NOW)).toBe('restarting…');
    const stopping = buildTrayModel(stateWith({ stopping: true }), NOW);
    expect(stopping.items[0]).toEqual({ kind: 'status', label: 'Gateway: stopping…' });
    expect(item(stopping.items, 'restart-gateway')).toMatchObject({ enabled: false });
    expect(stopping.icon).toBe('busy');
    expect(describeGateway(stateWith({ state: 'stopped', pid: null, uptimeMs: null }), NOW)).toBe('stopped');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [7_380_000, '2h 3m'],
    [86_400_000 * 3 + 3_600_000 * 4, '3d 4h'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
