/**
 * What the window says while it cannot reach Tether, and what to do about it: each
 * sentence names something the user can do (start the server again, open the URL
 * it printed), never a guess at a cause the page cannot know.
 */
import type { ConnectionState, DisconnectReason } from '../bridge/web-bridge.js';

/** The advice for a connection that is not open. */
export function connectionAdvice(state: ConnectionState, reason: DisconnectReason): string {
  if (state === 'connecting' && reason === 'unknown') return 'Connecting to Tether…';
  switch (reason) {
    case 'server-down':
      return 'The Tether server is not answering: it stopped, or it is restarting. Start it again with "tether app --web" (same data dir and settings); this tab reconnects by itself.';
    case 'token-rejected':
      return 'The Tether server running now does not accept this tab\'s key: it was started with another settings folder. Open the URL it printed ("Tether web mode: open …").';
    default:
      return 'Lost the connection to Tether; reconnecting…';
  }
}
