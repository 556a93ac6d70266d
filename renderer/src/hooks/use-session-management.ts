/**
 * Rename, pin, delete (with Undo for 10 s) and export of sessions, over the bridge.
 *
 * Kept out of the App component: it owns the one piece of state these need (the
 * delete that can still be undone) and tells the App what changed through the
 * callbacks it is given. Every failure becomes a notice naming what failed.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BridgeClient } from '../bridge/bridge-client.js';
import { sessionMarkdown, exportFileName } from '../model/session-export.js';
import type { SessionSummary } from '../model/sessions.js';

/** How long a deleted session can be brought back from the window. */
export const UNDO_MS = 10_000;

/** A delete the user can still undo. */
export interface PendingUndo {
  session: string;
  name: string;
  trashId: string;
  trashPath: string;
  /** When the Undo button goes away. */
  until: number;
}

export interface SessionManagementOptions {
  client: BridgeClient;
  /** A session's summary changed (renamed, pinned, restored). */
  onDidChange: (summary: SessionSummary) => void;
  /** A session was deleted (here or in another window). */
  onDidDelete: (session: string) => void;
  /** Something failed: what, and the error. */
  onError: (what: string, error: unknown) => void;
  /** Saves a file (tests replace it); default: a download of a Blob. */
  save?: (name: string, text: string) => void;
  now?: () => number;
}

/** The actions, and the delete that can be undone. */
export function useSessionManagement(options: SessionManagementOptions) {
  const { client } = options;
  const latest = useRef(options);
  latest.current = options;
  const [pendingUndo, setPendingUndo] = useState<PendingUndo | null>(null);

  // The Undo offer ends after UNDO_MS; the transcript stays in the trash folder.
  useEffect(() => {
    if (!pendingUndo) return;
    const timer = setTimeout(() => setPendingUndo((current) => (current === pendingUndo ? null : current)), Math.max(0, pendingUndo.until - Date.now()));
    return () => clearTimeout(timer);
  }, [pendingUndo]);

  const rename = useCallback(
    async (session: string, title: string | null) => {
      try {
        latest.current.onDidChange((await client.call('update-session', { session, title })).session);
      } catch (error) {
        latest.current.onError(`Could not rename "${session}"`, error);
      }
    },
    [client],
  );

  const setPinned = useCallback(
    async (session: string, pinned: boolean) => {
      try {
        latest.current.onDidChange((await client.call('update-session', { session, pinned })).session);
      } catch (error) {
        latest.current.onError(`Could not ${pinned ? 'pin' : 'unpin'} "${session}"`, error);
      }
    },
    [client],
  );

  const remove = useCallback(
    async (summary: SessionSummary) => {
      try {
        const deleted = await client.call('delete-session', { session: summary.key });
        latest.current.onDidDelete(summary.key);
        const now = (latest.current.now ?? Date.now)();
        setPendingUndo({ session: summary.key, name: summary.title ?? summary.key, trashId: deleted.trashId, trashPath: deleted.trashPath, until: now + UNDO_MS });
      } catch (error) {
        latest.current.onError(`Could not delete "${summary.title ?? summary.key}"`, error);
      }
    },
    [client],
  );

  const undo = useCallback(async () => {
    const pending = pendingUndo;
    if (!pending) return; // nothing to undo
    setPendingUndo(null);
    try {
      latest.current.onDidChange((await client.call('restore-session', { trashId: pending.trashId })).session);
    } catch (error) {
      latest.current.onError(`Could not restore "${pending.name}" (its transcript is in ${pending.trashPath})`, error);
    }
  }, [client, pendingUndo]);

  const exportMarkdown = useCallback(
    async (summary: SessionSummary) => {
      try {
        const messages = [];
        let before: number | undefined;
        // Pages backwards until the first message; the export is oldest first.
        for (;;) {
          const page = await client.call('get-history', { session: summary.key, limit: 1000, ...(before !== undefined ? { before } : {}) });
          messages.unshift(...page.messages);
          if (!page.hasMore || page.messages.length === 0) break;
          before = page.messages[0]!.index;
        }
        const text = sessionMarkdown(summary, messages, (latest.current.now ?? Date.now)());
        (latest.current.save ?? downloadText)(exportFileName(summary), text);
      } catch (error) {
        latest.current.onError(`Could not export "${summary.title ?? summary.key}"`, error);
      }
    },
    [client],
  );

  return { rename, setPinned, remove, undo, exportMarkdown, pendingUndo, dismissUndo: () => setPendingUndo(null) };
}

/** Saves text as a file through the browser's download (in Electron, its save dialog). */
function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/markdown;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the download took it
}
