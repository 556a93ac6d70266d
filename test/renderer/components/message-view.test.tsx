// @vitest-environment happy-dom
/**
 * One transcript row as the user reads it: who wrote it, the text (plain for the
 * user, markdown with raw HTML shown as text for replies, code with a Copy button), the
 * badges for how a reply came or ended, and "Send again" on a failure, which hands
 * the row back to the app.
 */
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageView, type MessageViewProps } from '../../../renderer/src/components/MessageView.js';
import type { TranscriptItem } from '../../../renderer/src/model/transcript.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks(); // the clipboard that refused
});

const NOW = 1_800_000_000_000;

const user = (text: string, extra: Partial<TranscriptItem> = {}): TranscriptItem => ({ key: 'k:K1', role: 'user', text, ts: NOW - 60_000, runId: null, idempotencyKey: 'K1', ...extra });
const reply = (text: string, extra: Partial<TranscriptItem> = {}): TranscriptItem => ({
  key: 'r:run-1',
  role: 'assistant',
  text,
  ts: NOW - 30_000,
  runId: 'run-1',
  idempotencyKey: 'K1',
  source: 'rpc',
  state: 'complete',
  ...extra,
});

const BADGES = ['via CLI fallback', 'heartbeat', 'aborted', 'interrupted', 'failed', 'streaming…', 'sending…'];

function renderRow(item: TranscriptItem, props: Partial<MessageViewProps> = {}) {
  const onRetry = vi.fn<MessageViewProps['onRetry']>();
  const onOpenLink = vi.fn<MessageViewProps['onOpenLink']>();
  const events = userEvent.setup();
  render(<MessageView item={item} now={NOW} canRetry={false} onOpenLink={onOpenLink} onRetry={onRetry} {...props} />);
  const row = screen.getByRole('article');
  /** The badges the row shows, in BADGES order. */
  const badges = () => BADGES.filter((badge) => within(row).queryByText(badge) !== null);
  /** Who the row says wrote it. */
  const author = () => ['You', 'Heartbeat', 'Assistant'].filter((name) => within(row).queryByText(name) !== null);
  return { row, badges, author, onRetry, onOpenLink, events };
}

