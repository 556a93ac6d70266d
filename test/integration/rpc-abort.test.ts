/**
 * Abort through the real child: a slow streaming send aborted after its first
 * delta answers with meta.aborted and exactly the text streamed so far (also in
 * the `reply` event and in history); aborting a session also cancels the sends
 * still waiting behind the running one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, startRpcChild } from '../helpers/rpc-child.js';
import { expectError, expectEvent, expectResult, isEvent, isRunEvent } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

const LONG_TEXT = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

describe('abort', () => {
  it('answers an aborted send with meta.aborted and the partial text, which history keeps', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '50' } });
    const pending = child.request({ type: 'send', id: 'long', text: LONG_TEXT });
    const firstDelta = expectEvent('reply.delta', await child.nextEvent(isEvent('reply.delta', 'long'), undefined, 0));
    const abort = expectResult('abort', await child.request({ type: 'abort', id: 'stop' }));
    expect(abort).toEqual({ aborted: 1, runIds: [firstDelta.runId] });

    const send = expectResult('send', await pending);
    expect(send.meta.aborted).toBe(true);
    expect(send.meta.runId).toBe(firstDelta.runId);
    const streamed = child.events(isRunEvent('reply.delta', firstDelta.runId)).map((event) => expectEvent('reply.delta', event).text).join('');
    const partial = send.payloads[0]!.text;
    expect(partial).toBe(streamed);
    expect(partial.startsWith('echo: ')).toBe(true);
    expect(partial.length).toBeLessThan(`echo: ${LONG_TEXT}`.length);
    expect(`echo: ${LONG_TEXT}`.startsWith(partial)).toBe(true);

    const reply = expectEvent('reply', child.events(isRunEvent('reply', firstDelta.runId))[0]!);
    expect(reply).toMatchObject({ aborted: true, text: partial });

    const history = expectResult('history', await child.request({ type: 'history', session: 'main' }));
    expect(history.messages).toHaveLength(2);
    expect(history.messages[1]).toMatchObject({ role: 'assistant', text: partial, runId: firstDelta.runId, aborted: true });
    expect(history.messages[0]!.aborted).toBeUndefined();

    // The session is usable again right away.
    const next = expectResult('send', await child.request({ type: 'send', id: 'after', text: 'still here' }));
    expect(next.payloads[0]!.text).toBe('echo: still here');
    expect(next.meta.aborted).toBeUndefined();
  });

  it('aborting a session cancels the waiting sends too, each still answered', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '50' } });
    const running = child.request({ type: 'send', id: 'run', session: 'q', text: LONG_TEXT });
    const waiting = child.request({ type: 'send', id: 'wait', session: 'q', text: 'never started' });
    const other = child.request({ type: 'send', id: 'other', session: 'elsewhere', text: 'unaffected' });
    await child.nextEvent(isEvent('reply.delta', 'run'), undefined, 0);
    const abort = expectResult('abort', await child.request({ type: 'abort', id: 'ab', session: 'q' }));
    expect(abort.aborted).toBe(2);

    expect(expectResult('send', await running).meta.aborted).toBe(true);
    const cancelled = expectError(await waiting, 'aborted');
    expect(cancelled.id).toBe('wait');
    expect(expectResult('send', await other).payloads[0]!.text).toBe('echo: unaffected');

    // The cancelled send never reached the transcript.
    const history = expectResult('history', await child.request({ type: 'history', session: 'q' }));
    expect(history.messages.map((message) => message.text)).not.toContain('never started');
    expect(history.total).toBe(2);
  });
});
