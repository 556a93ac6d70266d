/**
 * The sessions: title (or key), last message preview, relative time and an unread
 * mark, pinned first then most recent first, with a "New session" form and a
 * "Search" button. Arrow keys move between sessions. Each session has an actions
 * menu (Rename, Pin, Export as Markdown, Delete) when the App handles them.
 */
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { formatRelativeTime } from '../model/format.js';
import { displayName, isUnread, validateSessionKey, type SeenCounts, type SessionSummary } from '../model/sessions.js';
import { SessionActions, type SessionActionHandlers } from './SessionActions.js';

export interface SessionListProps {
  sessions: readonly SessionSummary[];
  openSession: string;
  seen: SeenCounts;
  now: number;
  onOpen: (key: string) => void;
  onCreate: (key: string) => void;
  error: string | null;
  /** Rename, pin, export and delete; without them the list has no actions menu. */
  actions?: SessionActionHandlers | undefined;
  /** Opens the search (Ctrl/Cmd+K); without it there is no Search button. */
  onSearch?: (() => void) | undefined;
}

export function SessionList({ sessions, openSession, seen, now, onOpen, onCreate, error, actions, onSearch }: SessionListProps) {
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const key = name.trim();
    const why = validateSessionKey(key, sessions);
    if (why) {
      setProblem(why);
      return;
    }
    onCreate(key);
    setCreating(false);
    setName('');
    setProblem(null);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.session')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1)))];
    next?.focus();
    event.preventDefault();
  };

  return (
    <nav className="sessions" aria-label="Sessions">
      <div className="sessions-header">
        <h2>Sessions</h2>
        <span className="sessions-buttons">
          {onSearch && (
            <button type="button" className="button" onClick={onSearch} aria-keyshortcuts="Control+K Meta+K" title="Search all sessions (Ctrl+K)">
              Search
            </button>
          )}
          <button type="button" className="button" onClick={() => setCreating((value) => !value)} aria-expanded={creating}>
            New session
          </button>
        </span>
      </div>
      {creating && (
        <form className="new-session" onSubmit={submit}>
          <label htmlFor="new-session-name">Session name</label>
          <input id="new-session-name" value={name} autoFocus onChange={(event) => setName(event.target.value)} placeholder="e.g. research" maxLength={128} aria-invalid={problem ? true : undefined} aria-describedby={problem ? 'new-session-problem' : undefined} />
          <button type="submit" className="button button-primary">Create</button>
          {problem && <p id="new-session-problem" className="field-error">{problem}</p>}
        </form>
      )}
      {error && <p className="sessions-error" role="status">{error}</p>}
      <ul onKeyDown={onKeyDown}>
        {sessions.map((session) => {
          const unread = isUnread(session, seen, openSession);
          const name = displayName(session);
          return (
            <li key={session.key} className="session-row">
              <button type="button" className={`session${session.key === openSession ? ' is-open' : ''}`} aria-current={session.key === openSession ? 'true' : undefined} onClick={() => onOpen(session.key)} data-session={session.key} title={session.title !== undefined ? `${name} (${session.key})` : name}>
                <span className="session-line">
                  {session.pinned && (
                    <svg className="pin-mark" role="img" aria-label="pinned" viewBox="0 0 16 16" width="12" height="12">
                      <path d="M5 1h6l-1 5 3 3H9.5L8 15l-1.5-6H3l3-3z" fill="currentColor" />
                    </svg>
                  )}
                  <span className="session-key" title={name}>{name}</span>
                  {unread && <span className="unread-dot" aria-label="unread" title="New messages" />}
                  <span className="session-time">{session.messageCount > 0 || session.preview !== '' ? formatRelativeTime(session.updatedAt, now) : 'new'}</span>
                </span>
                <span className="session-preview">{session.preview || 'No messages yet'}</span>
              </button>
              {actions && session.messageCount > 0 && <SessionActions session={session} handlers={actions} />}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
