/**
 * The session the window had open, kept across reloads (localStorage), so a reload
 * or a restarted `tether app --web` opens where the user was instead of "main".
 */
const OPEN_SESSION_KEY = 'tether.openSession';

/** The session to open on load: the last one opened here, else `main`. */
export function loadOpenSession(): string {
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
