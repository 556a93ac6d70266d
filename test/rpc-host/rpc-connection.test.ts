/**
 * The dispatcher (`RpcConnection` over a real `Gateway`) through an in-memory
 * linked pair: every request type and its payload shape, ids on results, errors
 * and events, FIFO answers for id-less requests, per-session queues, abort,
 * event selection, heartbeats, delivery, compaction and shutdown.
 *
 * Every test also checks, on the way out, that every line written is one JSON
 * object plus LF and matches the outbound wire schemas.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSchema,
  OutboundMessageSchema,
  REQUEST_TYPES,
  RESULT_PAYLOAD_SCHEMAS,
  type EventName,
  type EventPayloadOf,
  type RequestId,
  type RequestType,
  type ResultPayloadOf,
} from '../../rpc-host/protocol/schemas.js';
import {
  createInMemoryPair,
  eventNamed,
  idlessResponse,
  responseTo,
  type InMemoryPair,
  type InMemoryPairOptions,
  type WireMessage,
} from '../helpers/in-memory-pair.js';

const pairs: InMemoryPair[] = [];

async function open(options: InMemoryPairOptions = {}): Promise<InMemoryPair> {
  const pair = await createInMemoryPair(options);
  pairs.push(pair);
  return pair;
}

afterEach(async () => {
  const open = pairs.splice(0);
  try {
    for (const pair of open) expectWellFormedOutput(pair);
  } finally {
    for (const pair of open) await pair.close();
  }
});

/** Every write is exactly one line, and every line is a valid outbound message. */
function expectWellFormedOutput(pair: InMemoryPair): void {
  for (const write of pair.rawWrites()) {
    expect(write.endsWith('\n'), write).toBe(true);
    expect(write.indexOf('\n'), write).toBe(write.length - 1);
  }
  for (const message of pair.all()) {
    expect(OutboundMessageSchema.safeParse(message).success, JSON.stringify(message)).toBe(true);
    if (message.type === 'event') expect(EventSchema.safeParse(message).success, JSON.stringify(message)).toBe(true);
  }
}

/** The typed, schema-checked payload of a result line. */
function payloadOf<T extends RequestType>(message: WireMessage, type: T): ResultPayloadOf<T> {
  expect(message, JSON.stringify(message)).toMatchObject({ type: 'result', ok: true });
  const parsed = RESULT_PAYLOAD_SCHEMAS[type].safeParse(message.payload);
  expect(parsed.success, `${type} payload ${JSON.stringify(message.payload)}: ${parsed.error?.message}`).toBe(true);
  return parsed.data as ResultPayloadOf<T>;
}

/** The typed, schema-checked payload of an event line. */
function eventPayload<N extends EventName>(message: WireMessage, name: N): EventPayloadOf<N> {
  const parsed = EventSchema.parse(message);
  expect(parsed.event).toBe(name);
  return parsed.payload as EventPayloadOf<N>;
}

