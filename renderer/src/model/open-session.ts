/**
 * The session the window had open, kept across reloads (localStorage), so a reload
 * or a restarted `tether app --web` opens where the user was instead of "main".
 */
const OPEN_SESSION_KEY = 'tether.openSession';

/**
 * The session to open on load: the one the page address names (`?session=`, how the
 * desktop app opens the chat from quick ask or a notification), remembered from now
 * on; else the last one opened here; else `main`.
 */
export function loadOpenSession(search: string = typeof location === 'undefined' ? '' : location.search): string {
  const asked = new URLSearchParams(search).get('session');
  if (asked !== null && asked !== '') {
    saveOpenSession(asked);
    return asked;
  }
  try {
    const saved = localStorage.getItem(OPEN_SESSION_KEY);
    return saved !== null && saved !== '' ? saved : 'main';
  } catch {
    return 'main'; // storage unavailable: start where a new window starts
  }
}

/** Remembers the open session. */
export function saveOpenSession(session: string): void {
  try {
    localStorage.setItem(OPEN_SESSION_KEY, session);
  } catch {
    // Storage full or unavailable: the next load opens "main".
  }
}
