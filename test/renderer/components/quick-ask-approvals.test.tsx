// @vitest-environment happy-dom
/**
 * Quick ask shows the same approval card as the chat for a run of its session
 * that waits for a tool approval, and answers it through the bridge.
 */
import { act, cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { QuickAsk } from '../../../renderer/src/quick-ask/QuickAsk.js';
import { fakeBridgeClient } from '../helpers/fake-bridge-client.js';

afterEach(cleanup);

const requested = (session: string, callId: string) => ({
  type: 'event' as const,
  event: 'approval.requested' as const,
  payload: { session, runId: 'r-1', callId, server: 'notes', tool: 'write_note', arguments: '{"title":"groceries"}', expiresAt: Date.now() + 60_000 },
});

describe('QuickAsk approvals', () => {
  it('shows the card for its session only, and Allow once answers it', async () => {
    localStorage.setItem('tether.openSession', 'main');
    const client = fakeBridgeClient();
    client.answer('approve', (args) => ({ callId: args.callId, decision: args.decision }));
    render(<QuickAsk client={client} onOpenChat={() => {}} onOpenLink={() => {}} />);

    act(() => client.emit('gateway-event', requested('elsewhere', 'c-other')));
    expect(screen.queryByRole('button', { name: 'Allow once' })).toBeNull(); // another session's run

    act(() => client.emit('gateway-event', requested('main', 'c-1')));
    expect(await screen.findByText(/groceries/u)).toBeTruthy(); // the arguments, in full
    await userEvent.click(screen.getByRole('button', { name: 'Allow once' }));
    expect(client.calls.filter((call) => call.channel === 'approve')).toEqual([{ channel: 'approve', args: { callId: 'c-1', decision: 'allow-once' } }]);
  });
});
