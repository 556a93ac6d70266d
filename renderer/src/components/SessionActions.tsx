/**
 * One session's actions menu: Rename (a display title; the key stays), Pin or Unpin,
 * Export as Markdown, Delete (the window then offers Undo). Opened by its "⋯" button,
 * closed by Escape or a click elsewhere; Rename turns into a small form in place.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { displayName, type SessionSummary } from '../model/sessions.js';

/** What the menu's items do. */
export interface SessionActionHandlers {
  rename: (session: string, title: string | null) => void;
  setPinned: (session: string, pinned: boolean) => void;
  exportMarkdown: (session: SessionSummary) => void;
  remove: (session: SessionSummary) => void;
}

export function SessionActions({ session, handlers }: { session: SessionSummary; handlers: SessionActionHandlers }) {
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState('');
  const root = useRef<HTMLDivElement>(null);
  const name = displayName(session);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  // The first item takes focus when the menu opens, so it works from the keyboard.
  useEffect(() => {
    if (open) root.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
  }, [open]);

  const choose = (action: () => void) => {
    setOpen(false);
    action();
  };

  const submitRename = (event: FormEvent) => {
    event.preventDefault();
    handlers.rename(session.key, title.trim() === '' ? null : title.trim());
    setRenaming(false);
  };

  const onMenuKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      setOpen(false);
      root.current?.querySelector<HTMLButtonElement>('.session-actions-button')?.focus();
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const items = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
    event.preventDefault();
  };

  if (renaming) {
    return (
      <form className="session-rename" onSubmit={submitRename}>
        <label htmlFor={`rename-${session.key}`} className="visually-hidden">New title for {name}</label>
        <input
          id={`rename-${session.key}`}
          value={title}
          autoFocus
          maxLength={200}
          placeholder={session.key}
          onChange={(event) => setTitle(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              setRenaming(false);
            }
          }}
        />
        <button type="submit" className="button button-primary">Save</button>
        <button type="button" className="button" onClick={() => setRenaming(false)}>Cancel</button>
      </form>
    );
  }

  return (
    <div className="session-actions" ref={root} onKeyDown={onMenuKey}>
      <button type="button" className="session-actions-button" aria-label={`Actions for ${name}`} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
        ⋯
      </button>
      {open && (
        <div className="session-menu" role="menu" aria-label={`Actions for ${name}`}>
          <button type="button" role="menuitem" onClick={() => choose(() => {
            setTitle(session.title ?? '');
            setRenaming(true);
          })}>
            Rename…
          </button>
          <button type="button" role="menuitem" onClick={() => choose(() => handlers.setPinned(session.key, !session.pinned))}>
            {session.pinned ? 'Unpin' : 'Pin'}
          </button>
          <button type="button" role="menuitem" onClick={() => choose(() => handlers.exportMarkdown(session))}>
            Export as Markdown
          </button>
          <button type="button" role="menuitem" className="danger" onClick={() => choose(() => handlers.remove(session))}>
            Delete
          </button>
        </div>
      )}
    </div>
  );
}
