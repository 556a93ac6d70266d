// @vitest-environment happy-dom
/**
 * Approvals and tool calls in the chat window: the card of a waiting call appears in
 * its run's session only, answers through the `approve` channel, and goes when the
 * gateway says the approval ended; tool calls and their output show under the reply
 * as plain text, never as the assistant's markdown.
 */
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../../renderer/src/components/App.js';
import { fakeBridgeClient, type FakeBridgeClient } from '../helpers/fake-bridge-client.js';
import { setUpAppTests } from './app-test-setup.js';

setUpAppTests();

const RUN = { session: 'main', runId: 'r-1' };

function requestApproval(client: FakeBridgeClient, session = 'main', callId = 'c-2') {
  act(() =>
    client.emit('gateway-event', {
      type: 'event',
      event: 'approval.requested',
      payload: { ...RUN, session, callId, server: 'notes', tool: 'write_note', arguments: '{"text":"buy milk"}', expiresAt: Date.now() + 300_000 },
    }),
  );
}

async function openWindow() {
  const client = fakeBridgeClient();
  render(<App client={client} />);
  await waitFor(() => expect(within(screen.getByRole('complementary', { name: 'Gateway status' })).getByTestId('gateway-state').textContent).toBe('Running'));
  return client;
}

describe('approvals in the chat window', () => {
  it('shows the card in the open session, answers through approve, and removes it on approval.resolved', async () => {
    const client = await openWindow();
    const approved: unknown[] = [];
    client.answer('approve', (args) => {
      approved.push(args);
      return { callId: args.callId, decision: args.decision };
    });
    requestApproval(client);
    const card = await screen.findByTestId('approval-card');
    expect(within(card).getByTestId('approval-arguments').textContent).toBe('{\n  "text": "buy milk"\n}');

    await userEvent.setup().click(within(card).getByRole('button', { name: 'Allow for this session' }));
    expect(approved).toEqual([{ callId: 'c-2', decision: 'allow-session' }]);
    expect(screen.queryByTestId('approval-card')).not.toBeNull(); // until the gateway says it ended

    act(() => client.emit('gateway-event', { type: 'event', event: 'approval.resolved', payload: { ...RUN, callId: 'c-2', decision: 'allow-session', by: 'user' } }));
    await waitFor(() => expect(screen.queryByTestId('approval-card')).toBeNull());
  });

  it('shows the calls that were already waiting when the window opened (a reload missed their events)', async () => {
    const client = fakeBridgeClient();
    const waiting = { ...RUN, callId: 'c-7', server: 'notes', tool: 'write_note', arguments: '{"text":"from before"}', expiresAt: Date.now() + 300_000 };
    client.answer('list-approvals', () => ({ approvals: [waiting] }));
    render(<App client={client} />);
    const card = await screen.findByTestId('approval-card');
    expect(within(card).getByTestId('approval-arguments').textContent).toBe('{\n  "text": "from before"\n}');
  });

  it('leaves out a call that was resolved while the list of waiting calls was on its way', async () => {
    const client = fakeBridgeClient();
    const waiting = { ...RUN, callId: 'c-8', server: 'notes', tool: 'write_note', arguments: '{}', expiresAt: Date.now() + 300_000 };
    let answerList: (value: { approvals: (typeof waiting)[] }) => void = () => {};
    client.answer('list-approvals', () => new Promise((resolve) => (answerList = resolve)));
    render(<App client={client} />);
    await waitFor(() => expect(client.calls.some((call) => call.channel === 'list-approvals')).toBe(true));
    act(() => client.emit('gateway-event', { type: 'event', event: 'approval.resolved', payload: { ...RUN, callId: 'c-8', decision: 'deny', by: 'timeout' } }));
    await act(async () => answerList({ approvals: [waiting] }));
    expect(screen.queryByTestId('approval-card')).toBeNull();
  });

  it("marks the waiting call in the run's reply until the approval ends", async () => {
    const client = await openWindow();
    act(() => client.emit('gateway-event', { type: 'event', event: 'tool.call', payload: { ...RUN, callId: 'c-2', step: 1, server: 'notes', tool: 'write_note', arguments: '{}' } }));
    requestApproval(client);
    const call = await screen.findByTestId('tool-call');
    expect(call.getAttribute('data-outcome')).toBe('waiting');
    expect(within(call).getByText('waiting for approval')).not.toBeNull();
    act(() => client.emit('gateway-event', { type: 'event', event: 'approval.resolved', payload: { ...RUN, callId: 'c-2', decision: 'allow-once', by: 'user' } }));
    await waitFor(() => expect(screen.getByTestId('tool-call').getAttribute('data-outcome')).toBe('running'));
  });

  it('does not show the card of a run in another session', async () => {
    const client = await openWindow();
    requestApproval(client, 'elsewhere');
    requestApproval(client, 'main', 'c-3');
    const cards = await screen.findAllByTestId('approval-card');
    expect(cards.map((card) => card.getAttribute('data-call-id'))).toEqual(['c-3']);
  });

  it('drops a card whose call no longer waits (the gateway answers not_found)', async () => {
    const client = await openWindow();
    client.answer('approve', () => {
      throw Object.assign(new Error('no approval waits for call c-2'), { details: { wireCode: 'not_found' } });
    });
    requestApproval(client);
    await userEvent.setup().click(within(await screen.findByTestId('approval-card')).getByRole('button', { name: 'Deny' }));
    await waitFor(() => expect(screen.queryByTestId('approval-card')).toBeNull());
  });

  it('shows tool calls and their output under the reply, as plain text apart from the reply', async () => {
    const client = await openWindow();
    act(() => {
      client.emit('gateway-event', { type: 'event', event: 'tool.call', payload: { ...RUN, callId: 'c-1', step: 1, server: 'notes', tool: 'add', arguments: '{"a":2,"b":3}' } });
      client.emit('gateway-event', { type: 'event', event: 'tool.result', payload: { ...RUN, callId: 'c-1', server: 'notes', tool: 'add', ok: true, content: '**5** [click](https://evil.example)', chars: 35 } });
      client.emit('gateway-event', { type: 'event', event: 'reply', payload: { ...RUN, text: '2 + 3 is **5**.', source: 'rpc', provider: 'local', model: 'tool-model' } });
    });
    const reply = await screen.findByText((_, element) => element?.tagName === 'ARTICLE' && element.getAttribute('data-run-id') === 'r-1');
    const call = within(reply).getByTestId('tool-call');
    expect(call.getAttribute('data-outcome')).toBe('ok');
    expect(within(call).getByText('notes/add')).not.toBeNull();
    expect(within(call).getByTestId('tool-call-arguments').textContent).toBe('{\n  "a": 2,\n  "b": 3\n}');
    const output = within(call).getByTestId('tool-call-output');
    expect(output.tagName).toBe('PRE');
    expect(output.textContent).toBe('**5** [click](https://evil.example)');
    expect(call.querySelector('a, strong')).toBeNull(); // the tool's markdown stays text
    expect(reply.querySelector('strong')?.textContent).toBe('5'); // the assistant's is rendered
  });

  it('shows a call the user denied as denied', async () => {
    const client = await openWindow();
    act(() => {
      client.emit('gateway-event', { type: 'event', event: 'tool.call', payload: { ...RUN, callId: 'c-2', step: 1, server: 'notes', tool: 'write_note', arguments: '{}' } });
      client.emit('gateway-event', { type: 'event', event: 'tool.result', payload: { ...RUN, callId: 'c-2', server: 'notes', tool: 'write_note', ok: false, content: 'denied by the user', chars: 18, denied: true } });
    });
    const call = await screen.findByTestId('tool-call');
    expect(call.getAttribute('data-outcome')).toBe('denied');
    expect(within(call).getByText('denied')).not.toBeNull();
  });
});
