/**
 * The keyboard shortcut sheet (`?`): a modal list of every shortcut, closed by
 * Escape, its Close button or a click outside; focus goes back where it was.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { isMac, keyLabel, SHORTCUTS, type ShortcutCommand } from '../model/shortcuts.js';

export interface ShortcutSheetProps {
  /** Commands the window does not offer (search, before it exists) are left out. */
  hidden?: readonly ShortcutCommand[];
  onClose: () => void;
}

/** The sheet. */
export function ShortcutSheet({ hidden = [], onClose }: ShortcutSheetProps) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    close.current?.focus();
    return () => before?.focus();
  }, []);
  const mac = isMac();

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault(); // closes the sheet, aborts nothing
      event.stopPropagation();
      onClose();
    } else if (event.key === 'Tab') {
      event.preventDefault(); // one control: focus stays in the sheet
      close.current?.focus();
    }
  };

  return (
    <div className="sheet-backdrop" onClick={onClose}>
      <div className="sheet" role="dialog" aria-modal="true" aria-labelledby="shortcut-sheet-title" onClick={(event) => event.stopPropagation()} onKeyDown={onKeyDown}>
        <div className="sheet-header">
          <h2 id="shortcut-sheet-title">Keyboard shortcuts</h2>
          <button ref={close} type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
        <dl className="shortcut-list">
          {SHORTCUTS.filter((shortcut) => !hidden.includes(shortcut.command)).map((shortcut) => (
            <div key={shortcut.command} className="shortcut">
              <dt>
                {shortcut.keys.map((key) => (
                  <kbd key={key}>{keyLabel(key, mac)}</kbd>
                ))}
              </dt>
              <dd>{shortcut.description}</dd>
            </div>
          ))}
          <div className="shortcut">
            <dt>
              <kbd>Enter</kbd>
            </dt>
            <dd>Send; Shift+Enter starts a new line</dd>
          </div>
          <div className="shortcut">
            <dt>
              <kbd>Tab</kbd>
            </dt>
            <dd>Move to a message's Copy, Edit, Regenerate and Continue buttons</dd>
          </div>
        </dl>
      </div>
    </div>
  );
}
