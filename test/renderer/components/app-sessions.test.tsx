// @vitest-environment happy-dom
/**
 * The chat window's session management over a fake bridge: the unread-mark race (a
 * reply watched, then a switch before its `session.updated`), the open session kept
 * across reloads, rename, pin, delete with Undo, a session deleted elsewhere, a
 * session written by the CLI appearing live, search from Ctrl+K, and export.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { BridgeResult } from '../../../main/bridge/contract.js';
import { App } from '../../../renderer/src/components/App.js';
import { fakeBridgeClient, type FakeBridgeClient } from '../helpers/fake-bridge-client.js';
import { setUpAppTests } from './app-test-setup.js';

type Summary = BridgeResult<'list-sessions'>['sessions'][number];

const T0 = 1_800_000_000_000;
const summary = (key: string, messageCount: number, extra: Partial<Summary> = {}): Summary => ({ key, updatedAt: T0 - messageCount, messageCount, preview: `${key} preview`, thinking: null, ...extra });

setUpAppTests();

async function renderApp(client: FakeBridgeClient) {
  const user = userEvent.setup();
  render(<App client={client} />);
  const list = await screen.findByRole('navigation', { name: 'Sessions' });
  await waitFor(() => expect(client.calls.some((call) => call.channel === 'list-sessions')).toBe(true));
  return { user, list };
}

const sessionButton = (list: HTMLElement, name: string) => within(list).getByRole('button', { name: new RegExp(`^(pinned )?${name}`, 'u') });
const hasUnreadDot = (list: HTMLElement, name: string) => within(sessionButton(list, name)).queryByLabelText('unread') !== null;

describe('unread marks', () => {
  it('leaves no unread dot on a session whose reply the user watched, when the switch beats its session.updated', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    const { user, list } = await renderApp(client);
    await within(list).findByText('work preview');

    // Another client's turn in "main", watched here as it streams and finishes.
    act(() => {
      client.emit('gateway-event', { type: 'event', event: 'session.updated', payload: { session: 'main', updatedAt: T0 + 1, messageCount: 3, preview: 'question' } });
      client.emit('gateway-event', { type: 'event', event: 'reply.delta', payload: { session: 'main', runId: 'r1', seq: 0, text: 'the answer' } });
      client.emit('gateway-event', { type: 'event', event: 'reply', payload: { session: 'main', runId: 'r1', text: 'the answer', source: 'rpc', provider: 'echo', model: 'echo' } });
    });
    await screen.findByText('the answer');
    // The user switches at once; the update that counts the reply arrives after.
    await user.click(sessionButton(list, 'work'));
    act(() => client.emit('gateway-event', { type: 'event', event: 'session.updated', payload: { session: 'main', updatedAt: T0 + 2, messageCount: 4, preview: 'the answer' } }));

    expect(hasUnreadDot(list, 'main')).toBe(false);
  });

  it('marks a session whose reply finished after the user left it', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    const { user, list } = await renderApp(client);
    await within(list).findByText('work preview');
    act(() => client.emit('gateway-event', { type: 'event', event: 'reply.delta', payload: { session: 'main', runId: 'r1', seq: 0, text: 'half' } }));
    await user.click(sessionButton(list, 'work'));
    act(() => {
      client.emit('gateway-event', { type: 'event', event: 'reply', payload: { session: 'main', runId: 'r1', text: 'half and the rest', source: 'rpc', provider: 'echo', model: 'echo' } });
      client.emit('gateway-event', { type: 'event', event: 'session.updated', payload: { session: 'main', updatedAt: T0 + 2, messageCount: 4, preview: 'half and the rest' } });
    });
    expect(hasUnreadDot(list, 'main')).toBe(true);
  });
});

describe('sessions', () => {
  it('opens the session that was open before a reload', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    const first = await renderApp(client);
    await first.user.click(sessionButton(first.list, 'work'));
    cleanup();

    const again = fakeBridgeClient();
    again.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    await renderApp(again);
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('work');
    await waitFor(() => expect(again.calls).toContainEqual({ channel: 'get-history', args: expect.objectContaining({ session: 'work' }) }));
  });

  it('shows a session written by the CLI as soon as its session.updated arrives', async () => {
    const client = fakeBridgeClient();
    const { list } = await renderApp(client);
    act(() => client.emit('gateway-event', { type: 'event', event: 'session.updated', payload: { session: 'from-script', updatedAt: T0 + 5, messageCount: 2, preview: 'echo: nightly report' } }));
    expect(within(list).getByText('echo: nightly report')).toBeTruthy();
    expect(hasUnreadDot(list, 'from-script')).toBe(true);
  });

  it('renames: the title shows, the key stays the identity', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    client.answer('update-session', (args) => ({ session: summary(args.session, 4, args.title ? { title: args.title } : {}) }));
    const { user, list } = await renderApp(client);
    await user.click(within(list).getByRole('button', { name: 'Actions for work' }));
    await user.click(screen.getByRole('menuitem', { name: 'Rename…' }));
    await user.type(screen.getByLabelText('New title for work'), 'Release notes{Enter}');
    expect(client.calls).toContainEqual({ channel: 'update-session', args: { session: 'work', title: 'Release notes' } });
    expect(await within(list).findByText('Release notes')).toBeTruthy();
    expect(sessionButton(list, 'Release notes').dataset.session).toBe('work');
  });

  it('pins a session to the top of the list', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('old', 40, { updatedAt: T0 - 1e6 })] }));
    client.answer('update-session', (args) => ({ session: summary(args.session, 40, { updatedAt: T0 - 1e6, ...(args.pinned ? { pinned: true as const } : {}) }) }));
    const { user, list } = await renderApp(client);
    await user.click(await within(list).findByRole('button', { name: 'Actions for old' }));
    await user.click(screen.getByRole('menuitem', { name: 'Pin' }));
    await waitFor(() => expect([...list.querySelectorAll<HTMLElement>('button.session')].map((b) => b.dataset.session)).toEqual(['old', 'main']));
    expect(within(sessionButton(list, 'old')).getByLabelText('pinned')).toBeTruthy();
  });

  it('deletes with an Undo that restores the session', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    client.answer('delete-session', (args) => ({ session: args.session, trashId: `1-${args.session}`, trashPath: `/data/trash/1-${args.session}.jsonl` }));
    client.answer('restore-session', () => ({ session: summary('work', 4) }));
    const { user, list } = await renderApp(client);
    await user.click(within(list).getByRole('button', { name: 'Actions for work' }));
    await user.click(screen.getByRole('menuitem', { name: 'Delete' }));
    await waitFor(() => expect(within(list).queryByText('work preview')).toBeNull());
    const bar = screen.getByText(/Deleted/u).closest('.undo-bar') as HTMLElement;
    expect(bar.textContent).toMatch(/undo within 10 s/u);
    await user.click(within(bar).getByRole('button', { name: 'Undo' }));
    expect(client.calls).toContainEqual({ channel: 'restore-session', args: { trashId: '1-work' } });
    expect(await within(list).findByText('work preview')).toBeTruthy();
  });

  it('drops a session deleted in another window', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    const { list } = await renderApp(client);
    await within(list).findByText('work preview');
    act(() => client.emit('gateway-event', { type: 'event', event: 'session.deleted', payload: { session: 'work', trashId: '1-work' } }));
    expect(within(list).queryByText('work preview')).toBeNull();
  });

  it('searches from Ctrl+K and opens the session of the chosen match', async () => {
    const client = fakeBridgeClient();
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', 4)] }));
    client.answer('search-sessions', (args) => ({
      query: args.query,
      total: 1,
      hits: [{ kind: 'message', session: 'work', index: 3, role: 'assistant', ts: T0, snippet: 'the flaky test again', matches: [{ start: 4, end: 9 }] }],
    }));
    const { user } = await renderApp(client);
    await user.keyboard('{Control>}k{/Control}');
    const dialog = await screen.findByRole('dialog', { name: 'Search all sessions' });
    await user.type(within(dialog).getByRole('searchbox'), 'flaky');
    const hit = await within(dialog).findByRole('option');
    expect(within(hit).getByText('flaky').tagName).toBe('MARK');
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('work');
  });

  it('opens a message hit older than the first page there: loaded back to it, in one stretch, and marked', async () => {
    const client = fakeBridgeClient();
    const TOTAL = 3000;
    client.answer('list-sessions', () => ({ sessions: [summary('main', 2), summary('work', TOTAL)] }));
    client.answer('get-history', (args) => {
      if (args.session !== 'work') return { session: args.session, messages: [], total: 0, hasMore: false };
      const end = args.before ?? TOTAL;
      const start = Math.max(0, end - (args.limit ?? 100));
      const messages = Array.from({ length: end - start }, (_, offset) => ({ index: start + offset, role: 'user' as const, text: `message ${start + offset}`, ts: T0 + start + offset, runId: `r${start + offset}`, source: 'rpc' as const }));
      return { session: 'work', messages, total: TOTAL, hasMore: start > 0 };
    });
    client.answer('search-sessions', (args) => ({
      query: args.query,
      total: 1,
      hits: [{ kind: 'message', session: 'work', index: 42, role: 'user', ts: T0, snippet: 'message 42', matches: [{ start: 8, end: 10 }] }],
    }));
    const { user } = await renderApp(client);
    await user.keyboard('{Control>}k{/Control}');
    const dialog = await screen.findByRole('dialog', { name: 'Search all sessions' });
    await user.type(within(dialog).getByRole('searchbox'), '42');
    await within(dialog).findByRole('option');
    await user.keyboard('{Enter}');

    const log = screen.getByRole('log', { name: 'Messages in work' });
    const marked = await waitFor(() => {
      fireEvent.scroll(log); // what a browser sends after the list scrolled itself to the hit
      const row = document.querySelector('.transcript-row-focused');
      expect(row?.textContent).toContain('message 42');
      return row!;
    });
    expect(marked.querySelector('article')).not.toBeNull();
    // Every page between the hit and the newest message was loaded: no gap.
    const pages = client.calls.filter((call) => call.channel === 'get-history' && (call.args as { session: string }).session === 'work').map((call) => call.args as { before?: number; limit?: number });
    let loadedFrom = TOTAL;
    for (const page of pages) {
      expect(page.before ?? TOTAL).toBe(loadedFrom);
      loadedFrom = Math.max(0, (page.before ?? TOTAL) - (page.limit ?? 100));
    }
    expect(loadedFrom).toBeLessThanOrEqual(42);
  });
});
