// @vitest-environment happy-dom
/**
 * A reply another window's send streams and that then breaks off: the gateway
 * stores the failure and says so with `session.updated` (there is no `reply`
 * event for a failed reply). When that update arrives together with the deltas,
 * before React has rendered them, the window must still ask history how the reply
 * ended instead of showing it streaming for ever (the e2e test "a reply that
 * breaks off in another window" failed about half the time before).
 */
import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../renderer/src/components/App.js';
import { fakeBridgeClient } from '../helpers/fake-bridge-client.js';
import { setUpAppTests } from './app-test-setup.js';

setUpAppTests();

describe('a broken-off reply from another window', () => {
  it('reads history when the stored failure comes in the same burst as its deltas', async () => {
    const client = fakeBridgeClient();
    render(<App client={client} />);
    await screen.findByRole('complementary', { name: 'Gateway status' });
    await waitFor(() => expect(client.calls.filter((call) => call.channel === 'get-history')).toHaveLength(1)); // the first page
    const key = 'k-other-window';
    act(() => {
      // One burst, as the gateway now writes a turn's lines: no render in between.
      client.emit('gateway-event', { type: 'event', event: 'reply.delta', payload: { session: 'main', runId: 'r-9', seq: 0, text: 'Hel', idempotencyKey: key } });
      client.emit('gateway-event', { type: 'event', event: 'session.updated', payload: { session: 'main', updatedAt: 2, messageCount: 2, preview: 'Hel', idempotencyKey: key } });
    });
    await waitFor(() => expect(client.calls.filter((call) => call.channel === 'get-history')).toHaveLength(2));
  });
});
