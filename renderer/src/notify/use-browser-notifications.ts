/**
 * Notifications in web mode: the browser's Notification API, after the user
 * allowed it (never asked on load: the toggle asks, see NotifyToggle).
 *
 * The desktop app notifies from the main process (main/electron/notifications.ts);
 * the page does so only where there is no preload, so the two never double up.
 * What deserves a notification, and its words, is the same module's decision
 * (main/bridge/notices.ts): a finished reply, a failed send, and the gateway
 * entering `failed`, each while the tab is hidden or unfocused. A click focuses
 * the tab and opens that session.
 */
import { useCallback, useEffect, useRef } from 'react';
import { approvalNotice, gatewayFailedNotice, replyNotice, sendFailedNotice, type ReplyNotice } from '../../../main/bridge/notices.js';
import type { BridgeClient } from '../bridge/bridge-client.js';

type CompanionState = Parameters<typeof gatewayFailedNotice>[1];

/** True where the page can show notifications itself: a browser tab (no preload) with the API. */
export function canNotifyInPage(win: Window = window): boolean {
  return !('tether' in win) && typeof (win as Window & { Notification?: unknown }).Notification === 'function';
}

/** True while the user can see the tab. */
function pageVisible(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

/** Shows `notice` with the browser's API; a click focuses the tab and opens its session. */
function show(notice: ReplyNotice, openSession: (key: string) => void): void {
  if (Notification.permission !== 'granted') return; // not allowed (yet): say nothing
  const notification = new Notification(notice.title, { body: notice.body, tag: notice.session ?? 'tether' });
  notification.onclick = () => {
    window.focus();
    if (notice.session !== null) openSession(notice.session);
    notification.close();
  };
}

/** Subscribes to the events that notify; returns what the window calls when one of its sends fails. */
export function useBrowserNotifications(client: BridgeClient, openSession: (key: string) => void): { sendFailed(session: string, message: string): void } {
  const open = useRef(openSession);
  open.current = openSession;
  useEffect(() => {
    if (!canNotifyInPage()) return;
    let previous: CompanionState | null = null;
    const offState = client.on('state-changed', (next) => {
      const notice = gatewayFailedNotice(previous, next, pageVisible());
      previous = next;
      if (notice) show(notice, open.current);
    });
    const offEvents = client.on('gateway-event', (event) => {
      const visible = pageVisible();
      const notice = replyNotice(event, visible) ?? approvalNotice(event, visible);
      if (notice) show(notice, open.current);
    });
    return () => {
      offState();
      offEvents();
    };
  }, [client]);
  const sendFailed = useCallback((session: string, message: string) => {
    if (!canNotifyInPage()) return;
    const notice = sendFailedNotice(session, message, pageVisible());
    if (notice) show(notice, open.current);
  }, []);
  return { sendFailed };
}