/** Sends a request with an id and waits for its answer. */
function ask(pair: InMemoryPair, request: { type: string; id: RequestId } & Record<string, unknown>, timeoutMs?: number): Promise<WireMessage> {
  pair.request(request);
  return pair.nextMatching(responseTo(request.id), timeoutMs);
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
const words = (count: number, prefix = 'w') => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(' ');
const indexOf = (pair: InMemoryPair, predicate: (message: WireMessage) => boolean) => pair.all().findIndex(predicate);
const lastIndexOf = (pair: InMemoryPair, predicate: (message: WireMessage) => boolean) => pair.all().findLastIndex(predicate);
const deltasOf = (pair: InMemoryPair, id: RequestId) => pair.all().filter(eventNamed('reply.delta', id)).map((message) => eventPayload(message, 'reply.delta'));

describe('request types', () => {
  it('status answers the health payload, verbose adds queues, memory, lag and the data dir', async () => {
    const pair = await open();
    const status = payloadOf(await ask(pair, { type: 'status', id: 1 }), 'status');
    expect(status).toMatchObject({
      ok: true,
      protocol: 1,
      pid: process.pid,
      provider: 'echo',
      heartbeats: { enabled: false, intervalMs: 30 * 60_000, lastAt: null, lastOutcome: null, nextAt: null },
      sessions: 0,
      queue: { depth: 0, running: 0 },
    });
    expect(status.memory).toBeUndefined();

    const verbose = payloadOf(await ask(pair, { type: 'status', id: 2, verbose: true }), 'status');
    expect(verbose.sessionQueues).toEqual([]);
    expect(verbose.memory?.rss).toBeGreaterThan(0);
    expect(verbose.eventLoopLagMs).toEqual({ p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) });
    expect(verbose.dataDir).toBe(pair.dataDir);
  });

  it('answers the seed send line byte-for-byte as written, without ids anywhere', async () => {
    const pair = await open();
    pair.writeRaw('{"type":"send","text":"hi","session":"main","thinking":"low","deliver":false,"to":"+1555..."}\n');
    const result = await pair.nextMatching(idlessResponse);
    const send = payloadOf(result, 'send');
    expect(send.payloads[0]?.text).toBe('echo: hi');
    expect(send.meta).toMatchObject({ session: 'main', provider: 'echo', model: 'echo', thinking: 'low' });
    expect(send.meta.delivered).toBeUndefined(); // deliver:false
    expect(send.meta.aborted).toBeUndefined();
    expect(pair.all().every((message) => !('id' in message))).toBe(true);
    const reply = eventPayload(await pair.nextMatching(eventNamed('reply')), 'reply');
    expect(reply).toMatchObject({ session: 'main', runId: send.meta.runId, text: 'echo: hi', source: 'rpc' });
  });

  it('streams a send as reply.delta events with the id, then reply and session.updated, then the result', async () => {
    const pair = await open();
    const result = await ask(pair, { type: 'send', id: 'x', text: 'one two three', session: '+15551234567' });
    const send = payloadOf(result, 'send');
    expect(send.payloads).toEqual([{ text: 'echo: one two three' }]);
    expect(send.meta.session).toBe('+15551234567');
    expect(send.meta.durationMs).toBeGreaterThanOrEqual(0);

    const deltas = deltasOf(pair, 'x');
    expect(deltas.map((delta) => delta.seq)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((delta) => delta.text).join('')).toBe('echo: one two three');
    expect(deltas.every((delta) => delta.runId === send.meta.runId && delta.session === '+15551234567')).toBe(true);

    const updates = pair.all().filter(eventNamed('session.updated', 'x')).map((message) => eventPayload(message, 'session.updated'));
    expect(updates.map((update) => [update.messageCount, update.preview])).toEqual([
      [1, 'one two three'],
      [2, 'echo: one two three'],
    ]);
    // Order: user message recorded, deltas, reply, assistant recorded, result.
    const all = pair.all();
    const kinds = all.map((message) => (message.type === 'event' ? message.event : message.type));
    expect(kinds[0]).toBe('session.updated');
    expect(kinds.at(-1)).toBe('result');
    expect(kinds.at(-2)).toBe('session.updated');
    expect(kinds.at(-3)).toBe('reply');
    expect(all.filter((message) => message.type === 'event').every((message) => message.id === 'x')).toBe(true);
  });

  it('accepts model "echo/<name>" and reports that model', async () => {
    const pair = await open();
    const send = payloadOf(await ask(pair, { type: 'send', id: 1, text: 'hi', model: 'echo/tiny' }), 'send');
    expect(send.meta).toMatchObject({ provider: 'echo', model: 'tiny' });
  });

  it('set-heartbeats answers enabled and takes effect at once', async () => {
    const pair = await open();
    expect(payloadOf(await ask(pair, { type: 'set-heartbeats', id: 1, enabled: true }), 'set-heartbeats')).toEqual({ enabled: true });
    const on = payloadOf(await ask(pair, { type: 'status', id: 2 }), 'status');
    expect(on.heartbeats.enabled).toBe(true);
    expect(on.heartbeats.nextAt).toBeGreaterThan(Date.now());
    expect(payloadOf(await ask(pair, { type: 'set-heartbeats', id: 3, enabled: false }), 'set-heartbeats')).toEqual({ enabled: false });
    const off = payloadOf(await ask(pair, { type: 'status', id: 4 }), 'status');
    expect(off.heartbeats).toMatchObject({ enabled: false, nextAt: null });
  });

  it('abort with nothing running aborts nothing', async () => {
    const pair = await open();
    expect(payloadOf(await ask(pair, { type: 'abort', id: 1 }), 'abort')).toEqual({ aborted: 0, runIds: [] });
    expect(payloadOf(await ask(pair, { type: 'abort', id: 2, runId: 'r-nope' }), 'abort')).toEqual({ aborted: 0, runIds: [] });
  });

  it('sessions lists each session with count, preview and thinking, newest first', async () => {
    const pair = await open();
    payloadOf(await ask(pair, { type: 'send', id: 1, text: 'first', session: 'a' }), 'send');
    payloadOf(await ask(pair, { type: 'send', id: 2, text: 'second', session: 'b', thinking: 'high' }), 'send');
    const { sessions } = payloadOf(await ask(pair, { type: 'sessions', id: 3 }), 'sessions');
    expect([...sessions].sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'a', updatedAt: expect.any(Number), messageCount: 2, preview: 'echo: first', thinking: null },
      { key: 'b', updatedAt: expect.any(Number), messageCount: 2, preview: 'echo: second', thinking: 'high' },
    ]);
    // Newest first (both may fall in the same millisecond; then by key).
    expect(sessions[0]!.updatedAt).toBeGreaterThanOrEqual(sessions[1]!.updatedAt);
    expect(payloadOf(await ask(pair, { type: 'status', id: 4 }), 'status').sessions).toBe(2);
  });

  it('history answers messages oldest first and pages with limit and before', async () => {
    const pair = await open();
    const first = payloadOf(await ask(pair, { type: 'send', id: 1, text: 'one' }), 'send');
    const second = payloadOf(await ask(pair, { type: 'send', id: 2, text: 'two' }), 'send');
    const history = payloadOf(await ask(pair, { type: 'history', id: 3, session: 'main' }), 'history');
    expect(history).toMatchObject({ session: 'main', total: 4, hasMore: false });
    expect(history.messages.map((m) => [m.index, m.role, m.text, m.runId, m.source])).toEqual([
      [0, 'user', 'one', first.meta.runId, 'rpc'],
      [1, 'assistant', 'echo: one', first.meta.runId, 'rpc'],
      [2, 'user', 'two', second.meta.runId, 'rpc'],
      [3, 'assistant', 'echo: two', second.meta.runId, 'rpc'],
    ]);
    const page = payloadOf(await ask(pair, { type: 'history', id: 4, session: 'main', limit: 2, before: 3 }), 'history');
    expect(page.messages.map((m) => m.text)).toEqual(['echo: one', 'two']);
    expect(page).toMatchObject({ total: 4, hasMore: true });
  });

  it('hello negotiates the protocol down and lists capabilities', async () => {
    const pair = await open();
    const hello = payloadOf(await ask(pair, { type: 'hello', id: 'h', protocol: 7, client: { name: 'test', version: '0' } }), 'hello');
    expect(hello.protocol).toBe(1);
    expect(hello.capabilities).toEqual(expect.arrayContaining([...REQUEST_TYPES, 'request-ids', 'events']));
  });

  it('compact reports counts, and history still shows every message', async () => {
    const pair = await open();
    for (let i = 0; i < 2; i++) payloadOf(await ask(pair, { type: 'send', id: `s${i}`, text: `m${i}` }), 'send');
    const compact = payloadOf(await ask(pair, { type: 'compact', id: 'c1', session: 'main' }), 'compact');
    expect(compact).toMatchObject({ session: 'main', messagesBefore: 4, messagesAfter: 0, transcriptMessages: 4 });
    expect(compact.summary).toContain('m1');

    payloadOf(await ask(pair, { type: 'send', id: 's2', text: 'm2' }), 'send');
    const again = payloadOf(await ask(pair, { type: 'compact', id: 'c2', session: 'main' }), 'compact');
    expect(again).toMatchObject({ messagesBefore: 2, messagesAfter: 0, transcriptMessages: 6 });

    const history = payloadOf(await ask(pair, { type: 'history', id: 'h', session: 'main' }), 'history');
    expect(history.total).toBe(6);
    expect(history.messages.map((m) => m.text)).toEqual(['m0', 'echo: m0', 'm1', 'echo: m1', 'm2', 'echo: m2']);
  });
});

