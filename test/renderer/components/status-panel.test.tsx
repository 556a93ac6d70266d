// @vitest-environment happy-dom
/**
 * The status panel as the user reads it: each gateway state in words, the facts
 * (pid, uptime, restarts, last exit, heartbeats, queue, provider), the recent
 * output, and the controls: the two toggles and Restart.
 */
import { cleanup, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BridgeResult } from '../../../main/bridge/contract.js';
import { StatusPanel, type StatusPanelProps } from '../../../renderer/src/components/StatusPanel.js';
import { STATE_NOW, stateWith } from '../../helpers/companion-state.js';

afterEach(cleanup);

type CompanionStatus = BridgeResult<'get-status'>;
type ChildStatus = NonNullable<CompanionStatus['gateway']>;

const child = (extra: Partial<ChildStatus> = {}): ChildStatus => ({
  ok: true,
  protocol: 1,
  version: '0.1.0',
  pid: 4242,
  uptimeMs: 300_000,
  provider: 'echo',
  providerLabel: 'Echo (offline test provider)',
  heartbeats: { enabled: true, intervalMs: 60_000, lastAt: null, lastOutcome: null, nextAt: null },
  sessions: 3,
  queue: { depth: 2, running: 1 },
  ...extra,
});

function renderPanel(props: Partial<StatusPanelProps> = {}) {
  const handlers = {
    onRestart: vi.fn<StatusPanelProps['onRestart']>(),
    onHeartbeats: vi.fn<StatusPanelProps['onHeartbeats']>(),
    onFallback: vi.fn<StatusPanelProps['onFallback']>(),
  };
  const user = userEvent.setup();
  render(<StatusPanel state={stateWith({})} status={null} stderr={[]} now={STATE_NOW} restarting={false} {...handlers} {...props} />);
  const panel = screen.getByRole('complementary', { name: 'Gateway status' });
  /** The panel's facts as the term → definition pairs it shows. */
  const facts = () => {
    const terms = within(panel).getAllByRole('term').map((term) => term.textContent ?? '');
    const definitions = within(panel).getAllByRole('definition').map((definition) => definition.textContent ?? '');
    return Object.fromEntries(terms.map((term, i) => [term, definitions[i]]));
  };
  /** The state's label (the element the end-to-end tests read too). */
  const stateLabel = () => within(panel).getByTestId('gateway-state').textContent;
  return { panel, facts, stateLabel, user, ...handlers };
}

