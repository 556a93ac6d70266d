// @vitest-environment happy-dom
/**
 * The sessions list as the user meets it: sessions in the order given (most
 * recent first), previews and times, unread marks, the open one marked current,
 * arrow keys between sessions, the "New session" form with its refusals, and the
 * list's error.
 */
import { cleanup, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionList, type SessionListProps } from '../../../renderer/src/components/SessionList.js';
import { sortSessions, type SessionSummary } from '../../../renderer/src/model/sessions.js';

afterEach(cleanup);

const NOW = 1_800_000_000_000;
const MINUTE = 60_000;

const session = (key: string, minutesAgo: number, messageCount: number, preview = `${key}: last words`): SessionSummary => ({
  key,
  updatedAt: NOW - minutesAgo * MINUTE,
  messageCount,
  preview,
  thinking: null,
});

function renderList(props: Partial<SessionListProps> = {}) {
  const onOpen = vi.fn<SessionListProps['onOpen']>();
  const onCreate = vi.fn<SessionListProps['onCreate']>();
  const user = userEvent.setup();
  const sessions = props.sessions ?? sortSessions([session('main', 3, 4), session('research', 0, 6), session('notes', 120, 2)]);
  render(<SessionList sessions={sessions} openSession="main" seen={{ main: 4, research: 6, notes: 2 }} now={NOW} onOpen={onOpen} onCreate={onCreate} error={null} {...props} />);
  const nav = screen.getByRole('navigation', { name: 'Sessions' });
  /** The session buttons, in screen order (the "New session" button is not one). */
  const sessionButtons = () => within(nav).getAllByRole('listitem').map((item) => within(item).getByRole('button'));
  const sessionButton = (key: string) => sessionButtons().find((button) => button.textContent?.startsWith(key))!;
  return { onOpen, onCreate, user, nav, sessionButtons, sessionButton };
}

describe('SessionList', () => {
  it('lists sessions most recent first with their preview and time', () => {
    const { sessionButtons, sessionButton } = renderList();
    expect(sessionButtons().map((button) => button.textContent)).toEqual([expect.stringMatching(/^research/), expect.stringMatching(/^main/), expect.stringMatching(/^notes/)]);
    const main = within(sessionButton('main'));
    expect(main.queryByText('3 min ago')).not.toBeNull();
    expect(main.queryByText('main: last words')).not.toBeNull();
    expect(within(sessionButton('research')).queryByText('just now')).not.toBeNull();
    expect(within(sessionButton('notes')).queryByText('2 h ago')).not.toBeNull();
  });

  it('says "new" and "No messages yet" for a session without messages', () => {
    const { sessionButton } = renderList({ sessions: [session('main', 0, 3), session('fresh', 0, 0, '')] });
    const fresh = within(sessionButton('fresh'));
    expect(fresh.queryByText('new')).not.toBeNull();
    expect(fresh.queryByText('No messages yet')).not.toBeNull();
  });

  it('shows the time, not "new", for a session with a preview but no count yet (a CLI-answered send)', () => {
    const { sessionButton } = renderList({ sessions: [session('main', 0, 3), session('cli-only', 5, 0, 'echo: hi')] });
    expect(within(sessionButton('cli-only')).queryByText('new')).toBeNull();
    expect(within(sessionButton('cli-only')).queryByText('5 min ago')).not.toBeNull();
  });

  it('marks sessions with unseen messages as unread, but never the open one', () => {
    const { sessionButton } = renderList({ seen: { main: 1, research: 4, notes: 2 } });
    expect(within(sessionButton('research')).queryByLabelText('unread')).not.toBeNull();
    expect(within(sessionButton('notes')).queryByLabelText('unread')).toBeNull(); // all 2 seen
    expect(within(sessionButton('main')).queryByLabelText('unread')).toBeNull(); // open: being read
  });

  it('marks the open session as current', () => {
    const { nav, sessionButton } = renderList({ openSession: 'research' });
    expect(within(nav).getAllByRole('button', { current: true })).toEqual([sessionButton('research')]);
  });

  it('opens a session on click', async () => {
    const { user, onOpen, sessionButton } = renderList();
    await user.click(sessionButton('notes'));
    expect(onOpen).toHaveBeenCalledWith('notes');
  });

  it('moves between sessions with the arrow keys, stopping at the ends', async () => {
    const { user, sessionButtons } = renderList();
    const [first, second, third] = sessionButtons();
    first!.focus();
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(second);
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(document.activeElement).toBe(third);
    await user.keyboard('{ArrowUp}{ArrowUp}{ArrowUp}');
    expect(document.activeElement).toBe(first);
  });

  it('creates a session from the "New session" form and closes it', async () => {
    const { user, onCreate } = renderList();
    const toggle = screen.getByRole('button', { name: 'New session' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('textbox', { name: 'Session name' })).toBeNull();

    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const name = screen.getByRole('textbox', { name: 'Session name' });
    expect(document.activeElement).toBe(name);
    await user.type(name, '  ideas  {Enter}');
    expect(onCreate).toHaveBeenCalledWith('ideas');
    expect(screen.queryByRole('textbox', { name: 'Session name' })).toBeNull();
  });

  it.each([
    ['an empty name', '   ', 'Type a name for the session.'],
    ['a name in use', 'research', 'A session named "research" exists already; pick it from the list.'],
    ['a name with a slash', 'a/b', 'Session names cannot contain "/", "\\" or control characters.'],
  ])('refuses %s and says why next to the field', async (_, typed, why) => {
    const { user, onCreate } = renderList();
    await user.click(screen.getByRole('button', { name: 'New session' }));
    const name = screen.getByRole('textbox', { name: 'Session name' });
    await user.type(name, typed);
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(onCreate).not.toHaveBeenCalled();
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(name.getAttribute('aria-describedby')).toBe(screen.getByText(why).id);
  });

  it('shows the list error as a status', () => {
    renderList({ error: 'Could not read the sessions: gateway not running' });
    expect(screen.getByRole('status').textContent).toBe('Could not read the sessions: gateway not running');
  });

  it('shows no error line without an error', () => {
    renderList();
    expect(screen.queryByRole('status')).toBeNull();
  });
});