describe('errors', () => {
  it('answers every malformed line with an error line, in order, and keeps serving', async () => {
    const pair = await open();
    pair.writeRaw('not json\n\n[1]\n{"text":"x"}\n{"type":"frobnicate"}\n{"type":"send"}\n');
    pair.writeRaw(Buffer.from([0xc3, 0x28, 0x0a]));
    pair.writeRaw('{"type":"status"}\n');
    const answers: WireMessage[] = [];
    for (let i = 0; i < 8; i++) answers.push(await pair.nextMatching(idlessResponse));
    expect(answers.map((answer) => answer.code ?? 'ok')).toEqual([
      'parse_error',
      'parse_error',
      'invalid_request',
      'invalid_request',
      'unknown_type',
      'invalid_request',
      'parse_error',
      'ok',
    ]);
    expect(answers[0]?.error).toContain('line 1');
    expect(answers[6]?.error).toMatch(/line 7 .*UTF-8/);
    payloadOf(answers[7]!, 'status');
  });

  it('answers an unknown type exactly like the seed expects, plus ok and code', async () => {
    const pair = await open();
    pair.writeRaw('{"type":"frobnicate"}\n');
    const answer = await pair.nextMatching(idlessResponse);
    expect(answer).toEqual({ type: 'error', ok: false, code: 'unknown_type', error: 'unsupported command: frobnicate' });
  });

  it('echoes the id on errors, and refuses a bad id without one', async () => {
    const pair = await open();
    expect(await ask(pair, { type: 'frobnicate', id: 9 })).toMatchObject({ type: 'error', ok: false, id: 9, code: 'unknown_type' });
    expect(await ask(pair, { type: 'send', id: 'bad', thinking: 'max', text: 'hi' })).toMatchObject({ id: 'bad', code: 'invalid_request', error: expect.stringContaining('"thinking"') });
    pair.request({ type: 'status', id: { nested: true } });
    expect(await pair.nextMatching(idlessResponse)).toMatchObject({ code: 'invalid_request', error: expect.stringContaining('"id"') });
  });

  it('refuses an oversize line with line_too_long naming its line, then reads the next line', async () => {
    const pair = await open({ config: { maxLineBytes: 256 } });
    pair.writeRaw('{"type":"status"}\n');
    for (let i = 0; i < 10; i++) pair.writeRaw(`{"type":"send","text":"${'x'.repeat(100)}`); // one line over many chunks
    pair.writeRaw('"}\r\n{"type":"status"}\r\n');
    const answers = [await pair.nextMatching(idlessResponse), await pair.nextMatching(idlessResponse), await pair.nextMatching(idlessResponse)];
    expect(answers.map((answer) => answer.type)).toEqual(['result', 'error', 'result']);
    expect(answers[1]).toMatchObject({ code: 'line_too_long', error: expect.stringContaining('line 2') });
    expect(answers[1]?.error).toContain('256');
    expect(pair.all().filter((message) => message.code === 'line_too_long')).toHaveLength(1);
  });

  it('reads requests split at every byte and across U+2028', async () => {
    const pair = await open();
    const line = Buffer.from('{"type":"send","id":"u","text":"a\u2028b 😀"}\r\n', 'utf8');
    for (let i = 0; i < line.length; i++) pair.writeRaw(line.subarray(i, i + 1));
    const send = payloadOf(await pair.nextMatching(responseTo('u')), 'send');
    expect(send.payloads[0]?.text).toBe('echo: a\u2028b 😀');
    expect(pair.all().filter((message) => message.type !== 'event')).toHaveLength(1);
  });

  it('answers a last request without LF on end()', async () => {
    const pair = await open();
    pair.writeRaw('{"type":"status","id":"eof"}');
    pair.end();
    payloadOf(await pair.nextMatching(responseTo('eof')), 'status');
  });

  it('refuses deliver:true without "to" as invalid_request naming "to"', async () => {
    const pair = await open();
    const answer = await ask(pair, { type: 'send', id: 1, text: 'hi', deliver: true });
    expect(answer).toMatchObject({ type: 'error', code: 'invalid_request', id: 1 });
    expect(answer.error).toContain('"to"');
    const exists = await ask(pair, { type: 'history', id: 2, session: 'main' });
    expect(exists.code).toBe('not_found'); // nothing was recorded
  });

  it('refuses an unknown model as invalid_request naming it', async () => {
    const pair = await open();
    const answer = await ask(pair, { type: 'send', id: 1, text: 'hi', model: 'gpt-9/turbo' });
    expect(answer).toMatchObject({ type: 'error', code: 'invalid_request' });
    expect(answer.error).toContain('gpt-9/turbo');
  });

  it('answers history and compact of an unknown session with not_found', async () => {
    const pair = await open();
    expect(await ask(pair, { type: 'history', id: 1, session: 'ghost' })).toMatchObject({ code: 'not_found', error: expect.stringContaining('"ghost"') });
    expect(await ask(pair, { type: 'compact', id: 2, session: 'ghost' })).toMatchObject({ code: 'not_found' });
  });
});

