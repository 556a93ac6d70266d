// @vitest-environment happy-dom
/**
 * The approval card as the user meets it: which tool, its arguments in full (indented
 * when they are JSON, as written when not), the three answers reachable from the
 * keyboard, and a failed answer told on the card with the buttons back.
 */
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApprovalCard, type ApprovalCardProps } from '../../../renderer/src/components/ApprovalCard.js';
import type { PendingApproval } from '../../../renderer/src/model/approvals.js';

afterEach(cleanup);

const approval = (extra: Partial<PendingApproval> = {}): PendingApproval => ({
  session: 'main',
  runId: 'r-1',
  callId: 'c-1',
  server: 'notes',
  tool: 'write_note',
  arguments: '{"text":"buy milk","tags":["home"]}',
  expiresAt: 1_800_000_300_000,
  ...extra,
});

function renderCard(item: PendingApproval, onAnswer: ApprovalCardProps['onAnswer'] = vi.fn(async () => {})) {
  render(<ApprovalCard approval={item} onAnswer={onAnswer} />);
  return { card: screen.getByRole('group', { name: `Approve tool call ${item.server}/${item.tool}` }), onAnswer };
}

describe('ApprovalCard', () => {
  it('names the tool and shows the arguments in full, indented', () => {
    const { card } = renderCard(approval());
    expect(card.textContent).toContain('notes/write_note');
    expect(within(card).getByTestId('approval-arguments').textContent).toBe('{\n  "text": "buy milk",\n  "tags": [\n    "home"\n  ]\n}');
  });

  it('shows arguments that are not JSON exactly as the model wrote them, markup included', () => {
    const raw = '{"text": <b>unclosed';
    const { card } = renderCard(approval({ arguments: raw }));
    expect(within(card).getByTestId('approval-arguments').textContent).toBe(raw);
    expect(card.querySelector('b')).toBeNull();
  });

  it.each([
    ['Allow once', 'allow-once'],
    ['Allow for this session', 'allow-session'],
    ['Deny', 'deny'],
  ])('"%s" answers %s for this call', async (label, decision) => {
    const { card, onAnswer } = renderCard(approval());
    await userEvent.setup().click(within(card).getByRole('button', { name: label }));
    expect(onAnswer).toHaveBeenCalledWith('c-1', decision);
  });

  it('is answered from the keyboard: Tab reaches the buttons in order, Enter presses one', async () => {
    const { card, onAnswer } = renderCard(approval());
    const keys = userEvent.setup();
    await keys.tab();
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'Allow once' }));
    await keys.tab();
    await keys.tab();
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'Deny' }));
    await keys.keyboard('{Enter}');
    expect(onAnswer).toHaveBeenCalledWith('c-1', 'deny');
  });

  it('tells a failed answer on the card and offers the buttons again', async () => {
    const onAnswer = vi.fn(async () => {
      throw new Error('the gateway is not running (restarting in 400 ms)');
    });
    const { card } = renderCard(approval(), onAnswer);
    await userEvent.setup().click(within(card).getByRole('button', { name: 'Allow once' }));
    await waitFor(() => expect(within(card).getByRole('alert').textContent).toContain('restarting in 400 ms'));
    expect((within(card).getByRole('button', { name: 'Deny' }) as HTMLButtonElement).disabled).toBe(false);
  });
});
