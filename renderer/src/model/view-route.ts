/**
 * Which view a page shows, from its address: the chat window, or the quick-ask
 * view (`/quick` in web mode, `app://tether/quick` in the desktop app).
 *
 * One bundle serves both, so the quick-ask window loads the same built files the
 * chat window does; only the root component differs.
 */

/** The path the quick-ask view is served on. */
export const QUICK_ASK_PATH = '/quick';

/** The views a page can show. */
export type ViewRoute = 'chat' | 'quick-ask';

/** The view for a page at `pathname` (a trailing slash counts the same). */
export function viewRouteFor(pathname: string): ViewRoute {
  return pathname.replace(/\/+$/u, '') === QUICK_ASK_PATH ? 'quick-ask' : 'chat';
}