describe('ordering', () => {
  it('answers id-less requests in arrival order: a slow send before a quick status', async () => {
    const pair = await open({ config: { echo: { delayMs: 20 } } });
    pair.request({ type: 'send', text: words(5) });
    pair.request({ type: 'status' });
    pair.writeRaw('garbage\n');
    const first = await pair.nextMatching(idlessResponse);
    const second = await pair.nextMatching(idlessResponse);
    const third = await pair.nextMatching(idlessResponse);
    expect(payloadOf(first, 'send').payloads[0]?.text).toBe(`echo: ${words(5)}`);
    payloadOf(second, 'status');
    expect(third).toMatchObject({ type: 'error', code: 'parse_error' });
  });

  it('answers requests with ids as soon as they finish: the status before the slow send', async () => {
    const pair = await open({ config: { echo: { delayMs: 20 } } });
    pair.request({ type: 'send', id: 'slow', text: words(5) });
    pair.request({ type: 'status', id: 'quick' });
    await pair.nextMatching(responseTo('slow'));
    const quick = indexOf(pair, responseTo('quick'));
    const slow = indexOf(pair, responseTo('slow'));
    expect(quick).toBeGreaterThanOrEqual(0);
    expect(quick).toBeLessThan(slow);
    // The status was answered while the send was still running.
    expect(payloadOf(pair.all()[quick]!, 'status').queue).toEqual({ depth: 0, running: 1 });
  });

  it('runs sends to one session one at a time, in order', async () => {
    const pair = await open({ config: { echo: { delayMs: 10 } } });
    pair.request({ type: 'send', id: 'a', text: words(4, 'a') });
    pair.request({ type: 'send', id: 'b', text: words(4, 'b') });
    const b = payloadOf(await pair.nextMatching(responseTo('b')), 'send');
    const a = payloadOf(await pair.nextMatching(responseTo('a')), 'send');
    expect(lastIndexOf(pair, eventNamed('reply.delta', 'a'))).toBeLessThan(indexOf(pair, eventNamed('reply.delta', 'b')));
    expect(indexOf(pair, eventNamed('reply', 'a'))).toBeLessThan(indexOf(pair, eventNamed('session.updated', 'b')));
    const history = payloadOf(await ask(pair, { type: 'history', id: 'h', session: 'main' }), 'history');
    expect(history.messages.map((m) => m.runId)).toEqual([a.meta.runId, a.meta.runId, b.meta.runId, b.meta.runId]);
  });

  it('runs sends to two sessions concurrently', async () => {
    const pair = await open({ config: { echo: { delayMs: 10 } } });
    pair.request({ type: 'send', id: 'long', text: words(12), session: 's1' });
    pair.request({ type: 'send', id: 'short', text: words(2), session: 's2' });
    await pair.nextMatching(responseTo('long'));
    await pair.nextMatching(responseTo('short'));
    // The second session streamed, and even finished, while the first was still streaming.
    expect(indexOf(pair, eventNamed('reply.delta', 'short'))).toBeLessThan(lastIndexOf(pair, eventNamed('reply.delta', 'long')));
    expect(indexOf(pair, responseTo('short'))).toBeLessThan(indexOf(pair, responseTo('long')));
  });
});

