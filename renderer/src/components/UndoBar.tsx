/**
 * "Deleted …  Undo": shown for the seconds a delete can be undone from the window,
 * with where the transcript went (it stays in the trash folder after that).
 */
import { UNDO_MS, type PendingUndo } from '../hooks/use-session-management.js';

export function UndoBar({ pending, now, onUndo, onDismiss }: { pending: PendingUndo; now: number; onUndo: () => void; onDismiss: () => void }) {
  // `now` ticks once a second, so it may lag the clock the offer was made by.
  const seconds = Math.min(UNDO_MS / 1000, Math.max(0, Math.ceil((pending.until - now) / 1000)));
  return (
    <div className="notice notice-info undo-bar" role="status">
      <span>
        Deleted <strong>{pending.name}</strong>. Moved to <code title={pending.trashPath}>trash</code>
        {seconds > 0 ? `; undo within ${seconds} s.` : '.'}
      </span>
      <span className="undo-buttons">
        <button type="button" className="button button-primary" onClick={onUndo}>
          Undo
        </button>
        <button type="button" className="button" onClick={onDismiss} aria-label="Dismiss">
          ✕
        </button>
      </span>
    </div>
  );
}
