/**
 * Desktop notifications: a finished reply, a failed send and the gateway failing,
 * each while the user does not see the chat window (hidden, minimised, or behind
 * another app); a click opens the chat on that session.
 *
 * Whether to notify, and what to say, is decided in `main/bridge/notices.ts` (plain data, shared with the web page);
 * this shows it. Shown notifications are kept referenced until they close: a
 * collected `Notification` loses its click handler.
 */
import { Notification } from 'electron';
import type { Event } from '../../rpc-host/protocol/schemas.js';
import type { CompanionState } from '../core/companion.js';
import { approvalNotice, gatewayFailedNotice, replyNotice, sendFailedNotice, type ReplyNotice } from '../bridge/notices.js';

const noticesShown = new Set<Notification>();

/**
 * Shows a notification; a click calls `onClick`. Returns false where notifications
 * are not supported.
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

/** How the notifier knows whether the user sees the chat, and how it opens it. */
export interface ReplyNotifierOptions {
  /** True while the user sees the chat window (shown and focused). */
  windowSeen: () => boolean;
  /** Opens the chat on `session`, or as it is for null (on click). */
  openChat: (session: string | null) => void;
}

/** Shows a desktop notification for each reply, failed send and gateway failure the user cannot see. */
export class ReplyNotifier {
  private lastState: CompanionState | null = null;

  constructor(private readonly options: ReplyNotifierOptions) {}

  /** A gateway event: notifies a finished reply or a tool call waiting for approval; returns whether it did. */
  notify(event: Event): boolean {
    const windowSeen = this.options.windowSeen();
    return this.show(replyNotice(event, windowSeen) ?? approvalNotice(event, windowSeen));
  }

  /** A send that failed, from any window; returns whether it notified. */
  notifySendFailed(session: string, message: string): boolean {
    return this.show(sendFailedNotice(session, message, this.options.windowSeen()));
  }

  /** A companion state change: notifies the gateway entering `failed`; returns whether it did. */
  notifyState(state: CompanionState): boolean {
    const previous = this.lastState;
    this.lastState = state;
    return this.show(gatewayFailedNotice(previous, state, this.options.windowSeen()));
  }

  private show(notice: ReplyNotice | null): boolean {
    if (!notice) return false; // nothing the user would miss
    return showAppNotice(notice.title, notice.body, () => this.options.openChat(notice.session));
  }
}
