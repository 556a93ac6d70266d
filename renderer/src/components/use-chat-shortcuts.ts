/**
 * The window's keyboard shortcuts, on the document: Escape closes what is open
 * (a drawer) or else aborts the streaming reply; Mod+N starts a session; Mod+K
 * searches (when the window has search); `?` opens the shortcut sheet; `/` goes
 * to the message box. A key an open editor or dialog handled (`defaultPrevented`)
 * is left alone.
 */
import { useEffect, useRef } from 'react';
import { commandFor, isMac } from '../model/shortcuts.js';

/** What the shortcuts do; an absent handler leaves its key to the browser. */
export interface ChatShortcutHandlers {
  /** Closes a drawer or overlay if one is open; true when it did (Escape then aborts nothing). */
  closeOverlay: () => boolean;
  /** Aborts the streaming reply; absent while nothing streams. */
  abort?: (() => void) | undefined;
  newSession: () => void;
  /** Opens search; absent until the window has it. */
  search?: (() => void) | undefined;
  openSheet: () => void;
  focusComposer: () => void;
}

/** True when focus is where keys are text. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || (target.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes((target as HTMLInputElement).type));
}

/** Installs the shortcuts for as long as the calling component is mounted. */
export function useChatShortcuts(handlers: ChatShortcutHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const mac = isMac();
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return; // handled by an editor or dialog, or an IME is composing
      const command = commandFor(event, isTyping(event.target), mac);
      const h = latest.current;
      switch (command) {
        case null:
          return;
        case 'abort':
          if (h.closeOverlay()) break;
          if (!h.abort) return; // nothing streams: Escape stays the browser's
          h.abort();
          break;
        case 'new-session':
          h.newSession();
          break;
        case 'search':
          if (!h.search) return; // no search yet: the key stays the browser's
          h.search();
          break;
        case 'shortcuts':
          h.openSheet();
          break;
        case 'focus-composer':
          h.focusComposer();
          break;
      }
      event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
