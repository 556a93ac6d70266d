/**
 * Search across all sessions (Ctrl/Cmd+K): titles and message text, answered by the
 * gateway page by page, each hit with its snippet and the matched words marked.
 * Arrow keys move through the hits, Enter opens one, Escape closes.
 */
import { Fragment, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { BridgeResult } from '../../../main/bridge/contract.js';
import { BridgeCallError, type BridgeClient } from '../bridge/bridge-client.js';
import { formatRelativeTime } from '../model/format.js';

type SearchPage = BridgeResult<'search-sessions'>;
type SearchHit = SearchPage['hits'][number];

/** How long typing pauses before the gateway is asked. */
const DEBOUNCE_MS = 150;
const PAGE = 20;

export interface SearchDialogProps {
  client: BridgeClient;
  now: number;
  onOpen: (hit: SearchHit) => void;
  onClose: () => void;
}

export function SearchDialog({ client, now, onOpen, onClose }: SearchDialogProps) {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [total, setTotal] = useState(0);
  const [nextOffset, setNextOffset] = useState<number | undefined>();
  const [active, setActive] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  const asked = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  useEffect(() => {
    const text = query.trim();
    const ask = ++asked.current;
    if (text === '') {
      setHits([]);
      setTotal(0);
      setNextOffset(undefined);
      setProblem(null);
      return;
    }
    const timer = setTimeout(() => {
      setSearching(true);
      client.call('search-sessions', { query: text, limit: PAGE }).then(
        (page) => {
          if (ask !== asked.current) return; // a newer query is on its way
          setHits(page.hits);
          setTotal(page.total);
          setNextOffset(page.nextOffset);
          setActive(0);
          setProblem(null);
          setSearching(false);
        },
        (error: unknown) => {
          if (ask !== asked.current) return; // a newer query is on its way
          setSearching(false);
          setProblem(describe(error));
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [client, query]);

  const more = async () => {
    if (nextOffset === undefined) return; // the last page is shown
    const ask = asked.current;
    try {
      const page = await client.call('search-sessions', { query: query.trim(), limit: PAGE, offset: nextOffset });
      if (ask !== asked.current) return; // the query changed meanwhile
      setHits((current) => [...current, ...page.hits]);
      setNextOffset(page.nextOffset);
    } catch (error) {
      setProblem(describe(error));
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (hits.length > 0) setActive((at) => (at + (event.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length);
    } else if (event.key === 'Enter' && hits[active]) {
      event.preventDefault();
      onOpen(hits[active]);
    }
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="dialog search-dialog" role="dialog" aria-modal="true" aria-label="Search all sessions" onKeyDown={onKeyDown}>
        <input
          ref={input}
          type="search"
          className="search-input"
          placeholder="Search titles and messages…"
          aria-label="Search all sessions"
          aria-controls="search-results"
          aria-activedescendant={hits[active] ? `search-hit-${active}` : undefined}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <p className="search-summary" role="status">
          {problem ?? (query.trim() === '' ? 'Type to search every session. Enter opens, Esc closes.' : searching && hits.length === 0 ? 'Searching…' : `${total.toLocaleString('en')} ${total === 1 ? 'match' : 'matches'}`)}
        </p>
        <ul id="search-results" role="listbox" aria-label="Matches" className="search-results">
          {hits.map((hit, at) => (
            <li
              key={`${hit.session}:${hit.kind}:${hit.index ?? 't'}`}
              id={`search-hit-${at}`}
              role="option"
              aria-selected={at === active}
              className={`search-hit${at === active ? ' is-active' : ''}`}
              onMouseEnter={() => setActive(at)}
              onClick={() => onOpen(hit)}
            >
              <span className="search-hit-line">
                <strong className="search-hit-session">{hit.title ?? hit.session}</strong>
                <span className="search-hit-kind">{hit.kind === 'title' ? 'title' : hit.role === 'user' ? 'you' : 'reply'}</span>
                <span className="session-time">{formatRelativeTime(hit.ts, now)}</span>
              </span>
              <span className="search-snippet">
                <Highlighted text={hit.snippet} matches={hit.matches} />
              </span>
            </li>
          ))}
        </ul>
        {nextOffset !== undefined && (
          <button type="button" className="button" onClick={() => void more()}>
            More matches ({(total - hits.length).toLocaleString('en')} left)
          </button>
        )}
      </div>
    </div>
  );
}

/** The snippet with each matched range in a `<mark>`; overlapping ranges are merged. */
function Highlighted({ text, matches }: { text: string; matches: SearchHit['matches'] }) {
  const parts: Array<{ text: string; marked: boolean }> = [];
  let at = 0;
  for (const { start, end } of matches) {
    if (end <= at) continue; // inside the last range
    const from = Math.max(start, at);
    if (from > at) parts.push({ text: text.slice(at, from), marked: false });
    parts.push({ text: text.slice(from, end), marked: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), marked: false });
  return (
    <>
      {parts.map((part, index) => (part.marked ? <mark key={index}>{part.text}</mark> : <Fragment key={index}>{part.text}</Fragment>))}
    </>
  );
}

function describe(error: unknown): string {
  if (error instanceof BridgeCallError && error.code === 'gateway_unavailable') return 'Search needs the gateway; it is not running. See the status panel.';
  return `Search failed: ${error instanceof Error ? error.message : String(error)}`;
}