describe('MessageView', () => {
  it('shows the user as "You" with the text as typed, markdown left alone', () => {
    const { row, author, badges } = renderRow(user('**not bold** <b>nor this</b>'));
    expect(author()).toEqual(['You']);
    expect(within(row).queryByText('**not bold** <b>nor this</b>')).not.toBeNull();
    expect(row.querySelector('strong, b')).toBeNull();
    expect(badges()).toEqual([]);
  });

  it('shows a heartbeat prompt as "Heartbeat"', () => {
    const { author } = renderRow(user('check in', { source: 'heartbeat' }));
    expect(author()).toEqual(['Heartbeat']);
  });

  it('shows a pending send as "sending…"', () => {
    const { badges } = renderRow(user('on its way', { pending: true }));
    expect(badges()).toEqual(['sending…']);
  });

  it('shows a reply as "Assistant", rendered as markdown, with no badge when the gateway answered in full', () => {
    const { row, author, badges } = renderRow(reply('Some **bold** words and a list:\n\n- one\n- two'));
    expect(author()).toEqual(['Assistant']);
    expect(within(row).getByText('bold').tagName).toBe('STRONG');
    expect(within(row).getAllByRole('listitem').map((item) => item.textContent)).toEqual(['one', 'two']);
    expect(badges()).toEqual([]);
  });

  it('shows raw HTML in a reply as text, escaped, instead of rendering or dropping it', () => {
    const { row } = renderRow(reply('Hello <img src="x" onerror="alert(1)"> <b>raw</b> world\n\n<div class="x">a block</div>\n\n> quoted <i>too</i>'));
    expect(within(row).queryByRole('img')).toBeNull();
    expect(row.querySelector('img, script, b, i, div.x, [onerror]')).toBeNull();
    expect(row.textContent).toContain('Hello <img src="x" onerror="alert(1)"> <b>raw</b> world');
    expect(row.textContent).toContain('<div class="x">a block</div>');
    expect(row.querySelector('blockquote')?.textContent).toContain('quoted <i>too</i>');
  });

  it('hands a clicked link to the app instead of navigating', async () => {
    const { row, onOpenLink, events } = renderRow(reply('See [the docs](https://example.com/docs).'));
    await events.click(within(row).getByRole('link', { name: 'the docs' }));
    expect(onOpenLink).toHaveBeenCalledWith('https://example.com/docs');
    expect(window.location.href).not.toContain('example.com');
  });

  it('puts a Copy button on a code block that copies the code', async () => {
    const { row, events } = renderRow(reply('Run this:\n\n```sh\nnpm test -- test/renderer\n```'));
    const copy = within(row).getByRole('button', { name: 'Copy code' });
    expect(copy.textContent).toBe('Copy');
    await events.click(copy);
    await waitFor(() => expect(copy.textContent).toBe('Copied'));
    expect(await navigator.clipboard.readText()).toBe('npm test -- test/renderer');
  });

  it('says so when the clipboard refuses the copy', async () => {
    const { row, events } = renderRow(reply('```\nsecret\n```'));
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('NotAllowedError'));
    const copy = within(row).getByRole('button', { name: 'Copy code' });
    await events.click(copy);
    await waitFor(() => expect(copy.textContent).toBe('Copy failed'));
  });

  it('shows the clock time for a message of today and the date for an older one', () => {
    const now = new Date(2027, 0, 15, 18, 0).getTime(); // local time, as the row shows it
    render(<MessageView item={user('today', { ts: new Date(2027, 0, 15, 14, 5).getTime() })} now={now} canRetry={false} onOpenLink={vi.fn()} onRetry={vi.fn()} />);
    render(<MessageView item={user('older', { key: 'k:K2', ts: new Date(2027, 0, 10, 9, 30).getTime() })} now={now} canRetry={false} onOpenLink={vi.fn()} onRetry={vi.fn()} />);
    const [today, older] = screen.getAllByRole('article');
    expect(within(today!).getByText('14:05').tagName).toBe('TIME');
    expect(within(older!).getByText('2027-01-10 09:30').tagName).toBe('TIME');
  });

  it.each<[string, Partial<TranscriptItem>, string[]]>([
    ['a reply the one-shot CLI gave', { source: 'cli' }, ['via CLI fallback']],
    ['a reply to a heartbeat', { source: 'heartbeat' }, ['heartbeat']],
    ['an aborted reply', { state: 'aborted' }, ['aborted']],
    ['an interrupted reply', { state: 'interrupted' }, ['interrupted']],
    ['a failed reply', { state: 'failed' }, ['failed']],
    ['a streaming reply', { state: 'streaming' }, ['streaming…']],
    ['an aborted CLI reply', { source: 'cli', state: 'aborted' }, ['via CLI fallback', 'aborted']],
  ])('badges %s', (_, extra, expected) => {
    const { badges } = renderRow(reply('partial text', extra));
    expect(badges()).toEqual(expected);
  });

  it('marks a streaming reply busy, and a finished one not', () => {
    expect(renderRow(reply('so far', { state: 'streaming' })).row.getAttribute('aria-busy')).toBe('true');
    cleanup();
    expect(renderRow(reply('done')).row.getAttribute('aria-busy')).toBeNull();
  });

  it('says an interrupted reply keeps its text, and offers Send again when the row may', async () => {
    const item = reply('half a th', { state: 'interrupted' });
    const { row, onRetry, events } = renderRow(item, { canRetry: true });
    expect(within(row).queryByText('half a th')).not.toBeNull();
    expect(within(row).queryByText('The gateway stopped while this reply streamed; the text up to then is kept.')).not.toBeNull();
    await events.click(within(row).getByRole('button', { name: 'Send again' }));
    expect(onRetry).toHaveBeenCalledWith(item);
  });

  it('tells why a reply failed, and Send again hands the row to onRetry', async () => {
    const item = reply('', { state: 'failed', failure: 'provider_error: upstream 503\nat fetch (provider.ts:10)' });
    const { row, onRetry, events } = renderRow(item, { canRetry: true });
    const alert = within(row).getByRole('alert');
    expect(alert.textContent).toContain('No reply: provider_error: upstream 503');
    // The first line is said; the rest waits under Details.
    expect(within(alert).getByText('Details').tagName).toBe('SUMMARY');
    await events.click(within(alert).getByRole('button', { name: 'Send again' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(onRetry).toHaveBeenCalledWith(item);
  });

  it('says a reply broke off when some text came before the failure', () => {
    const { row } = renderRow(reply('The answer is', { state: 'failed', failure: 'stream reset' }));
    expect(within(row).getByRole('alert').textContent).toContain('The reply broke off: stream reset');
  });

  it('offers no Send again on a row that may not send again', () => {
    const { row } = renderRow(reply('', { state: 'failed', failure: 'provider_error' }), { canRetry: false });
    expect(within(row).queryByRole('button', { name: 'Send again' })).toBeNull();
  });

  it('tells why a send failed on the user row, with advice and Send again', async () => {
    const item = user('hello?', { error: { code: 'gateway_exited', message: 'gateway pid 77 exited (code 1)', reached: 'no' } });
    const { row, onRetry, events } = renderRow(item, { canRetry: true });
    const alert = within(row).getByRole('alert');
    expect(alert.textContent).toContain('Not sent: gateway pid 77 exited (code 1)');
    expect(alert.textContent).toContain('The gateway stopped while working on this. It restarts by itself; send again if you still want a reply.');
    await events.click(within(alert).getByRole('button', { name: 'Send again' }));
    expect(onRetry).toHaveBeenCalledWith(item);
  });

  it('lists the notes of a reply (delivery, the model that answered)', () => {
    const { row } = renderRow(reply('ok', { notes: [{ tone: 'info', text: 'Delivered' }, { tone: 'warn', text: 'openai/gpt-x failed: 429' }] }));
    expect(within(row).getAllByRole('listitem').map((note) => note.textContent)).toEqual(['Delivered', 'openai/gpt-x failed: 429']);
  });
});

describe('MessageView actions', () => {
  const actions = { edit: false, regenerate: true, continue: true };

  it('copies a reply and says "Copied" on the button', async () => {
    const { row, events } = renderRow(reply('the whole **reply**'), { onAction: vi.fn() });
    const copy = within(row).getByRole('button', { name: 'Copy reply' });
    await events.click(copy);
    await waitFor(() => expect(copy.textContent).toBe('Copied'));
    expect(await navigator.clipboard.readText()).toBe('the whole **reply**');
  });

  it('offers Regenerate and Continue where the transcript says, by keyboard too', async () => {
    const onAction = vi.fn<NonNullable<MessageViewProps['onAction']>>();
    const item = reply('Step 1', { state: 'aborted' });
    const { row, events } = renderRow(item, { onAction, actions });
    within(row).getByRole('button', { name: 'Regenerate' }).focus();
    await events.keyboard('{Enter}');
    await events.tab();
    expect(document.activeElement?.textContent).toBe('Continue');
    await events.keyboard(' ');
    expect(onAction.mock.calls.map(([action]) => action.kind)).toEqual(['regenerate', 'continue']);
    expect(onAction.mock.calls[0]![0].item).toBe(item);
  });

  it('disables the follow-ups while a send cannot go, saying why', () => {
    const { row } = renderRow(reply('done'), { onAction: vi.fn(), actions, blockedReason: 'The gateway is restarting.' });
    const regenerate = within(row).getByRole('button', { name: 'Regenerate' });
    expect(regenerate).toHaveProperty('disabled', true);
    expect(regenerate.getAttribute('title')).toBe('The gateway is restarting.');
  });

  it('edits a user message in place and hands the edit over as a new message; Escape cancels', async () => {
    const onAction = vi.fn<NonNullable<MessageViewProps['onAction']>>();
    const item = user('draft a plan');
    const { row, events } = renderRow(item, { onAction, actions: { edit: true, regenerate: false, continue: false } });
    await events.click(within(row).getByRole('button', { name: 'Edit and send as a new message' }));
    const box = within(row).getByRole('textbox', { name: 'Edited message' });
    expect(document.activeElement).toBe(box);
    await events.keyboard('{Escape}');
    expect(within(row).queryByRole('textbox')).toBeNull();
    expect(onAction).not.toHaveBeenCalled();

    await events.click(within(row).getByRole('button', { name: 'Edit and send as a new message' }));
    await events.type(within(row).getByRole('textbox', { name: 'Edited message' }), ' for Friday');
    await events.click(within(row).getByRole('button', { name: 'Send edit' }));
    expect(onAction).toHaveBeenCalledWith({ kind: 'edit', item, text: 'draft a plan for Friday' });
    expect(within(row).queryByText('draft a plan')).not.toBeNull(); // the original stays
  });

  it('shows the model that answered and the ones the fallback chain skipped', () => {
    const { row } = renderRow(reply('hi', { provider: 'echo', model: 'echo', failures: [{ provider: 'local', model: 'llama3.2', error: 'cannot reach http://127.0.0.1:11434/v1' }] }));
    expect(within(row).getByTestId('answered-by').textContent).toBe('echo/echo');
    expect(within(row).getByTestId('skipped-models').textContent).toBe('Skipped: local/llama3.2 (cannot reach http://127.0.0.1:11434/v1)');
  });

  it('offers no actions on a reply still streaming', () => {
    const { row } = renderRow(reply('partial', { state: 'streaming' }), { onAction: vi.fn(), actions });
    expect(within(row).queryByRole('toolbar')).toBeNull();
  });
});
