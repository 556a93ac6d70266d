/**
 * Desktop notifications for replies that arrive while the chat window is hidden.
 *
 * Whether to notify, and what to say, is `replyNotice`'s decision; this shows it
 * and opens the chat on click. Shown notifications are kept referenced until they
 * close: a collected `Notification` loses its click handler.
 */
import { Notification } from 'electron';
import type { Event } from '../../rpc-host/protocol/schemas.js';
import { replyNotice } from './reply-notice.js';

/**
 * Shows a notification about the app itself (a shortcut it could not register,
 * say); a click calls `onClick`. Returns false where notifications are not supported.
 */
export function showAppNotice(title: string, body: string, onClick: () => void): boolean {
  if (!Notification.isSupported()) return false;
  const notification = new Notification({ title, body });
  noticesShown.add(notification); // a collected notification loses its click handler
  notification.on('click', onClick);
  notification.on('close', () => noticesShown.delete(notification));
  notification.show();
  return true;
}

const noticesShown = new Set<Notification>();

/** How the notifier knows the window is showing, and how it opens it. */
export interface ReplyNotifierOptions {
  /** True while the user can see the chat window. */
  windowShowing: () => boolean;
  /** Opens the chat (on click). */
  openChat: () => void;
}

/** Shows a desktop notification for each reply the user cannot see. */
export class ReplyNotifier {
  private readonly shown = new Set<Notification>();

  constructor(private readonly options: ReplyNotifierOptions) {}

  /** Shows a notification for `event` when it is a reply the user cannot see; returns whether it did. */
  notify(event: Event): boolean {
    const notice = replyNotice(event, this.options.windowShowing());
    if (!notice || !Notification.isSupported()) return false;
    const notification = new Notification({ title: notice.title, body: notice.body });
    this.shown.add(notification);
    notification.on('click', () => this.options.openChat());
    notification.on('close', () => this.shown.delete(notification));
    notification.show();
    return true;
  }
}