describe('abort', () => {
  it('aborts a running send: it answers with meta.aborted and the partial text, and history records it', async () => {
    const pair = await open({ config: { echo: { delayMs: 20 } } });
    const full = `echo: ${words(40)}`;
    pair.request({ type: 'send', id: 'long', text: words(40), deliver: true, to: 'x' });
    const firstDelta = eventPayload(await pair.nextMatching(eventNamed('reply.delta', 'long')), 'reply.delta');
    const abort = payloadOf(await ask(pair, { type: 'abort', id: 'stop', session: 'main' }), 'abort');
    expect(abort).toEqual({ aborted: 1, runIds: [firstDelta.runId] });

    const send = payloadOf(await pair.nextMatching(responseTo('long')), 'send');
    const partial = send.payloads[0]!.text;
    expect(send.meta).toMatchObject({ aborted: true, runId: firstDelta.runId, delivered: false });
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(full.length);
    expect(full.startsWith(partial)).toBe(true);
    expect(deltasOf(pair, 'long').map((delta) => delta.text).join('')).toBe(partial);
    expect(eventPayload(await pair.nextMatching(eventNamed('reply', 'long')), 'reply')).toMatchObject({ aborted: true, text: partial });

    const history = payloadOf(await ask(pair, { type: 'history', id: 'h', session: 'main' }), 'history');
    expect(history.messages.at(-1)).toMatchObject({ role: 'assistant', text: partial, aborted: true, runId: firstDelta.runId });
  });

  it('aborts a queued send with error code aborted; it is never recorded', async () => {
    const pair = await open({ config: { echo: { delayMs: 20 } } });
    pair.request({ type: 'send', id: 'first', text: words(40) });
    pair.request({ type: 'send', id: 'second', text: 'never runs' });
    await pair.nextMatching(eventNamed('reply.delta', 'first'));
    const abort = payloadOf(await ask(pair, { type: 'abort', id: 'stop' }), 'abort');
    expect(abort.aborted).toBe(2);

    expect(await pair.nextMatching(responseTo('second'))).toMatchObject({ type: 'error', ok: false, code: 'aborted' });
    expect(payloadOf(await pair.nextMatching(responseTo('first')), 'send').meta.aborted).toBe(true);
    const history = payloadOf(await ask(pair, { type: 'history', id: 'h', session: 'main' }), 'history');
    expect(history.messages.map((m) => m.text)).not.toContain('never runs');
    expect(history.total).toBe(2);
  });

  it('aborts only the named run, and the one queued behind it then runs normally', async () => {
    const pair = await open({ config: { echo: { delayMs: 20 } } });
    pair.request({ type: 'send', id: 'first', text: words(40) });
    pair.request({ type: 'send', id: 'second', text: 'next' });
    const { runId } = eventPayload(await pair.nextMatching(eventNamed('reply.delta', 'first')), 'reply.delta');
    expect(payloadOf(await ask(pair, { type: 'abort', id: 'stop', runId }), 'abort')).toEqual({ aborted: 1, runIds: [runId] });
    expect(payloadOf(await pair.nextMatching(responseTo('first')), 'send').meta.aborted).toBe(true);
    const second = payloadOf(await pair.nextMatching(responseTo('second')), 'send');
    expect(second.payloads[0]?.text).toBe('echo: next');
    expect(second.meta.aborted).toBeUndefined();
  });
});

