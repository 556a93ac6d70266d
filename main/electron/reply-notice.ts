/**
 * Whether a gateway event deserves a desktop notification, and its text.
 *
 * A reply that arrives while the chat window is hidden (a heartbeat that found
 * something, or a long send the user walked away from) would otherwise go unseen.
 * Shown replies, streaming deltas, aborted and empty replies get no notification.
 * Plain data in, plain data out: the adapter shows it with Electron's `Notification`.
 */
import type { Event } from '../../rpc-host/protocol/schemas.js';

/** What a notification says, and which session a click should open. */
export interface ReplyNotice {
  title: string;
  body: string;
  session: string;
}

/** The longest body shown; notification centres cut long text anyway, and badly. */
export const NOTICE_BODY_MAX = 180;

/** The notice for `event`, or null when none should be shown. */
export function replyNotice(event: Event, windowVisible: boolean): ReplyNotice | null {
  if (windowVisible) return null; // the user sees the reply in the window
  if (event.event !== 'reply') return null; // deltas, heartbeat outcomes and session updates are not replies
  const reply = event.payload;
  if (reply.aborted) return null; // the user stopped it
  const body = summarize('text' in reply ? reply.text : ''); // the app never asks for text-less replies
  if (body === '') return null; // nothing to say
  const title = reply.source === 'heartbeat' ? 'Tether · heartbeat' : reply.session === 'main' ? 'Tether' : `Tether · ${reply.session}`;
  return { title, body, session: reply.session };
}

/** One line of plain text: whitespace collapsed, common markdown marks dropped, shortened with an ellipsis. */
export function summarize(text: string, max: number = NOTICE_BODY_MAX): string {
  const plain = text
    .replace(/```[^\n]*\n?/gu, ' ') // code fences
    .replace(/!?\[([^\]]*)\]\([^)]*\)/gu, '$1') // links and images keep their text
    .replace(/[*_`#>]+/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  if (plain.length <= max) return plain;
  const cut = [...plain].slice(0, max - 1).join(''); // whole code points: no half emoji
  return `${cut.trimEnd()}…`;
}
