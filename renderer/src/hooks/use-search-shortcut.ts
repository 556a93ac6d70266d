/**
 * Ctrl+K (Cmd+K on macOS) opens the search, from anywhere in the window, the
 * composer included: it types nothing there, and browsers' own use of it (the
 * address bar's search) is what users of chat apps expect it to replace.
 */
import { useEffect, useRef } from 'react';

/** Calls `open` on Ctrl/Cmd+K. */
export function useSearchShortcut(open: () => void): void {
  const latest = useRef(open);
  latest.current = open;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 'k' || event.altKey || event.shiftKey) return; // another shortcut
      if (!(event.ctrlKey || event.metaKey)) return; // plain typing
      event.preventDefault();
      latest.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
