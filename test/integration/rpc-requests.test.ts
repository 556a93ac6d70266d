/**
 * Every request type through the real `tether rpc` child (status, status verbose,
 * send, set-heartbeats, abort, compact, sessions, history, hello), each payload
 * validated by the wire schemas, plus the seed contract's lines sent verbatim.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUEST_TYPES } from '../../rpc-host/protocol/schemas.js';
import { cleanupRpcChildren, startRpcChild } from '../helpers/rpc-child.js';
import { expectError, expectEvent, expectResult, isEvent } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

describe('seed contract lines, verbatim', () => {
  it('answers {"type":"status"} with a status result', async () => {
    const child = startRpcChild();
    const response = await child.request({ type: 'status' });
    // The seed's raw line is the request; check the raw answer too.
    await child.writeLine('{"type":"status"}');
    await child.waitUntil(() => child.responses.length === 2);
    const raw = child.rawLineOf(child.responses[1]!);
    expect(raw.startsWith('{"type":"result","ok":true,"payload":{')).toBe(true);
    const status = expectResult('status', response);
    expect(status.ok).toBe(true);
    expect(status.pid).toBe(child.pid);
  });

  it('answers the seed send line with the reply at payload.payloads[0].text', async () => {
    const child = startRpcChild();
    await child.writeLine('{"type":"send","text":"hi","session":"main","thinking":"low","deliver":false,"to":"+1555..."}');
    await child.waitUntil(() => child.responses.length === 1);
    const response = child.responses[0]!;
    expect(child.rawLineOf(response)).toMatch(/^\{"type":"result","ok":true,"payload":\{"payloads":\[\{"text":"echo: hi"\}\]/);
    const send = expectResult('send', response);
    expect(send.payloads[0]!.text).toBe('echo: hi');
    expect(send.meta).toMatchObject({ session: 'main', provider: 'echo', thinking: 'low' });
    expect(send.meta.delivered).toBeUndefined(); // deliver:false means no delivery attempt
  });

  it('answers both seed set-heartbeats lines, and status follows them', async () => {
    const child = startRpcChild();
    await child.writeLine('{"type":"set-heartbeats","enabled":true}');
    await child.writeLine('{"type":"set-heartbeats","enabled":false}');
    await child.writeLine('{"type":"status"}');
    await child.waitUntil(() => child.responses.length === 3);
    const [on, off, status] = child.responses;
    expect(child.rawLineOf(on!)).toBe('{"type":"result","ok":true,"payload":{"enabled":true}}');
    expect(child.rawLineOf(off!)).toBe('{"type":"result","ok":true,"payload":{"enabled":false}}');
    expect(expectResult('status', status!).heartbeats.enabled).toBe(false);
  });

  it('answers an unknown type with an error line saying "unsupported command: "', async () => {
    const child = startRpcChild();
    await child.writeLine('{"type":"frobnicate"}');
    await child.waitUntil(() => child.responses.length === 1);
    const line = child.rawLineOf(child.responses[0]!);
    expect(line).toContain('"type":"error"');
    const error = expectError(child.responses[0]!, 'unknown_type');
    expect(error.error.startsWith('unsupported command: ')).toBe(true);
    expect(error.error).toBe('unsupported command: frobnicate');
  });
});

describe('each request type', () => {
  it('status: health figures, and verbose adds queues, memory and event-loop lag', async () => {
    const child = startRpcChild();
    const plain = expectResult('status', await child.request({ type: 'status', id: 1 }));
    expect(plain).toMatchObject({ ok: true, protocol: 1, pid: child.pid, provider: 'echo', sessions: 0, queue: { depth: 0, running: 0 } });
    expect(plain.heartbeats).toMatchObject({ enabled: true, intervalMs: 1_800_000, lastAt: null, lastOutcome: null });
    expect(plain.memory).toBeUndefined();
    expect(plain.sessionQueues).toBeUndefined();

    const verbose = expectResult('status', await child.request({ type: 'status', id: 2, verbose: true }));
    expect(verbose.memory?.heapUsed).toBeGreaterThan(0);
    expect(verbose.memory?.rss).toBeGreaterThan(0);
    expect(verbose.eventLoopLagMs).toBeDefined();
    expect(verbose.sessionQueues).toEqual([]);
    expect(verbose.dataDir).toBe(child.home);
  });

  it('status verbose shows a running and a waiting send of one session', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '50' } });
    const longText = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const first = child.request({ type: 'send', id: 'a', text: longText });
    const second = child.request({ type: 'send', id: 'b', text: 'second' });
    const delta = await child.nextEvent(isEvent('reply.delta', 'a'), undefined, 0);
    const runId = String(delta.payload?.runId);
    const status = expectResult('status', await child.request({ type: 'status', id: 's', verbose: true }));
    expect(status.queue).toEqual({ depth: 1, running: 1 });
    expect(status.sessionQueues).toEqual([{ session: 'main', queued: 1, running: { runId, startedAt: expect.any(Number), source: 'rpc' } }]);
    await child.request({ type: 'abort', id: 'x', session: 'main' });
    await Promise.all([first, second]);
  });

  it('send: reply, streamed deltas, reply and session.updated events carrying the request id', async () => {
    const child = startRpcChild();
    const response = await child.request({ type: 'send', id: 'r1', text: 'hello there world', session: 'work', thinking: 'high' });
    expect(response.id).toBe('r1');
    const send = expectResult('send', response);
    expect(send.payloads).toEqual([{ text: 'echo: hello there world' }]);
    expect(send.meta).toMatchObject({ session: 'work', provider: 'echo', model: 'echo', thinking: 'high' });
    expect(send.meta.runId).toMatch(/\S/);
    expect(send.meta.durationMs).toBeGreaterThanOrEqual(0);
    expect(send.meta.aborted).toBeUndefined();

    const deltas = child.events(isEvent('reply.delta', 'r1')).map((event) => expectEvent('reply.delta', event));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((delta) => delta.seq)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((delta) => delta.text).join('')).toBe('echo: hello there world');
    expect(new Set(deltas.map((delta) => delta.runId))).toEqual(new Set([send.meta.runId]));

    const replies = child.events(isEvent('reply', 'r1')).map((event) => expectEvent('reply', event));
    expect(replies).toEqual([
      { session: 'work', runId: send.meta.runId, text: 'echo: hello there world', source: 'rpc', provider: 'echo', model: 'echo' },
    ]);
    const updates = child.events(isEvent('session.updated', 'r1')).map((event) => expectEvent('session.updated', event));
    expect(updates.map((update) => update.messageCount)).toEqual([1, 2]);
    expect(updates[1]!.preview).toBe('echo: hello there world');

    // The response comes after every event of its run.
    const responseIndex = child.messages.indexOf(response);
    const lastEventIndex = Math.max(...child.events(isEvent('session.updated', 'r1')).map((event) => child.messages.indexOf(event)));
    expect(responseIndex).toBeGreaterThan(lastEventIndex);
  });

  it('send: model selection, delivery to the outbox, and refused sends', async () => {
    const child = startRpcChild();
    const modelled = expectResult('send', await child.request({ type: 'send', id: 1, text: 'm', model: 'echo/tiny' }));
    expect(modelled.meta).toMatchObject({ provider: 'echo', model: 'tiny' });

    const delivered = expectResult('send', await child.request({ type: 'send', id: 2, text: 'deliver me', deliver: true, to: '+15551234567' }));
    expect(delivered.meta.delivered).toBe(true);
    const outbox = readFileSync(join(child.home, 'outbox.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to: '+15551234567', text: 'echo: deliver me', runId: delivered.meta.runId });

    const unknownModel = expectError(await child.request({ type: 'send', id: 3, text: 'x', model: 'nope' }), 'invalid_request');
    expect(unknownModel.error).toContain('"nope"');
    const noTarget = expectError(await child.request({ type: 'send', id: 4, text: 'x', deliver: true }), 'invalid_request');
    expect(noTarget.error).toContain('"to"');
  });

  it('set-heartbeats: answers the new state and status agrees', async () => {
    const child = startRpcChild();
    expect(expectResult('set-heartbeats', await child.request({ type: 'set-heartbeats', enabled: false }))).toEqual({ enabled: false });
    expect(expectResult('status', await child.request({ type: 'status' })).heartbeats).toMatchObject({ enabled: false, nextAt: null });
    expect(expectResult('set-heartbeats', await child.request({ type: 'set-heartbeats', enabled: true }))).toEqual({ enabled: true });
    const status = expectResult('status', await child.request({ type: 'status' }));
    expect(status.heartbeats.enabled).toBe(true);
    expect(status.heartbeats.nextAt).toEqual(expect.any(Number));
  });

  it('abort: with nothing running aborts nothing; by runId aborts that run', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '50' } });
    expect(expectResult('abort', await child.request({ type: 'abort' }))).toEqual({ aborted: 0, runIds: [] });
    expect(expectResult('abort', await child.request({ type: 'abort', session: 'nowhere' }))).toEqual({ aborted: 0, runIds: [] });

    const longText = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const pending = child.request({ type: 'send', id: 'slow', text: longText, session: 'other' });
    const delta = await child.nextEvent(isEvent('reply.delta', 'slow'), undefined, 0);
    const runId = String(delta.payload?.runId);
    expect(expectResult('abort', await child.request({ type: 'abort', id: 'ab', runId }))).toEqual({ aborted: 1, runIds: [runId] });
    const send = expectResult('send', await pending);
    expect(send.meta.aborted).toBe(true);
    expect(send.meta.runId).toBe(runId);
  });

  it('compact: counts before and after, transcript kept; not_found for an unknown session', async () => {
    const child = startRpcChild();
    expectError(await child.request({ type: 'compact', session: 'ghost' }), 'not_found');
    await child.request({ type: 'send', text: 'one' });
    await child.request({ type: 'send', text: 'two' });
    const compact = expectResult('compact', await child.request({ type: 'compact', session: 'main' }));
    expect(compact).toMatchObject({ session: 'main', messagesBefore: 4, messagesAfter: 0, transcriptMessages: 4 });
    expect(compact.summary).toContain('Last user message: two');

    const history = expectResult('history', await child.request({ type: 'history', session: 'main' }));
    expect(history.messages.map((message) => message.text)).toEqual(['one', 'echo: one', 'two', 'echo: two']);
    // A second compaction sees only what came after the first.
    await child.request({ type: 'send', text: 'three' });
    const again = expectResult('compact', await child.request({ type: 'compact', session: 'main' }));
    expect(again).toMatchObject({ messagesBefore: 2, transcriptMessages: 6 });
  });

  it('sessions: key, updatedAt, message count, preview and thinking, most recent first', async () => {
    const child = startRpcChild();
    expect(expectResult('sessions', await child.request({ type: 'sessions' }))).toEqual({ sessions: [] });
    await child.request({ type: 'send', text: 'first', session: 'alpha', thinking: 'minimal' });
    await child.request({ type: 'send', text: 'second', session: 'beta' });
    await child.request({ type: 'send', text: 'third', session: 'beta' });
    const { sessions } = expectResult('sessions', await child.request({ type: 'sessions' }));
    expect(sessions.map((session) => session.key)).toEqual(['beta', 'alpha']);
    expect(sessions[0]).toMatchObject({ key: 'beta', messageCount: 4, preview: 'echo: third', thinking: null });
    expect(sessions[1]).toMatchObject({ key: 'alpha', messageCount: 2, preview: 'echo: first', thinking: 'minimal' });
    expect(sessions[0]!.updatedAt).toBeGreaterThanOrEqual(sessions[1]!.updatedAt);
    expect(expectResult('status', await child.request({ type: 'status' })).sessions).toBe(2);
  });

  it('history: messages oldest first with role, text, ts and runId; paging; not_found', async () => {
    const child = startRpcChild();
    expectError(await child.request({ type: 'history', session: 'main' }), 'not_found');
    const runIds: string[] = [];
    for (const text of ['a', 'b', 'c']) {
      runIds.push(expectResult('send', await child.request({ type: 'send', text })).meta.runId);
    }
    const all = expectResult('history', await child.request({ type: 'history', session: 'main' }));
    expect(all.total).toBe(6);
    expect(all.hasMore).toBe(false);
    expect(all.messages.map(({ index, role, text, runId, source }) => ({ index, role, text, runId, source }))).toEqual([
      { index: 0, role: 'user', text: 'a', runId: runIds[0], source: 'rpc' },
      { index: 1, role: 'assistant', text: 'echo: a', runId: runIds[0], source: 'rpc' },
      { index: 2, role: 'user', text: 'b', runId: runIds[1], source: 'rpc' },
      { index: 3, role: 'assistant', text: 'echo: b', runId: runIds[1], source: 'rpc' },
      { index: 4, role: 'user', text: 'c', runId: runIds[2], source: 'rpc' },
      { index: 5, role: 'assistant', text: 'echo: c', runId: runIds[2], source: 'rpc' },
    ]);
    const timestamps = all.messages.map((message) => message.ts);
    expect([...timestamps].sort((x, y) => x - y)).toEqual(timestamps);

    const last = expectResult('history', await child.request({ type: 'history', session: 'main', limit: 2 }));
    expect(last.messages.map((message) => message.index)).toEqual([4, 5]);
    expect(last.hasMore).toBe(true);
    const before = expectResult('history', await child.request({ type: 'history', session: 'main', limit: 3, before: 4 }));
    expect(before.messages.map((message) => message.index)).toEqual([1, 2, 3]);
    expect(before.hasMore).toBe(true);
  });

  it('hello: negotiates the protocol, lists capabilities, and selects events', async () => {
    const child = startRpcChild();
    const hello = expectResult('hello', await child.request({ type: 'hello', protocol: 7, client: { name: 'it', version: '1' } }));
    expect(hello.protocol).toBe(1);
    expect(hello.capabilities).toEqual(expect.arrayContaining([...REQUEST_TYPES]));

    expectResult('hello', await child.request({ type: 'hello', protocol: 1, events: ['reply'] }));
    const from = child.mark();
    const send = expectResult('send', await child.request({ type: 'send', id: 'sel', text: 'only replies please' }));
    const events = child.events(() => true, from);
    expect(events.map((event) => event.event)).toEqual(['reply']);
    expect(expectEvent('reply', events[0]!).runId).toBe(send.meta.runId);
  });
});
