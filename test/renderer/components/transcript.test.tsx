// @vitest-environment happy-dom
/**
 * The virtualised transcript, with a stand-in for layout (fake-layout.ts): rows in
 * order, only a window of a long session in the DOM, the newest in view on open,
 * one "Send again" per failed send on the row that tells the failure, and older
 * pages asked for at the top.
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Transcript, type TranscriptProps } from '../../../renderer/src/components/Transcript.js';
import type { TranscriptItem } from '../../../renderer/src/model/transcript.js';
import { installTranscriptLayout, VIEWPORT_HEIGHT, ROW_HEIGHT } from './fake-layout.js';

let removeLayout: () => void = () => {};
beforeEach(() => {
  removeLayout = installTranscriptLayout();
});
afterEach(() => {
  cleanup();
  removeLayout();
});

const NOW = 1_800_000_000_000;
const AUTHORS = ['You', 'Heartbeat', 'Assistant'];

/** A session of `count` messages, alternating user and assistant, each send with its key. */
function conversation(count: number): TranscriptItem[] {
  return Array.from({ length: count }, (_, i): TranscriptItem => {
    const send = Math.floor(i / 2);
    return i % 2 === 0
      ? { key: `k:K${send}`, role: 'user', text: `question ${send}`, ts: NOW - (count - i) * 1000, runId: `run-${send}`, idempotencyKey: `K${send}`, index: i }
      : { key: `r:run-${send}`, role: 'assistant', text: `answer ${send}`, ts: NOW - (count - i) * 1000, runId: `run-${send}`, idempotencyKey: `K${send}`, source: 'rpc', state: 'complete', index: i };
  });
}

function renderTranscript(props: Partial<TranscriptProps> = {}) {
  const onLoadOlder = vi.fn<TranscriptProps['onLoadOlder']>();
  const onRetry = vi.fn<TranscriptProps['onRetry']>();
  const view = render(<Transcript session="main" items={[]} hasMore={false} loadingOlder={false} onLoadOlder={onLoadOlder} onOpenLink={vi.fn()} onRetry={onRetry} now={NOW} {...props} />);
  const log = screen.getByRole('log', { name: 'Messages in main' });
  /** The rows on screen as [author, text], in order. */
  const rows = () =>
    within(log)
      .queryAllByRole('article')
      .map((row) => [AUTHORS.find((name) => within(row).queryByText(name) !== null), within(row).queryAllByRole('paragraph').map((p) => p.textContent).join('\n')]);
  /** What a browser does after the list's scroll position changed: a scroll event. */
  const scrolled = (top?: number) => {
    if (top !== undefined) log.scrollTop = top;
    fireEvent.scroll(log);
  };
  return { view, log, rows, scrolled, onLoadOlder, onRetry };
}

