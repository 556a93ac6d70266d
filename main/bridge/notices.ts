/**
 * Whether a gateway event deserves a notification, and its text.
 *
 * A reply that arrives while the chat window is hidden (a heartbeat that found
 * something, or a long send the user walked away from) would otherwise go unseen.
 * Shown replies, streaming deltas, aborted and empty replies get no notification.
 * A tool call waiting for approval while the window is hidden does: its run waits.
 * Plain data in, plain data out, with no Node or Electron in it: the desktop
 * adapter shows it with Electron's `Notification`, and the web page (the one
 * runtime import the renderer makes from main/) with the browser's.
 */
import type { Event } from '../../rpc-host/protocol/schemas.js';
import type { CompanionState } from '../core/companion.js';

/** What a notification says, and which session a click should open. */
export interface ReplyNotice {
  title: string;
  body: string;
  /** The session a click opens; null opens the chat on whatever it shows. */
  session: string | null;
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

/**
 * The notice for a tool call that waits for the user's approval, or null for any
 * other event or while the user sees the window (the card is in it).
 *
 * The run stands still until someone answers or the approval times out (and the
 * call is denied), so a hidden window must say so; a click opens the run's
 * session, where the card is. The arguments are left out: they are the model's
 * text, and the card shows them whole.
 */
export function approvalNotice(event: Event, windowVisible: boolean): ReplyNotice | null {
  if (windowVisible) return null; // the card shows in the window
  if (event.event !== 'approval.requested') return null; // only a call that waits
  const { session, server, tool } = event.payload;
  const name = server === '' ? tool : `${server}/${tool}`;
  // Not `summarize`: tool names are not markdown, and its mark-stripping would eat their underscores.
  return { title: titleFor(session, 'approval needed'), body: clip(`Allow the tool call ${name}? Open Tether to answer.`.replace(/\s+/gu, ' ')), session };
}

/** One line of plain text: whitespace collapsed, common markdown marks dropped, shortened with an ellipsis. */
export function summarize(text: string, max: number = NOTICE_BODY_MAX): string {
  const plain = text
    .replace(/```[^\n]*\n?/gu, ' ') // code fences
    .replace(/!?\[([^\]]*)\]\([^)]*\)/gu, '$1') // links and images keep their text
    .replace(/[*_`#>]+/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  return clip(plain, max);
}

/** `text` shortened to `max` characters with an ellipsis. */
function clip(text: string, max: number = NOTICE_BODY_MAX): string {
  if (text.length <= max) return text;
  const cut = [...text].slice(0, max - 1).join(''); // whole code points: no half emoji
  return `${cut.trimEnd()}…`;
}

/** The title of a notice about `session`: the app's name, and the session unless it is "main". */
function titleFor(session: string, what?: string): string {
  const where = session === 'main' ? 'Tether' : `Tether · ${session}`;
  return what === undefined ? where : `${where} · ${what}`;
}

/** The notice for a send that failed (from any window), or null while the user sees the window. */
export function sendFailedNotice(session: string, message: string, windowVisible: boolean): ReplyNotice | null {
  if (windowVisible) return null; // the failed message shows its error in the window
  return { title: titleFor(session, 'not sent'), body: summarize(message) || 'The send failed; open the chat to send it again.', session };
}

/**
 * The notice for the gateway entering `failed` (it stopped restarting), or null
 * for any other change or while the user sees the window. A click opens
 * nothing in particular: the chat, where the banner says how to restart it.
 */
export function gatewayFailedNotice(previous: CompanionState | null, next: CompanionState, windowVisible: boolean): ReplyNotice | null {
  if (windowVisible) return null; // the window's banner says it
  if (next.gateway.state !== 'failed' || previous?.gateway.state === 'failed') return null; // only the moment it fails
  return { title: 'Tether · the gateway failed', body: summarize(`${next.gateway.reason.replace(/[.\s]+$/u, '')}. Open Tether and press Restart.`), session: null };
}
