// @vitest-environment happy-dom
/**
 * Web mode's notifications: nothing until the user presses "Notify me of replies";
 * then, while the tab is in the background, a finished reply and the gateway
 * failing each show one, and a click opens that session. In the foreground, and
 * in the desktop app (a preload is there), the page shows none.
 */
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotifyToggle } from '../../../renderer/src/notify/NotifyToggle.js';
import { useBrowserNotifications } from '../../../renderer/src/notify/use-browser-notifications.js';
import { stateWith } from '../../helpers/companion-state.js';
import { fakeBridgeClient } from '../helpers/fake-bridge-client.js';

/** The browser's Notification, recording what the page showed. */
class FakeNotification {
  static permission: NotificationPermission = 'default';
  static shown: FakeNotification[] = [];
  static requestPermission = vi.fn(async () => {
    FakeNotification.permission = 'granted';
    return FakeNotification.permission;
  });
  onclick: (() => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: { body: string; tag: string },
  ) {
    FakeNotification.shown.push(this);
  }
  close(): void {
    this.closed = true;
  }
}

let visible = true;
beforeEach(() => {
  FakeNotification.permission = 'default';
  FakeNotification.shown = [];
  vi.stubGlobal('Notification', FakeNotification);
  Object.defineProperty(window, 'Notification', { value: FakeNotification, configurable: true });
  visible = true;
  vi.spyOn(document, 'hasFocus').mockImplementation(() => visible);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  delete (window as { tether?: unknown }).tether;
});

const reply = (session: string, text: string) => ({ type: 'event' as const, event: 'reply' as const, payload: { session, runId: 'r-1', text, source: 'rpc' as const, provider: 'echo', model: 'echo' } });

describe('NotifyToggle', () => {
  it('asks for permission only when pressed, then says notifications are on', async () => {
    render(<NotifyToggle />);
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Notify me of replies' }));
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);
    expect(await screen.findByText(/Notifications on/u)).toBeTruthy();
  });

  it('is absent in the desktop app, which notifies on its own', () => {
    (window as { tether?: unknown }).tether = {};
    const { container } = render(<NotifyToggle />);
    expect(container.textContent).toBe('');
  });
});

describe('useBrowserNotifications', () => {
  it('shows a reply and a failed gateway while the tab is in the background; a click opens the session', () => {
    FakeNotification.permission = 'granted';
    const client = fakeBridgeClient();
    const openSession = vi.fn();
    renderHook(() => useBrowserNotifications(client, openSession));

    act(() => client.emit('gateway-event', reply('work', 'echo: seen in the window')));
    expect(FakeNotification.shown).toHaveLength(0); // in the foreground: the window shows it

    visible = false;
    act(() => client.emit('gateway-event', reply('work', 'echo: **done** while you were away')));
    expect(FakeNotification.shown.map((n) => [n.title, n.options.body])).toEqual([['Tether · work', 'echo: done while you were away']]);
    FakeNotification.shown[0]!.onclick!();
    expect(openSession).toHaveBeenCalledWith('work');

    act(() => client.emit('state-changed', stateWith({ state: 'running' })));
    act(() => client.emit('state-changed', stateWith({ state: 'failed', reason: 'it crashed 5 times in 3 minutes' })));
    expect(FakeNotification.shown.at(-1)!.title).toBe('Tether · the gateway failed');
  });

  it('shows a failed send in the background, and nothing without permission', () => {
    const client = fakeBridgeClient();
    const { result } = renderHook(() => useBrowserNotifications(client, vi.fn()));
    visible = false;
    result.current.sendFailed('main', 'the gateway is not running');
    expect(FakeNotification.shown).toHaveLength(0); // never allowed
    FakeNotification.permission = 'granted';
    result.current.sendFailed('main', 'the gateway is not running');
    expect(FakeNotification.shown.map((n) => n.title)).toEqual(['Tether · not sent']);
  });
});