describe('StatusPanel', () => {
  it.each([
    ['running', stateWith({}), 'Running', 'Gateway pid 4242 is ready.'],
    ['stopping', stateWith({ stopping: true, reason: 'stopping gateway pid 4242' }), 'Stopping', 'Stopping gateway pid 4242.'],
    ['starting', stateWith({ state: 'starting', pid: null, reason: 'starting the gateway' }), 'Starting', 'Starting the gateway.'],
    ['restarting', stateWith({ state: 'restarting', pid: null, reason: 'gateway pid 4242 exited with code 1; restarting in 1900 ms (attempt 3)', retryAt: STATE_NOW + 2_000 }), 'Restarting', 'Gateway pid 4242 exited with code 1. Next try in 2 s (attempt 3).'],
    ['failed', stateWith({ state: 'failed', pid: null, reason: 'crashed 5 times in 3 minutes' }), 'Failed', 'Crashed 5 times in 3 minutes. Use Restart when the cause is fixed.'],
    ['stopped', stateWith({ state: 'stopped', pid: null, reason: 'stopped by the user' }), 'Stopped', 'Stopped by the user.'],
  ])('says %s in words', (_, state, label, detail) => {
    const { panel, stateLabel } = renderPanel({ state });
    expect(stateLabel()).toBe(label);
    expect(within(panel).queryByText(detail)).not.toBeNull();
  });

  it('shows pid, uptime, restarts with recent crashes, the last exit, queue and provider', () => {
    const state = stateWith({ restarts: 2, recentCrashes: 3, lastExit: { code: 1, signal: null, at: STATE_NOW - 10 * 60_000 } });
    const { facts } = renderPanel({ state, status: { via: 'gateway', state, gateway: child() } });
    expect(facts()).toEqual({
      pid: '4242',
      uptime: '5 min',
      restarts: '2 automatic; 3 crashes in the last few minutes',
      'last exit': 'code 1, 10 min ago',
      heartbeats: 'on, none yet',
      queue: '2 waiting, 1 running',
      provider: 'echo',
    });
  });

  it('says why the restarts stopped short of the crashes when the breaker tripped, instead of "4 (5 crashes lately)"', () => {
    const tripped = stateWith({ state: 'failed', failure: 'crash loop', pid: null, restarts: 4, recentCrashes: 5, reason: 'crashed 5 times in 3 minutes' });
    expect(renderPanel({ state: tripped }).facts().restarts).toBe('4 automatic, then stopped after 5 crashes in a short time');
    cleanup();
    expect(renderPanel({ state: stateWith({ restarts: 0, recentCrashes: 0 }) }).facts().restarts).toBe('none');
  });

  it('says how the last run ended: by a signal, or by a spawn error', () => {
    const bySignal = stateWith({ lastExit: { code: null, signal: 'SIGKILL', at: STATE_NOW - 5_000 } });
    expect(renderPanel({ state: bySignal }).facts()['last exit']).toBe('signal SIGKILL, just now');
    cleanup();
    const bySpawn = stateWith({ state: 'failed', pid: null, lastExit: { code: null, signal: null, spawnError: 'spawn tether ENOENT', at: STATE_NOW - 3 * 3_600_000 } });
    expect(renderPanel({ state: bySpawn }).facts()['last exit']).toBe('spawn tether ENOENT, 3 h ago');
  });

  it('shows dashes for what a stopped gateway does not have', () => {
    const { facts } = renderPanel({ state: stateWith({ state: 'stopped', pid: null, reason: 'stopped' }) });
    expect(facts()).toMatchObject({ pid: '—', uptime: '—', restarts: 'none', 'last exit': '—', queue: '—', provider: '—' });
  });

  it('tells the last heartbeat, or that heartbeats are off', () => {
    const state = stateWith({});
    const status: CompanionStatus = { via: 'gateway', state, gateway: child({ heartbeats: { enabled: true, intervalMs: 60_000, lastAt: STATE_NOW - 120_000, lastOutcome: 'ok', nextAt: null } }) };
    expect(renderPanel({ state, status }).facts().heartbeats).toBe('on, last ok 2 min ago');
    cleanup();
    expect(renderPanel({ state: stateWith({}, { heartbeatsEnabled: false }) }).facts().heartbeats).toBe('off');
  });

  it('says sends go through the CLI while the gateway is down and the fallback is on', () => {
    const { panel } = renderPanel({ state: stateWith({ state: 'restarting', pid: null, reason: 'gateway exited' }, { fallbackEnabled: true }) });
    expect(within(panel).queryByText('Sends go through the one-shot CLI while the gateway is down.')).not.toBeNull();
    cleanup();
    const running = renderPanel({ state: stateWith({}, { fallbackEnabled: true }) });
    expect(within(running.panel).queryByText('Sends go through the one-shot CLI while the gateway is down.')).toBeNull();
  });

  it('shows the last error of a gateway that is not running, first line only', () => {
    const state = stateWith({ state: 'failed', pid: null, reason: 'crash loop: 5 crashes in 3 minutes', lastError: 'Error: EADDRINUSE 127.0.0.1:9\n    at listen (net.js:1)' });
    const { panel } = renderPanel({ state });
    expect(within(panel).queryByText('Error: EADDRINUSE 127.0.0.1:9')).not.toBeNull();
    expect(panel.textContent).not.toContain('at listen');
  });

  it('shows both toggles as set and calls their handlers with the new value', async () => {
    const { user, onHeartbeats, onFallback } = renderPanel({ state: stateWith({}, { heartbeatsEnabled: true, fallbackEnabled: false }) });
    const heartbeats = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Send heartbeats' });
    const fallback = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Use CLI fallback' });
    expect([heartbeats.checked, fallback.checked]).toEqual([true, false]);
    await user.click(heartbeats);
    expect(onHeartbeats).toHaveBeenCalledWith(false);
    await user.click(fallback);
    expect(onFallback).toHaveBeenCalledWith(true);
  });

  it('restarts the gateway on Restart, and disables the button while it restarts', async () => {
    const { user, onRestart } = renderPanel();
    await user.click(screen.getByRole('button', { name: 'Restart gateway' }));
    expect(onRestart).toHaveBeenCalledTimes(1);
    cleanup();
    renderPanel({ restarting: true });
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Restarting…' }).disabled).toBe(true);
  });

  it('shows the recent output, folded while running and open when the gateway failed', () => {
    const lines = ['[gateway] listening', '[gateway] provider echo ready'];
    const running = renderPanel({ stderr: lines });
    const summary = within(running.panel).getByText('Recent output (2 lines)');
    const details = summary.closest('details')!;
    expect(details.open).toBe(false);
    expect(details.textContent).toContain('[gateway] listening\n[gateway] provider echo ready');
    cleanup();
    const failed = renderPanel({ state: stateWith({ state: 'failed', pid: null, reason: 'crash loop' }), stderr: ['boom'] });
    expect(within(failed.panel).getByText('Recent output (1 line)').closest('details')!.open).toBe(true);
  });

  it('says there is no output yet', () => {
    const { panel } = renderPanel({ stderr: [] });
    expect(within(panel).queryByText('Recent output (0 lines)')).not.toBeNull();
    expect(within(panel).queryByText('Nothing yet.')).not.toBeNull();
  });
});
