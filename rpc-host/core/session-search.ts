/**
 * Search across every session: titles and message text, with snippets, paged.
 *
 * Each transcript is folded (as `history` folds it) and its messages' lower-cased
 * text is kept in memory, so a search is a scan of strings, not of files: a `stat`
 * per session tells what grew since (only the new lines are read, as the store reads
 * a growing file) and a file that shrank was replaced and is read again. The copy
 * costs memory roughly the size of the transcripts, so it is dropped after a few
 * minutes without a search; the next search builds it again.
 *
 * A query matches when each of its words appears, case-insensitive. Title hits come
 * first (most recently updated first), then message hits (newest first).
 */
import { statSync } from 'node:fs';
import { MAX_SEARCH_LIMIT } from '../protocol/requests.js';
import type { SearchHit, SearchPayload, SessionSummary } from '../protocol/schemas.js';
import { readTranscriptFrom } from './transcript-file.js';
import { TranscriptFolder } from './transcript-fold.js';

/** Results per page when the request names no limit. */
export const DEFAULT_SEARCH_LIMIT = 20;

/** How long the in-memory copy outlives the last search. */
const DROP_AFTER_MS = 3 * 60_000;

/** Characters of context a snippet shows before the first match, and in all. */
const SNIPPET_BEFORE = 40;
const SNIPPET_CHARS = 160;

/** What search needs of the store: the sessions (with titles) and where their transcripts are. */
export interface SearchableSessions {
  list(): SessionSummary[];
  transcriptPath(session: string): string;
}

interface SessionText {
  folder: TranscriptFolder;
  /** Bytes of the file folded so far. */
  end: number;
  /** Lower-cased text per message, and the text it was made from (a streaming reply's text grows). */
  lower: string[];
  source: string[];
}

/** One search request's answer over the sessions of a store. */
export class SessionSearch {
  private readonly texts = new Map<string, SessionText>();
  private dropTimer: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: SearchableSessions) {}

  /** Runs a query; `offset` and `limit` pick the page. */
  search(query: string, page: { limit?: number | undefined; offset?: number | undefined } = {}): SearchPayload {
    this.scheduleDrop();
    const terms = termsOf(query);
    const limit = Math.min(page.limit ?? DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
    const offset = page.offset ?? 0;
    if (terms.length === 0) return { query, hits: [], total: 0 };

    const summaries = this.sessions.list();
    const titleHits: SessionSummary[] = [];
    /** Message hits as (session, index, ts), made into full hits only for the page. */
    const messageHits: Array<{ session: SessionSummary; index: number; ts: number }> = [];
    const live = new Set<string>();
    for (const summary of summaries) {
      live.add(summary.key);
      if (matchesAll((summary.title ?? summary.key).toLowerCase(), terms)) titleHits.push(summary);
      const text = this.textOf(summary.key);
      const { messages } = text.folder;
      for (let i = 0; i < messages.length; i++) {
        if (matchesAll(lowerAt(text, i, messages[i]!.text), terms)) messageHits.push({ session: summary, index: i, ts: messages[i]!.ts });
      }
    }
    for (const key of this.texts.keys()) if (!live.has(key)) this.texts.delete(key); // deleted sessions
    messageHits.sort((a, b) => b.ts - a.ts || a.session.key.localeCompare(b.session.key) || b.index - a.index);

    const total = titleHits.length + messageHits.length;
    const hits: SearchHit[] = [];
    for (let at = offset; at < Math.min(total, offset + limit); at++) {
      if (at < titleHits.length) {
        const summary = titleHits[at]!;
        hits.push(withTitle({ kind: 'title', session: summary.key, ts: summary.updatedAt, ...snippetOf(summary.title ?? summary.key, terms) }, summary));
        continue;
      }
      const { session, index, ts } = messageHits[at - titleHits.length]!;
      const message = this.texts.get(session.key)!.folder.messages[index]!;
      hits.push(withTitle({ kind: 'message', session: session.key, index, role: message.role, ts, ...snippetOf(message.text, terms) }, session));
    }
    const next = offset + hits.length;
    return next < total ? { query, hits, total, nextOffset: next } : { query, hits, total };
  }

  /** Drops the in-memory copy now (tests, shutdown). */
  dispose(): void {
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
    this.texts.clear();
  }

  private textOf(session: string): SessionText {
    const path = this.sessions.transcriptPath(session);
    let text = this.texts.get(session);
    const size = fileSize(path);
    if (text !== undefined && size === text.end) return text; // nothing new
    if (text === undefined || size < text.end) {
      text = { folder: new TranscriptFolder(), end: 0, lower: [], source: [] };
      this.texts.set(session, text);
    }
    const tail = readTranscriptFrom(path, text.end);
    for (const { record } of tail.records) text.folder.apply(record);
    text.end = tail.end;
    return text;
  }

  private scheduleDrop(): void {
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = setTimeout(() => {
      this.dropTimer = undefined;
      this.texts.clear();
    }, DROP_AFTER_MS);
    this.dropTimer.unref();
  }
}

/** The words of a query, lower-cased, each once. */
export function termsOf(query: string): string[] {
  return [...new Set(query.toLowerCase().split(/\s+/u).filter((term) => term !== ''))];
}

function matchesAll(haystack: string, terms: readonly string[]): boolean {
  for (const term of terms) if (!haystack.includes(term)) return false;
  return true;
}

function lowerAt(text: SessionText, index: number, current: string): string {
  if (text.source[index] !== current) {
    text.source[index] = current;
    text.lower[index] = current.toLowerCase();
  }
  return text.lower[index]!;
}

function withTitle(hit: SearchHit, summary: SessionSummary): SearchHit {
  return summary.title !== undefined ? { ...hit, title: summary.title } : hit;
}

/**
 * The text around the first match of the query's first word, whitespace collapsed
 * and cut with `…`, and where each word matches in it.
 */
export function snippetOf(text: string, terms: readonly string[]): { snippet: string; matches: Array<{ start: number; end: number }> } {
  const flat = text.replace(/\s+/gu, ' ').trim();
  const lower = flat.toLowerCase();
  // Lower-casing can change a string's length (rare letters); then positions come from the lower-cased text.
  const shown = lower.length === flat.length ? flat : lower;
  // Around the first word of the query, which the user typed first; every word of a hit is in the text.
  const first = Math.max(0, terms.length > 0 ? lower.indexOf(terms[0]!) : 0);
  let start = Math.max(0, first - SNIPPET_BEFORE);
  if (start > 0) {
    const space = shown.indexOf(' ', start);
    if (space !== -1 && space < first) start = space + 1; // start on a word
  }
  const end = Math.min(shown.length, start + SNIPPET_CHARS);
  const prefix = start > 0 ? '…' : '';
  const snippet = `${prefix}${shown.slice(start, end)}${end < shown.length ? '…' : ''}`;
  const matches: Array<{ start: number; end: number }> = [];
  const snippetLower = snippet.toLowerCase();
  for (const term of terms) {
    for (let at = snippetLower.indexOf(term); at !== -1; at = snippetLower.indexOf(term, at + term.length)) matches.push({ start: at, end: at + term.length });
  }
  matches.sort((a, b) => a.start - b.start);
  return { snippet, matches };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
