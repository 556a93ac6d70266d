/**
 * Several connections over one gateway (as the socket's clients are): a send's
 * events go to the connection that sent it under its own id; `session.updated`,
 * `reply` and `heartbeat` go to every other connection without an id; deltas and
 * delivery reports stay with the sender. Ids are per connection, a keyed send
 * attached from a second connection streams to both without duplicates, and each
 * connection's `hello` selection is its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryPair, eventNamed, responseTo, type InMemoryPair, type InMemoryPairOptions, type WireMessage } from '../helpers/in-memory-pair.js';

const pairs: InMemoryPair[] = [];

async function open(options: InMemoryPairOptions = {}): Promise<InMemoryPair> {
  const pair = await createInMemoryPair(options);
  pairs.unshift(pair); // second connections close before the gateway's owner
  return pair;
}

afterEach(async () => {
  for (const pair of pairs.splice(0)) await pair.close();
});

const events = (pair: InMemoryPair): WireMessage[] => pair.all().filter((message) => message.type === 'event');

describe('events across connections', () => {
  it("a send's events go to its connection with its id; others get the shared ones without an id", async () => {
    const a = await open();
    const b = await open({ sharedWith: a });
    a.request({ type: 'send', id: 1, text: 'hello there', session: 'work' });
    await a.nextMatching(responseTo(1));
    // The sender sees the whole stream under its id.
    expect(events(a).map((event) => [event.event, event.id])).toEqual([
      ['session.updated', 1],
      ['reply.delta', 1],
      ['reply.delta', 1],
      ['reply.delta', 1],
      ['reply', 1],
      ['session.updated', 1],
    ]);
    // The other connection sees what changed and the reply, never the deltas, and no id that is not its own.
    await b.nextMatching(eventNamed('reply'));
    expect(events(b).map((event) => [event.event, event.id])).toEqual([
      ['session.updated', undefined],
      ['reply', undefined],
      ['session.updated', undefined],
    ]);
    expect(events(b).find((event) => event.event === 'reply')?.payload).toMatchObject({ session: 'work', text: 'echo: hello there' });
  });

  it('ids are per connection: the same id on two connections gets each its own answer and stream', async () => {
    const a = await open();
    const b = await open({ sharedWith: a });
    a.request({ type: 'send', id: 'x', text: 'from a', session: 'one' });
    b.request({ type: 'send', id: 'x', text: 'from b', session: 'two' });
    const [answerA, answerB] = await Promise.all([a.nextMatching(responseTo('x')), b.nextMatching(responseTo('x'))]);
    expect(answerA.payload).toMatchObject({ payloads: [{ text: 'echo: from a' }] });
    expect(answerB.payload).toMatchObject({ payloads: [{ text: 'echo: from b' }] });
    const deltaSessions = (pair: InMemoryPair) => new Set(events(pair).filter((event) => event.event === 'reply.delta').map((event) => event.payload?.session));
    expect(deltaSessions(a)).toEqual(new Set(['one']));
    expect(deltaSessions(b)).toEqual(new Set(['two']));
    // Each sees the other's turn only as shared, id-less events.
    expect(events(a).filter((event) => event.payload?.session === 'two').every((event) => event.id === undefined)).toBe(true);
    expect(events(b).filter((event) => event.payload?.session === 'one').every((event) => event.id === undefined)).toBe(true);
  });

  it('a keyed send repeated from another connection streams to both under their ids, once each', async () => {
    const a = await open({ config: { echo: { delayMs: 20 } } });
    const b = await open({ sharedWith: a });
    a.request({ type: 'send', id: 'a1', text: 'one two three four five', idempotencyKey: 'k-1' });
    await a.nextMatching(eventNamed('reply.delta', 'a1'));
    b.request({ type: 'send', id: 'b1', text: 'one two three four five', idempotencyKey: 'k-1' });
    const [answerA, answerB] = await Promise.all([a.nextMatching(responseTo('a1')), b.nextMatching(responseTo('b1'))]);
    expect((answerB.payload as { meta: { runId: string } }).meta.runId).toBe((answerA.payload as { meta: { runId: string } }).meta.runId);
    // The attached connection gets the rest of the stream as its own, and no id-less copy of it.
    const replies = events(b).filter((event) => event.event === 'reply');
    expect(replies.map((event) => event.id)).toEqual(['b1']);
    expect(events(b).filter((event) => event.event === 'reply.delta').every((event) => event.id === 'b1')).toBe(true);
    expect(events(a).filter((event) => event.event === 'reply').map((event) => event.id)).toEqual(['a1']);
  });

  it('a heartbeat is for every connection', async () => {
    const a = await open({ config: { heartbeats: { prompt: 'ping' } } });
    const b = await open({ sharedWith: a });
    await a.gateway.runHeartbeat();
    for (const pair of [a, b]) {
      const heartbeat = await pair.nextMatching(eventNamed('heartbeat'));
      expect(heartbeat.id).toBeUndefined();
      expect(heartbeat.payload).toMatchObject({ outcome: 'sent', text: 'echo: ping' });
    }
  });

  it("each connection's hello selection is its own", async () => {
    const a = await open();
    const b = await open({ sharedWith: a });
    b.request({ type: 'hello', id: 'h', protocol: 1, events: [] });
    await b.nextMatching(responseTo('h'));
    a.request({ type: 'send', id: 1, text: 'quiet please' });
    await a.nextMatching(responseTo(1));
    expect(events(a).length).toBeGreaterThan(0);
    b.request({ type: 'status', id: 's' });
    await b.nextMatching(responseTo('s')); // anything for b before this line would be written already
    expect(events(b)).toEqual([]);
  });
});
