/**
 * The web page's opt-in for notifications: a button that asks the browser for
 * permission when the user presses it (browsers ignore, and users resent, a
 * prompt on load), and says where things stand once asked. Absent in the
 * desktop app, which notifies on its own.
 */
import { useState } from 'react';
import { canNotifyInPage } from './use-browser-notifications.js';

export function NotifyToggle() {
  const [permission, setPermission] = useState<NotificationPermission | null>(() => (canNotifyInPage() ? Notification.permission : null));
  if (permission === null) return null; // the desktop app, or a browser without notifications
  if (permission === 'granted') return <p className="notify-state">Notifications on: replies, failed sends and a failed gateway, while this tab is in the background.</p>;
  if (permission === 'denied') return <p className="notify-state">Notifications are blocked for this page; allow them in the browser’s site settings to be told of replies.</p>;
  return (
    <button type="button" className="notify-toggle" onClick={() => void Notification.requestPermission().then(setPermission, () => setPermission(Notification.permission))}>
      Notify me of replies
    </button>
  );
}