describe('Transcript', () => {
  it('invites a first message in an empty session', () => {
    const { log, rows } = renderTranscript({ session: 'main' });
    expect(log.textContent).toBe('No messages in “main” yet. Type below to start.');
    expect(rows()).toEqual([]);
  });

  it('shows the user and the assistant rows in order', () => {
    const { rows } = renderTranscript({ items: conversation(4) });
    expect(rows()).toEqual([
      ['You', 'question 0'],
      ['Assistant', 'answer 0'],
      ['You', 'question 1'],
      ['Assistant', 'answer 1'],
    ]);
  });

  it('keeps only a window of a long session in the DOM, the newest in view when it opens', () => {
    const { rows, scrolled, log } = renderTranscript({ items: conversation(1000) });
    scrolled(); // the list scrolled itself to the bottom on open; the browser reports it
    const shown = rows();
    expect(shown.length).toBeGreaterThanOrEqual(VIEWPORT_HEIGHT / ROW_HEIGHT);
    expect(shown.length).toBeLessThan(40);
    expect(shown.at(-1)).toEqual(['Assistant', 'answer 499']);
    expect(within(log).queryByText('question 0')).toBeNull();
  });

  it('follows new messages while the reader is at the bottom', () => {
    const items = conversation(200);
    const { view, rows, scrolled } = renderTranscript({ items });
    scrolled();
    const more = [...items, ...conversation(240).slice(200).map((item) => ({ ...item, text: `new ${item.text}` }))];
    view.rerender(<Transcript session="main" items={more} hasMore={false} loadingOlder={false} onLoadOlder={vi.fn()} onOpenLink={vi.fn()} onRetry={vi.fn()} now={NOW} />);
    scrolled();
    expect(rows().at(-1)).toEqual(['Assistant', 'new answer 119']);
  });

  it('leaves the reader where they are when they scrolled up and new messages come', () => {
    const items = conversation(200);
    const { view, rows, scrolled } = renderTranscript({ items });
    scrolled();
    scrolled(50 * ROW_HEIGHT); // reading around the 50th row
    const reading = rows();
    expect(reading).toContainEqual(['You', 'question 25']);
    const more = [...items, ...conversation(240).slice(200)];
    view.rerender(<Transcript session="main" items={more} hasMore={false} loadingOlder={false} onLoadOlder={vi.fn()} onOpenLink={vi.fn()} onRetry={vi.fn()} now={NOW} />);
    scrolled();
    expect(rows()).toEqual(reading);
  });

  it('offers Send again once per failed send, on the row that tells the failure', async () => {
    const items = conversation(4);
    const failedReply: TranscriptItem = { ...items[3]!, text: '', state: 'failed', failure: 'provider_error: upstream 503' };
    const notSent: TranscriptItem = { key: 'k:K9', role: 'user', text: 'lost', ts: NOW, runId: null, idempotencyKey: 'K9', error: { code: 'gateway_unavailable', message: 'gateway not running' } };
    const { log, onRetry } = renderTranscript({ items: [...items.slice(0, 3), failedReply, notSent] });
    const buttons = within(log).getAllByRole('button', { name: 'Send again' });
    expect(buttons.map((button) => button.closest('article')?.textContent)).toEqual([
      expect.stringContaining('No reply: provider_error: upstream 503'),
      expect.stringContaining('Not sent: gateway not running'),
    ]);
    await userEvent.setup().click(buttons[0]!);
    expect(onRetry).toHaveBeenCalledWith(failedReply);
  });

  it('offers no Send again while the send is on its way again', () => {
    const items = conversation(2);
    const { log } = renderTranscript({ items: [{ ...items[0]!, pending: true }, { ...items[1]!, text: '', state: 'failed', failure: 'boom' }] });
    expect(within(log).queryByRole('button', { name: 'Send again' })).toBeNull();
  });

  it('asks for older messages when the reader reaches the top, once while they load', () => {
    const { log, scrolled, onLoadOlder, view } = renderTranscript({ items: conversation(100), hasMore: true });
    scrolled();
    expect(within(log).queryByText('Scroll up for older messages')).not.toBeNull();
    expect(onLoadOlder).not.toHaveBeenCalled(); // at the bottom, far from the top

    scrolled(0);
    expect(onLoadOlder).toHaveBeenCalledTimes(1);

    view.rerender(<Transcript session="main" items={conversation(100)} hasMore loadingOlder onLoadOlder={onLoadOlder} onOpenLink={vi.fn()} onRetry={vi.fn()} now={NOW} />);
    expect(within(log).queryByText('Loading older messages…')).not.toBeNull();
    scrolled(0);
    expect(onLoadOlder).toHaveBeenCalledTimes(1);
  });

  it('keeps the reader on the rows they were reading when older ones are put in front', () => {
    const all = conversation(150);
    const { view, rows, scrolled } = renderTranscript({ items: all.slice(50), hasMore: true });
    scrolled();
    scrolled(0);
    const reading = rows();
    expect(reading[0]).toEqual(['You', 'question 25']); // the oldest loaded
    view.rerender(<Transcript session="main" items={all} hasMore={false} loadingOlder={false} onLoadOlder={vi.fn()} onOpenLink={vi.fn()} onRetry={vi.fn()} now={NOW} />);
    // The commit that puts the rows in front already shows the reader's rows: a
    // browser paints before its scroll event, so rows drawn for the old position
    // would flash the top of the new page (or nothing) for a frame.
    expect(rows()).toContainEqual(['You', 'question 25']);
    expect(rows()).not.toContainEqual(['You', 'question 0']);
    scrolled();
    expect(rows()).toContainEqual(['You', 'question 25']);
    expect(rows()).not.toContainEqual(['You', 'question 0']);
  });

  it('asks for nothing at the top when there is nothing older', () => {
    const { scrolled, onLoadOlder, log } = renderTranscript({ items: conversation(100), hasMore: false });
    scrolled(0);
    expect(onLoadOlder).not.toHaveBeenCalled();
    expect(within(log).queryByText('Scroll up for older messages')).toBeNull();
  });
});
