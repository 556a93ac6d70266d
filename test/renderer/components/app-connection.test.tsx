// @vitest-environment happy-dom
/**
 * The window while it cannot reach Tether: the status panel says the gateway's state
 * is unknown instead of showing the last values (a green "Running, pid …" for a
 * server that may be gone), and the banner says what to do for why it is down.
 */
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../renderer/src/components/App.js';
import type { DisconnectReason } from '../../../renderer/src/bridge/web-bridge.js';
import { fakeBridgeClient } from '../helpers/fake-bridge-client.js';
import { setUpAppTests } from './app-test-setup.js';

setUpAppTests();

describe('a disconnected window', () => {
  it('shows the gateway as unknown, with no pid, while the bridge is down, and the real state once it is back', async () => {
    const client = fakeBridgeClient();
    render(<App client={client} />);
    const panel = () => screen.getByRole('complementary', { name: 'Gateway status' });
    await waitFor(() => expect(within(panel()).getByTestId('gateway-state').textContent).toBe('Running'));
    expect(within(panel()).getByTestId('gateway-pid').textContent).toBe('4242');

    act(() => client.setConnection('closed'));
    const down = screen.getByRole('complementary', { name: 'Gateway status' });
    expect(within(down).getByTestId('gateway-state').textContent).toBe('Unknown, reconnecting');
    expect(down.textContent).not.toContain('4242');
    expect(down.textContent).not.toContain('Running');
    // The header's status button (what a narrow window shows of the panel) says the same.
    const toggle = () => screen.getByRole('button', { name: /^Gateway status:/u });
    expect(toggle().textContent).toBe('Reconnecting');
    expect(toggle().getAttribute('aria-label')).toBe('Gateway status: unknown, reconnecting');

    act(() => client.setConnection('open'));
    await waitFor(() => expect(within(screen.getByRole('complementary', { name: 'Gateway status' })).getByTestId('gateway-state').textContent).toBe('Running'));
    expect(toggle().textContent).toBe('Running');
  });

  it.each<[DisconnectReason, RegExp]>([
    ['server-down', /Start it again with "tether app --web".*reconnects by itself/u],
    ['token-rejected', /Open the URL it printed/u],
    ['unknown', /reconnecting/u],
  ])('says what to do when the reason is %s', async (reason, advice) => {
    const client = fakeBridgeClient();
    let current: DisconnectReason = 'unknown';
    client.disconnectReason = () => current;
    render(<App client={client} />);
    await screen.findByRole('complementary', { name: 'Gateway status' });
    act(() => client.setConnection('closed'));
    current = reason;
    act(() => client.setConnection('closed')); // the bridge tells again once it knows why
    expect(screen.getAllByText(advice).length).toBeGreaterThan(0);
  });
});
