/**
 * Where quick ask's "Open in Chat" and reply links go.
 *
 * The chat opens the session saved last (`saveOpenSession`), so "Open in Chat"
 * saves the session asked in, then asks main to show the chat window (the desktop
 * app reloads it so it reads the session); where there is no window to show (web
 * mode), this tab goes to the chat's page (`./` from `/quick` is the index).
 */
import type { BridgeClient } from '../bridge/bridge-client.js';
import { saveOpenSession } from '../model/open-session.js';

/** Opens the chat on a session: the desktop app's chat window, else this tab. */
export function openChatWith(client: BridgeClient, location: Pick<Location, 'assign'> = window.location): (session: string) => void {
  return (session) => {
    saveOpenSession(session);
    void client.call('open-chat', { session }).then(
      ({ opened }) => {
        if (!opened) location.assign('./');
      },
      () => location.assign('./'), // main could not say: the page can still go there itself
    );
  };
}

/** Opens a link the way the chat does: the desktop app's browser, else a new tab. */
export function openLinkWith(client: BridgeClient): (url: string) => void {
  return (url) => {
    void client.call('open-external', { url }).then(
      ({ opened }) => {
        if (!opened) window.open(url, '_blank', 'noopener,noreferrer'); // web mode: the browser opens it
      },
      () => undefined, // refused (not http/https): nothing to open
    );
  };
}
