/**
 * The narrow window's drawers (below 720 px the session list and the status panel
 * slide in over the transcript): which one is open, opening one moves focus into
 * it, and closing gives focus back to the button that opened it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

/** A drawer of the narrow layout. */
export type Drawer = 'sessions' | 'status';

/** The CSS selector of each drawer's panel (the components render them; the app does not wrap them). */
const PANELS: Record<Drawer, string> = { sessions: 'nav.sessions', status: 'aside.status' };

/** Which drawer is open, and the functions that open and close them. */
export function useDrawers() {
  const [open, setOpen] = useState<Drawer | null>(null);
  // Read by `close`, which must answer at once whether it closed anything.
  const openRef = useRef<Drawer | null>(null);
  openRef.current = open;
  const opener = useRef<HTMLElement | null>(null);

  const toggle = useCallback((drawer: Drawer) => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen((current) => (current === drawer ? null : drawer));
  }, []);

  const close = useCallback((): boolean => {
    if (openRef.current === null) return false; // nothing open
    openRef.current = null;
    setOpen(null);
    opener.current?.focus();
    return true;
  }, []);

  useEffect(() => {
    if (open === null) return; // nothing to focus
    const panel = document.querySelector<HTMLElement>(PANELS[open]);
    panel?.querySelector<HTMLElement>('button, input, select, [tabindex="0"]')?.focus();
  }, [open]);

  return { open, toggle, close };
}
