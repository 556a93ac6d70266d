/**
 * The sessions list: the gateway's summaries, kept current by `session.updated`
 * events, with an unread mark for sessions that gained messages while not open.
 * "Seen" counts persist (localStorage) so a reload does not mark everything unread.
 */
import type { BridgeResult } from '../../../main/bridge/contract.js';

export type SessionSummary = BridgeResult<'list-sessions'>['sessions'][number];

/** A `session.updated` event's payload. */
export interface SessionUpdate {
  session: string;
  updatedAt: number;
  messageCount: number;
  preview: string;
}

/** Merges an update into the list (adding a new session), most recent first. */
export function applySessionUpdate(list: readonly SessionSummary[], update: SessionUpdate): SessionSummary[] {
  const existing = list.find((session) => session.key === update.session);
  const merged: SessionSummary = {
    key: update.session,
    updatedAt: update.updatedAt,
    messageCount: update.messageCount,
    preview: update.preview,
    thinking: existing?.thinking ?? null,
  };
  return sortSessions([merged, ...list.filter((session) => session.key !== update.session)]);
}

/** What a send tells about its session when no `session.updated` comes (the one-shot CLI answered it). */
export interface SessionActivity {
  session: string;
  updatedAt: number;
  preview: string;
}

/**
 * Merges a send's activity into the list: the session moves up with its new preview.
 *
 * How many messages it has now is not known (the CLI may have written one or two, and
 * the list may be stale already), so the count stays as last listed until the list is
 * read again, which happens when the gateway runs.
 */
export function applySessionActivity(list: readonly SessionSummary[], activity: SessionActivity): SessionSummary[] {
  const existing = list.find((session) => session.key === activity.session);
  return applySessionUpdate(list, { ...activity, messageCount: existing?.messageCount ?? 0 });
}

/** Most recently updated first; ties by key. */
export function sortSessions(list: readonly SessionSummary[]): SessionSummary[] {
  return [...list].sort((a, b) => b.updatedAt - a.updatedAt || a.key.localeCompare(b.key));
}

/** Message counts the user has seen, per session. */
export type SeenCounts = Record<string, number>;

/** True when a session has messages the user has not seen. A never-seen session counts as read only if empty. */
export function isUnread(session: SessionSummary, seen: SeenCounts, openSession: string | null): boolean {
  if (session.key === openSession) return false;
  return session.messageCount > (seen[session.key] ?? 0);
}

/** On first load, everything already there counts as seen (no wall of unread marks). */
export function seedSeen(list: readonly SessionSummary[], seen: SeenCounts): SeenCounts {
  const next = { ...seen };
  for (const session of list) if (next[session.key] === undefined) next[session.key] = session.messageCount;
  return next;
}

/** Checks a key the user typed for a new session; returns why it is refused, or null. */
export function validateSessionKey(key: string, existing: readonly SessionSummary[]): string | null {
  if (key.trim() === '') return 'Type a name for the session.';
  if (key.length > 128) return 'Session names are at most 128 characters.';
  if (/[\u0000-\u001f\u007f/\\]/u.test(key)) return 'Session names cannot contain "/", "\\" or control characters.';
  if (existing.some((session) => session.key === key)) return `A session named "${key}" exists already; pick it from the list.`;
  return null;
}
