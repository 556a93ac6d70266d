/**
 * Where quick ask's "Open in Chat" and reply links go.
 *
 * The chat reads the session to open from the saved open session, so this tab
 * saves it and goes to the chat's page (`./` from `/quick` is the index).
 */
import type { BridgeClient } from '../bridge/bridge-client.js';
import { saveOpenSession } from '../model/open-session.js';

/** Opens the chat on `session` in this tab. */
export function openChatHere(session: string, location: Pick<Location, 'assign'> = window.location): void {
  saveOpenSession(session);
  location.assign('./');
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
