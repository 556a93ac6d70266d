/**
 * The open session's messages in a virtualised list: only the rows in view (plus a
 * few) are in the DOM, so a 10,000-message session opens and scrolls smoothly.
 *
 * It sticks to the bottom while the user is there (streaming text stays in view),
 * leaves the position alone when they scrolled up, and loads older pages when they
 * reach the top, keeping the rows they were reading where they were.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import { rowActions, type MessageAction } from '../model/message-actions.js';
import { sendAgainRows, type TranscriptItem } from '../model/transcript.js';
import { MessageView } from './MessageView.js';

/** A message to bring into view and mark (a search hit): its transcript index, and a new token for each time it is asked for. */
export interface MessageFocus {
  index: number;
  token: number;
}

/** What the list shows and what its rows call back. */
export interface TranscriptProps {
  session: string;
  items: readonly TranscriptItem[];
  hasMore: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onOpenLink: (url: string) => void;
  /** "Send again" on a row that offers it. */
  onRetry: (item: TranscriptItem) => void;
  now: number;
  /** A reply or send is on its way: follow-ups (Regenerate, Continue) wait. */
  busy?: boolean | undefined;
  /** Why a send cannot go now, or null. */
  blockedReason?: string | null | undefined;
  /** Message actions (Edit, Regenerate, Continue); without it rows offer none of them, nor Copy. */
  onAction?: ((action: MessageAction) => void) | undefined;
  /** What an empty session shows (a plain line without it). */
  empty?: ReactNode;
  /** Shown after the last row, in the scrolling list (the approval cards of the session's waiting runs). */
  footer?: ReactNode;
  /** Scrolled to and marked once its row is loaded. */
  focus?: MessageFocus | undefined;
}

const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 400;

/** The open session's rows, virtualised, following the newest while the reader is at the bottom. */
export function Transcript({ session, items, hasMore, loadingOlder, onLoadOlder, onOpenLink, onRetry, now, busy = false, blockedReason = null, onAction, empty, footer, focus }: TranscriptProps) {
  const scroller = useRef<HTMLDivElement>(null);

  // One "Send again" per failed send, on the row that tells the failure.
  const retryable = useMemo(() => sendAgainRows(items), [items]);
  const actions = useMemo(() => rowActions(items, busy), [items, busy]);

  // Anchored to the end, as a chat is: older rows put in front keep the row being read
  // where it was (in the same render, so no frame shows the wrong rows), and new rows
  // or a growing reply are followed only while the reader is at the bottom.
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 96,
    overscan: 6,
    getItemKey: (index) => items[index]!.key,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: NEAR_BOTTOM_PX,
  });

  // A session opens at its newest message.
  const opened = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    if (items.length === 0 || opened.current === session) return;
    opened.current = session;
    virtualizer.scrollToEnd();
  }, [session, items.length, virtualizer]);

  // A focused message comes into view once its row is loaded, once per token.
  const focusedRow = focus === undefined ? -1 : items.findIndex((item) => item.index === focus.index);
  const scrolledTo = useRef<number | undefined>(undefined);
  useLayoutEffect(() => {
    if (focus === undefined || focusedRow < 0 || scrolledTo.current === focus.token) return;
    scrolledTo.current = focus.token;
    virtualizer.scrollToIndex(focusedRow, { align: 'center' });
  }, [focus, focusedRow, virtualizer]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return; // unmounted
    if (el.scrollTop < NEAR_TOP_PX && hasMore && !loadingOlder) onLoadOlder();
  }, [hasMore, loadingOlder, onLoadOlder]);

  return (
    <div className="transcript" ref={scroller} onScroll={onScroll} tabIndex={0} role="log" aria-label={`Messages in ${session}`} aria-live="polite" data-testid="transcript">
      {hasMore && <div className="transcript-older">{loadingOlder ? 'Loading older messages…' : 'Scroll up for older messages'}</div>}
      {items.length === 0 && (empty ?? <div className="transcript-empty">No messages in “{session}” yet. Type below to start.</div>)}
      <div className="transcript-rows" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => {
          const item = items[row.index]!;
          return (
            <div key={row.key} data-index={row.index} ref={virtualizer.measureElement} className={row.index === focusedRow ? 'transcript-row transcript-row-focused' : 'transcript-row'} style={{ transform: `translateY(${row.start}px)` }}>
              <MessageView item={item} now={now} canRetry={retryable.has(item.key)} onOpenLink={onOpenLink} onRetry={onRetry} actions={actions.get(item.key)} blockedReason={blockedReason} onAction={onAction} />
            </div>
          );
        })}
      </div>
      {footer}
    </div>
  );
}