describe('events selection', () => {
  it('hello with events:["reply"] stops reply.delta and session.updated lines', async () => {
    const pair = await open();
    payloadOf(await ask(pair, { type: 'hello', id: 'h', protocol: 1, events: ['reply'] }), 'hello');
    const send = payloadOf(await ask(pair, { type: 'send', id: 's', text: 'one two three' }), 'send');
    expect(send.payloads[0]?.text).toBe('echo: one two three');
    expect(eventPayload(await pair.nextMatching(eventNamed('reply', 's')), 'reply')).toMatchObject({ text: 'echo: one two three' });
    expect(pair.all().filter((message) => message.type === 'event').map((message) => message.event)).toEqual(['reply']);
  });

  it('hello with replyText "in-result" leaves the text out of the reply events of its own sends only', async () => {
    const pair = await open();
    const hello = payloadOf(await ask(pair, { type: 'hello', id: 'h', protocol: 1, replyText: 'in-result' }), 'hello');
    expect(hello.capabilities).toContain('reply-text-in-result');
    const send = payloadOf(await ask(pair, { type: 'send', id: 's', text: 'big text' }), 'send');
    expect(send.payloads[0]?.text).toBe('echo: big text');
    const reply = eventPayload(await pair.nextMatching(eventNamed('reply', 's')), 'reply');
    expect(reply).toMatchObject({ runId: send.meta.runId, textInResult: true });
    expect(reply).not.toHaveProperty('text');
    // Back to the default: the text comes along again.
    payloadOf(await ask(pair, { type: 'hello', id: 'h2', protocol: 1, replyText: 'full' }), 'hello');
    payloadOf(await ask(pair, { type: 'send', id: 's2', text: 'again' }), 'send');
    expect(eventPayload(await pair.nextMatching(eventNamed('reply', 's2')), 'reply')).toMatchObject({ text: 'echo: again' });
  });
});

