/**
 * The sessions list: the gateway's summaries, kept current by `session.updated`
 * events, with an unread mark for sessions that gained messages while not open.
 * "Seen" counts persist (localStorage) so a reload does not mark everything unread.
 */
import type { BridgeResult } from '../../../main/bridge/contract.js';
import type { TranscriptState } from './transcript.js';

export type SessionSummary = BridgeResult<'list-sessions'>['sessions'][number];

/** A `session.updated` event's payload. */
export interface SessionUpdate {
  session: string;
  updatedAt: number;
  messageCount: number;
  preview: string;
  /** The display title; absent when it has none (the gateway always sends it when there is one). */
  title?: string | undefined;
  pinned?: true | undefined;
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
    ...(update.title !== undefined ? { title: update.title } : {}),
    ...(update.pinned ? { pinned: true as const } : {}),
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
  return applySessionUpdate(list, { ...activity, messageCount: existing?.messageCount ?? 0, title: existing?.title, pinned: existing?.pinned });
}

/** Pinned sessions first, then most recently updated first; ties by key. */
export function sortSessions(list: readonly SessionSummary[]): SessionSummary[] {
  return [...list].sort((a, b) => Number(b.pinned === true) - Number(a.pinned === true) || b.updatedAt - a.updatedAt || a.key.localeCompare(b.key));
}

/** Replaces one session's summary (a rename, a pin, a restore), keeping the order rules. */
export function replaceSession(list: readonly SessionSummary[], summary: SessionSummary): SessionSummary[] {
  return sortSessions([summary, ...list.filter((session) => session.key !== summary.key)]);
}

/** The list without a deleted session. */
export function removeSession(list: readonly SessionSummary[], key: string): SessionSummary[] {
  return list.filter((session) => session.key !== key);
}

/** What a list shows for a session: its title, else its key. */
export function displayName(session: Pick<SessionSummary, 'key' | 'title'>): string {
  return session.title ?? session.key;
}

/** Message counts the user has seen, per session. */
export type SeenCounts = Record<string, number>;

/** True when a session has messages the user has not seen. A never-seen session counts as read only if empty. */
export function isUnread(session: SessionSummary, seen: SeenCounts, openSession: string | null): boolean {
  if (session.key === openSession) return false;
  return session.messageCount > (seen[session.key] ?? 0);
}

/**
 * The seen count of a session the user is leaving: what its transcript showed, when
 * that is more than the list knew.
 *
 * The list learns a finished reply from the `session.updated` that follows the
 * `reply` event; a user who switches between the two has watched the reply, and the
 * late update must not mark it unread. A reply still streaming does not count: it
 * ends unseen. `shown` is what `shownMessageCount` says of the transcript.
 */
export function seenOnLeave(seen: SeenCounts, session: string, listed: number | undefined, shown: number): SeenCounts {
  const count = Math.max(seen[session] ?? 0, listed ?? 0, shown);
  return seen[session] === count ? seen : { ...seen, [session]: count };
}

/**
 * Messages of the session a transcript has shown whole: every loaded row but
 * replies still streaming and messages that never reached the gateway (so it counts
 * as the gateway's `messageCount` does, up to what is shown).
 */
export function shownMessageCount(transcript: TranscriptState): number {
  let count = transcript.firstIndex;
  for (const item of transcript.items) {
    if (item.state === 'streaming') continue; // ends unseen
    if (item.error?.reached === 'no') continue; // never stored
    count++;
  }
  return count;
}

/**
 * Replies the user watched arrive, until the `session.updated` that counts them.
 *
 * A finished reply comes as a `reply` event, then a `session.updated` with the new
 * message count. A user who switches sessions between the two has watched the
 * reply; without this, the late update would mark the session they just left
 * unread. A reply that finishes after the user left is not watched, and marks it.
 */
export class WatchedReplies {
  private readonly waiting = new Set<string>();

  /** A `reply` event arrived; `openSession` is the session on screen then. */
  noteReply(session: string, openSession: string): void {
    if (session === openSession) this.waiting.add(session);
    else this.waiting.delete(session); // finished unseen
  }

  /**
   * A `session.updated` arrived: the message count the user has seen of its
   * session when it completes a reply they watched, else undefined.
   */
  seenCount(update: SessionUpdate): number | undefined {
    return this.waiting.delete(update.session) ? update.messageCount : undefined;
  }
}

/** Raises a session's seen count (never lowers it). */
export function markSeen(seen: SeenCounts, session: string, count: number): SeenCounts {
  return (seen[session] ?? 0) >= count ? seen : { ...seen, [session]: count };
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
