/**
 * Ordering through the real child: id-less requests are answered in arrival order
 * (seed clients match FIFO), requests with ids may overtake each other, sends to
 * one session run one at a time and sends to two sessions run side by side.
 * Observed through the order of lines, events and recorded timestamps, never
 * through wall-clock thresholds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, startRpcChild, type RpcChild, type WireMessage } from '../helpers/rpc-child.js';
import { expectResult, isEvent, isRunEvent } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

const words = (count: number, prefix = 'w'): string => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(' ');

/** Index of a line in the child's output. */
const at = (child: RpcChild, message: WireMessage): number => child.messages.indexOf(message);

describe('id-less requests', () => {
  it('answers a slow send before a status sent right after it', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    // One write, so the host sees both lines together and status could finish first.
    await child.writeRaw(`${JSON.stringify({ type: 'send', text: words(6) })}\n{"type":"status"}\n`);
    child.expectIdlessAnswers(2);
    await child.waitUntil(() => child.responses.length === 2);
    const [first, second] = child.responses;
    expect(expectResult('send', first!).payloads[0]!.text).toBe(`echo: ${words(6)}`);
    expectResult('status', second!);
  });

  it('answers many id-less sends in request order even when later ones finish first', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '20' } });
    // Each send goes to its own session (so they run concurrently) and is shorter
    // than the one before it, so the runs finish in reverse order.
    const lines = [5, 4, 3, 2, 1].flatMap((n) => [
      JSON.stringify({ type: 'send', session: `s${n}`, text: words(n * 3) }),
      '{"type":"status"}',
    ]);
    await child.writeRaw(lines.join('\n') + '\n');
    child.expectIdlessAnswers(lines.length);
    await child.waitUntil(() => child.responses.length === lines.length);
    const order = child.responses.map((response) => (response.payload && 'meta' in response.payload ? expectResult('send', response).meta.session : 'status'));
    expect(order).toEqual(['s5', 'status', 's4', 'status', 's3', 'status', 's2', 'status', 's1', 'status']);
    // The runs really did finish in another order: the `reply` events say so.
    const replyOrder = child.events(isEvent('reply')).map((event) => event.payload?.session);
    expect(replyOrder).not.toEqual(['s5', 's4', 's3', 's2', 's1']);
  });
});

describe('requests with ids', () => {
  it('lets a fast status overtake a slow send', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    await child.writeRaw(`${JSON.stringify({ type: 'send', id: 'slow', text: words(6) })}\n{"type":"status","id":"fast"}\n`);
    await child.waitUntil(() => child.responses.length === 2);
    expect(child.responses.map((response) => response.id)).toEqual(['fast', 'slow']);
    expectResult('status', child.responses[0]!);
    expectResult('send', child.responses[1]!);
  });

  it('mixes id and id-less requests: id-less keep their order, ids do not wait for them', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    await child.writeRaw(
      [JSON.stringify({ type: 'send', text: words(6) }), '{"type":"status","id":7}', '{"type":"sessions"}'].join('\n') + '\n',
    );
    child.expectIdlessAnswers(2);
    await child.waitUntil(() => child.responses.length === 3);
    expect(child.responses[0]!.id).toBe(7);
    expectResult('send', child.responses[1]!);
    expectResult('sessions', child.responses[2]!);
  });
});

describe('per-session queues', () => {
  it('runs sends to one session one at a time, in order', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    const [a, b] = await Promise.all([
      child.request({ type: 'send', id: 'a', session: 'same', text: words(5, 'a') }),
      child.request({ type: 'send', id: 'b', session: 'same', text: words(5, 'b') }),
    ]);
    const first = expectResult('send', a);
    const second = expectResult('send', b);
    // Every line of run b comes after run a's reply.
    const aReply = at(child, child.events(isRunEvent('reply', first.meta.runId))[0]!);
    const bDeltas = child.events(isRunEvent('reply.delta', second.meta.runId));
    expect(bDeltas.length).toBeGreaterThan(0);
    expect(Math.min(...bDeltas.map((event) => at(child, event)))).toBeGreaterThan(aReply);
    const aDeltas = child.events(isRunEvent('reply.delta', first.meta.runId));
    expect(Math.max(...aDeltas.map((event) => at(child, event)))).toBeLessThan(aReply);

    // The recorded timestamps agree: b's user message was taken after a's reply was stored.
    const history = expectResult('history', await child.request({ type: 'history', session: 'same' }));
    const [aUser, aAssistant, bUser, bAssistant] = history.messages;
    expect([aUser?.runId, aAssistant?.runId, bUser?.runId, bAssistant?.runId]).toEqual([
      first.meta.runId,
      first.meta.runId,
      second.meta.runId,
      second.meta.runId,
    ]);
    expect(bUser!.ts).toBeGreaterThanOrEqual(aAssistant!.ts);
  });

  it('runs sends to two sessions concurrently', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    const pendingA = child.request({ type: 'send', id: 'a', session: 'left', text: words(30, 'a') });
    const pendingB = child.request({ type: 'send', id: 'b', session: 'right', text: words(30, 'b') });
    // While both stream, status counts two running runs and nothing waiting.
    await Promise.all([child.nextEvent(isEvent('reply.delta', 'a'), undefined, 0), child.nextEvent(isEvent('reply.delta', 'b'), undefined, 0)]);
    const status = expectResult('status', await child.request({ type: 'status', id: 'st', verbose: true }));
    const [a, b] = [expectResult('send', await pendingA), expectResult('send', await pendingB)];
    expect(status.queue.depth).toBe(0);
    const runningNow = status.sessionQueues?.filter((queue) => queue.running !== null).map((queue) => queue.session).sort();
    expect(runningNow).toEqual(['left', 'right']);

    // Each run streamed before the other one's reply: they overlapped.
    const firstDelta = (runId: string) => Math.min(...child.events(isRunEvent('reply.delta', runId)).map((event) => at(child, event)));
    const replyAt = (runId: string) => at(child, child.events(isRunEvent('reply', runId))[0]!);
    expect(firstDelta(b.meta.runId)).toBeLessThan(replyAt(a.meta.runId));
    expect(firstDelta(a.meta.runId)).toBeLessThan(replyAt(b.meta.runId));

    // And the stored timestamps overlap too: each user message predates the other's reply.
    const left = expectResult('history', await child.request({ type: 'history', session: 'left' })).messages;
    const right = expectResult('history', await child.request({ type: 'history', session: 'right' })).messages;
    expect(left[0]!.ts).toBeLessThanOrEqual(right[1]!.ts);
    expect(right[0]!.ts).toBeLessThanOrEqual(left[1]!.ts);
  });
});