describe('heartbeats', () => {
  it('suppresses an ok heartbeat: no reply event and nothing in history', async () => {
    const pair = await open({ config: { heartbeats: { enabled: true, intervalMs: 50 } } });
    const first = eventPayload(await pair.nextMatching(eventNamed('heartbeat')), 'heartbeat');
    const second = eventPayload(await pair.nextMatching(eventNamed('heartbeat')), 'heartbeat');
    expect([first.outcome, second.outcome]).toEqual(['ok', 'ok']);
    expect(first.session).toBe('main');
    expect(pair.all().some((message) => message.event === 'reply' || message.event === 'session.updated')).toBe(false);
    expect(pair.all().filter(eventNamed('heartbeat')).every((message) => !('id' in message))).toBe(true);

    expect(await ask(pair, { type: 'history', id: 'h', session: 'main' })).toMatchObject({ code: 'not_found' });
    expect(payloadOf(await ask(pair, { type: 'sessions', id: 's' }), 'sessions').sessions).toEqual([]);
    const status = payloadOf(await ask(pair, { type: 'status', id: 'st' }), 'status');
    expect(status.heartbeats).toMatchObject({ enabled: true, intervalMs: 50, lastOutcome: 'ok', lastAt: expect.any(Number) });
  });

  it('delivers a heartbeat reply that is not HEARTBEAT_OK: outcome sent, a reply event and history', async () => {
    const pair = await open({ config: { heartbeats: { enabled: true, intervalMs: 50, prompt: 'ping' } } });
    const beat = eventPayload(await pair.nextMatching(eventNamed('heartbeat')), 'heartbeat');
    expect(beat).toMatchObject({ outcome: 'sent', session: 'main', text: 'echo: ping', runId: expect.any(String) });
    const reply = eventPayload(await pair.nextMatching(eventNamed('reply')), 'reply');
    expect(reply).toEqual({ session: 'main', runId: beat.runId, text: 'echo: ping', source: 'heartbeat', provider: 'echo', model: 'echo' });
    payloadOf(await ask(pair, { type: 'set-heartbeats', id: 'off', enabled: false }), 'set-heartbeats');

    const history = payloadOf(await ask(pair, { type: 'history', id: 'h', session: 'main' }), 'history');
    expect(history.messages.slice(0, 2).map((m) => [m.role, m.text, m.source, m.runId])).toEqual([
      ['user', 'ping', 'heartbeat', beat.runId],
      ['assistant', 'echo: ping', 'heartbeat', beat.runId],
    ]);
  });

  it('set-heartbeats false also stops a heartbeat already running: no reply, nothing recorded', async () => {
    const pair = await open({ config: { heartbeats: { enabled: true, intervalMs: 50, prompt: 'ping' }, echo: { delayMs: 200 } } });
    // Wait until a heartbeat is mid-reply (echo pauses 200 ms before each piece).
    for (let i = 0; ; i++) {
      const status = payloadOf(await ask(pair, { type: 'status', id: `poll-${i}`, verbose: true }), 'status');
      if (status.sessionQueues?.some((lane) => lane.running?.source === 'heartbeat')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    payloadOf(await ask(pair, { type: 'set-heartbeats', id: 'off', enabled: false }), 'set-heartbeats');
    const beat = eventPayload(await pair.nextMatching(eventNamed('heartbeat')), 'heartbeat');
    expect(beat).toMatchObject({ outcome: 'skipped', reason: 'heartbeats turned off' });
    expect(pair.all().filter(eventNamed('reply'))).toEqual([]);
    expect(await ask(pair, { type: 'history', id: 'h', session: 'main' })).toMatchObject({ type: 'error', code: 'not_found' });
  });

  it('set-heartbeats false stops them: status says enabled false and nextAt null, and no more beats come', async () => {
    const pair = await open({ config: { heartbeats: { enabled: true, intervalMs: 50 } } });
    await pair.nextMatching(eventNamed('heartbeat'));
    payloadOf(await ask(pair, { type: 'set-heartbeats', id: 'off', enabled: false }), 'set-heartbeats');
    const beatsAtOff = pair.all().filter(eventNamed('heartbeat')).length;
    const status = payloadOf(await ask(pair, { type: 'status', id: 'st' }), 'status');
    expect(status.heartbeats).toMatchObject({ enabled: false, nextAt: null });
    // Six intervals later there is still no new beat.
    await expect(pair.nextMatching(eventNamed('heartbeat'), 300)).rejects.toThrow(/no matching line/);
    expect(pair.all().filter(eventNamed('heartbeat'))).toHaveLength(beatsAtOff);
  });

  it('skips a heartbeat while main is busy, with a reason', async () => {
    const pair = await open({ config: { heartbeats: { enabled: true, intervalMs: 50 }, echo: { delayMs: 25 } } });
    pair.request({ type: 'send', id: 'busy', text: words(60) });
    await pair.nextMatching(eventNamed('reply.delta', 'busy'));
    const skipped = eventPayload(await pair.nextMatching((message) => message.event === 'heartbeat' && message.payload?.outcome === 'skipped'), 'heartbeat');
    expect(skipped.session).toBe('main');
    expect(skipped.reason).toMatch(/busy/);
    await nextMacrotask(); // the timer records the outcome a few microtasks after the event
    const status = payloadOf(await ask(pair, { type: 'status', id: 'st' }), 'status');
    expect(status.heartbeats.lastOutcome).toBe('skipped');
    payloadOf(await ask(pair, { type: 'abort', id: 'stop' }), 'abort');
    await pair.nextMatching(responseTo('busy'));
  });
});

describe('delivery', () => {
  it('deliver:true with "to" appends to the outbox and reports meta.delivered', async () => {
    const pair = await open();
    const send = payloadOf(await ask(pair, { type: 'send', id: 1, text: 'hi', deliver: true, to: 'x' }), 'send');
    expect(send.meta.delivered).toBe(true);
    expect(send.meta.deliveryError).toBeUndefined();
    expect(eventPayload(await pair.nextMatching(eventNamed('reply', 1)), 'reply').delivered).toBe(true);
    const lines = readFileSync(pair.config.delivery.outbox, 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { ts: expect.any(Number), channel: 'outbox', session: 'main', to: 'x', text: 'echo: hi', runId: send.meta.runId },
    ]);
  });
});

describe('shutdown', () => {
  it('aborts a long-running send after the grace period, and the send still answers', async () => {
    const pair = await open({ config: { echo: { delayMs: 50 } } });
    pair.request({ type: 'send', id: 'long', text: words(200) });
    await pair.nextMatching(eventNamed('reply.delta', 'long'));
    await pair.gateway.shutdown(100);
    const send = payloadOf(await pair.nextMatching(responseTo('long'), 3000), 'send');
    expect(send.meta.aborted).toBe(true);
    expect(`echo: ${words(200)}`.startsWith(send.payloads[0]!.text)).toBe(true);
    expect(send.payloads[0]!.text.length).toBeLessThan(`echo: ${words(200)}`.length);
    // New sends are refused once shutdown has begun.
    expect(await ask(pair, { type: 'send', id: 'late', text: 'hi' })).toMatchObject({ code: 'busy' });
  });

  it('answers a send still queued at shutdown with error code aborted', async () => {
    const pair = await open({ config: { echo: { delayMs: 50 } } });
    pair.request({ type: 'send', id: 'running', text: words(200) });
    pair.request({ type: 'send', id: 'queued', text: 'later' });
    await pair.nextMatching(eventNamed('reply.delta', 'running'));
    await pair.gateway.shutdown(50);
    expect(await pair.nextMatching(responseTo('queued'), 3000)).toMatchObject({ type: 'error', code: 'aborted' });
    expect(payloadOf(await pair.nextMatching(responseTo('running'), 3000), 'send').meta.aborted).toBe(true);
  });

  it('lets a short send finish within the grace period', async () => {
    const pair = await open({ config: { echo: { delayMs: 10 } } });
    pair.request({ type: 'send', id: 'short', text: words(3) });
    await pair.nextMatching(eventNamed('reply.delta', 'short'));
    await pair.gateway.shutdown(5000);
    const send = payloadOf(await pair.nextMatching(responseTo('short')), 'send');
    expect(send.meta.aborted).toBeUndefined();
    expect(send.payloads[0]?.text).toBe(`echo: ${words(3)}`);
  });

  it('writes nothing after the connection is closed', async () => {
    const pair = await open();
    pair.connection.close();
    pair.request({ type: 'status', id: 1 });
    await expect(pair.nextMatching(responseTo(1), 200)).rejects.toThrow(/no matching line/);
    expect(pair.all()).toEqual([]);
  });
});
