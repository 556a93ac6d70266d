/**
 * The session log: what a turn writes and announces, the stored answer a repeated
 * key gets (its meta, its delivery, `replayed`), stored errors, failure wording
 * without secrets, and a streaming reply's checkpoints under fake timers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '../../../rpc-host/protocol/errors.js';
import type { EventName, EventPayloadOf, SendPayload } from '../../../rpc-host/protocol/schemas.js';
import { ProviderFailure } from '../../../rpc-host/providers/provider.js';
import { SessionLog, type EventSink, type ReplyRecordInput, type TurnIdentity } from '../../../rpc-host/core/session-log.js';
import { SessionStore } from '../../../rpc-host/core/session-store.js';
import { readTranscript, type TranscriptRecord } from '../../../rpc-host/core/transcript-file.js';

const SECRET = 'sk-live-0123456789abcdef';

let dataDir: string;
let store: SessionStore;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tether-session-log-'));
  store = new SessionStore(dataDir, 0);
});

afterEach(() => {
  vi.useRealTimers();
  store.flush();
  rmSync(dataDir, { recursive: true, force: true });
});

function openLog(checkpointIntervalMs = 0): SessionLog {
  return new SessionLog(store, { checkpointIntervalMs, secrets: [SECRET] });
}

/** A sink that keeps what it is given. */
function recorder(): { sink: EventSink; events: Array<[EventName, unknown]> } {
  const events: Array<[EventName, unknown]> = [];
  const sink: EventSink = <N extends EventName>(event: N, payload: EventPayloadOf<N>) => {
    events.push([event, payload]);
  };
  return { sink, events };
}

function records(session = 'main'): TranscriptRecord[] {
  return readTranscript(store.transcriptPath(session)).records;
}

const keyed: TurnIdentity = { session: 'main', runId: 'run-1', source: 'rpc', idempotencyKey: 'K-1' };
const plain: TurnIdentity = { session: 'main', runId: 'run-2', source: 'cli' };

function meta(turn: TurnIdentity, extra: Partial<SendPayload['meta']> = {}): SendPayload['meta'] {
  return {
    session: turn.session,
    runId: turn.runId,
    provider: 'openai',
    model: 'gpt-x',
    durationMs: 1234,
    ...(turn.idempotencyKey !== undefined ? { idempotencyKey: turn.idempotencyKey } : {}),
    ...extra,
  };
}

describe('SessionLog records and announcements', () => {
  it('writes the prompt with its key and requested model, and announces session.updated with the key', () => {
    const log = openLog();
    const { sink, events } = recorder();
    log.recordPrompt(keyed, sink, { text: 'hello', thinking: 'low', requestedModel: 'openai/gpt-x' });

    expect(records()).toEqual([
      { type: 'message', role: 'user', text: 'hello', ts: expect.any(Number), runId: 'run-1', source: 'rpc', thinking: 'low', idempotencyKey: 'K-1', requestedModel: 'openai/gpt-x', pid: process.pid },
    ]);
    expect(events).toEqual([['session.updated', { session: 'main', updatedAt: expect.any(Number), messageCount: 1, preview: 'hello', idempotencyKey: 'K-1' }]]);
  });

  it('announces an unkeyed prompt without a key', () => {
    const { sink, events } = recorder();
    openLog().recordPrompt(plain, sink, { text: 'hi' });
    expect(events).toEqual([['session.updated', { session: 'main', updatedAt: expect.any(Number), messageCount: 1, preview: 'hi' }]]);
    expect(records()[0]).not.toHaveProperty('idempotencyKey');
    expect(records()[0]).not.toHaveProperty('requestedModel');
  });

  it('writes a reply with its state, key and meta, and announces reply then session.updated', () => {
    const log = openLog();
    const { sink, events } = recorder();
    log.recordPrompt(keyed, () => {}, { text: 'q' });
    const reply: ReplyRecordInput = { text: 'the answer', state: 'complete', provider: 'openai', model: 'gpt-x', meta: meta(keyed) };
    log.recordReply(keyed, reply);
    expect(events).toEqual([]); // recording is not announcing
    log.announceReply(keyed, sink, reply, true);

    expect(records()[1]).toEqual({
      type: 'message',
      role: 'assistant',
      text: 'the answer',
      ts: expect.any(Number),
      runId: 'run-1',
      source: 'rpc',
      provider: 'openai',
      model: 'gpt-x',
      state: 'complete',
      idempotencyKey: 'K-1',
      meta: meta(keyed),
    });
    expect(events).toEqual([
      ['reply', { session: 'main', runId: 'run-1', text: 'the answer', source: 'rpc', provider: 'openai', model: 'gpt-x', delivered: true, idempotencyKey: 'K-1' }],
      ['session.updated', { session: 'main', updatedAt: expect.any(Number), messageCount: 2, preview: 'the answer', idempotencyKey: 'K-1' }],
    ]);
  });

  it('marks an aborted reply for older readers and in its reply event', () => {
    const log = openLog();
    const { sink, events } = recorder();
    const reply: ReplyRecordInput = { text: 'half', state: 'aborted', provider: 'echo', model: 'echo' };
    log.recordReply(plain, reply);
    log.announceReply(plain, sink, reply);
    expect(records()[0]).toMatchObject({ state: 'aborted', aborted: true });
    expect(events[0]).toEqual(['reply', { session: 'main', runId: 'run-2', text: 'half', source: 'cli', provider: 'echo', model: 'echo', aborted: true }]);
  });

  it('announces no reply event for a failed reply, only session.updated', () => {
    const log = openLog();
    const { sink, events } = recorder();
    log.recordPrompt(keyed, () => {}, { text: 'q' });
    const reply: ReplyRecordInput = { text: 'par', state: 'failed', provider: 'openai', model: 'gpt-x', error: 'provider "openai" failed: 500' };
    log.recordReply(keyed, reply);
    log.announceReply(keyed, sink, reply);
    expect(records()[1]).toMatchObject({ state: 'failed', error: 'provider "openai" failed: 500', text: 'par' });
    expect(records()[1]).not.toHaveProperty('aborted');
    expect(events.map(([event]) => event)).toEqual(['session.updated']);
    expect(events[0]?.[1]).toMatchObject({ messageCount: 2, idempotencyKey: 'K-1' });
  });
});

describe('SessionLog stored answers', () => {
  it('answers a repeated key with the recorded meta, its delivery and replayed: true', () => {
    const log = openLog();
    log.recordPrompt(keyed, () => {}, { text: 'q', requestedModel: 'openai/gpt-x' });
    const recorded = meta(keyed, {
      thinking: 'high',
      usage: { inputTokens: 10, outputTokens: 20 },
      failures: [{ provider: 'local', model: 'small', error: 'unreachable' }],
    });
    log.recordReply(keyed, { text: 'the answer', state: 'complete', provider: 'openai', model: 'gpt-x', meta: recorded });
    log.recordDelivery(keyed, { delivered: false, error: 'webhook said 503' });

    const send = log.lookupKey('main', 'K-1');
    expect(send).toMatchObject({ text: 'q', requestedModel: 'openai/gpt-x', runIds: ['run-1'], outcome: { state: 'complete' } });
    expect(log.storedAnswer('main', send!.outcome!)).toEqual({
      payloads: [{ text: 'the answer' }],
      meta: { ...recorded, delivered: false, deliveryError: 'webhook said 503', replayed: true },
    });
  });

  it('answers the same after a restart: a new log on the same directory', () => {
    const log = openLog();
    log.recordPrompt(keyed, () => {}, { text: 'q' });
    log.recordReply(keyed, { text: 'a', state: 'complete', provider: 'openai', model: 'gpt-x', meta: meta(keyed) });
    log.recordDelivery(keyed, { delivered: true });
    const before = log.storedAnswer('main', log.lookupKey('main', 'K-1')!.outcome!);

    store.flush();
    store = new SessionStore(dataDir, 0);
    const restarted = openLog();
    expect(restarted.storedAnswer('main', restarted.lookupKey('main', 'K-1')!.outcome!)).toEqual(before);
    expect(before?.meta).toMatchObject({ delivered: true, replayed: true });
    expect(before?.meta).not.toHaveProperty('deliveryError');
  });

  it('marks a stored aborted answer aborted', () => {
    const log = openLog();
    log.recordPrompt(keyed, () => {}, { text: 'q' });
    log.recordReply(keyed, { text: 'ha', state: 'aborted', provider: 'openai', model: 'gpt-x', meta: meta(keyed, { aborted: true }) });
    const outcome = log.lookupKey('main', 'K-1')!.outcome!;
    expect(outcome.state).toBe('aborted');
    expect(log.storedAnswer('main', outcome)?.meta).toEqual({ ...meta(keyed), aborted: true, replayed: true });
  });

  it('builds meta from the record when none was stored', () => {
    const log = openLog();
    log.recordPrompt(keyed, () => {}, { text: 'q' });
    log.recordReply(keyed, { text: 'a', state: 'complete', provider: 'echo', model: 'echo-1' });
    expect(log.storedAnswer('main', log.lookupKey('main', 'K-1')!.outcome!)).toEqual({
      payloads: [{ text: 'a' }],
      meta: { session: 'main', runId: 'run-1', provider: 'echo', model: 'echo-1', durationMs: 0, idempotencyKey: 'K-1', replayed: true },
    });
  });

  it('gives the stored error of a failed run', () => {
    const log = openLog();
    log.recordPrompt(keyed, () => {}, { text: 'q' });
    log.recordReply(keyed, { text: '', state: 'failed', provider: 'openai', model: 'gpt-x', error: 'provider "openai" failed: 401' });
    const outcome = log.lookupKey('main', 'K-1')!.outcome!;
    expect(outcome.state).toBe('failed');
    expect(log.storedError('main', outcome)).toBe('provider "openai" failed: 401');
  });

  it('knows no key the session has not seen', () => {
    expect(openLog().lookupKey('main', 'never')).toBeUndefined();
  });
});

describe('SessionLog failure wording', () => {
  it('redacts a secret from an unexpected error and names the provider', () => {
    const text = openLog().describeFailure(new Error(`401 for key ${SECRET}`), 'openai');
    expect(text).toBe('provider "openai" failed: 401 for key [redacted]');
  });

  it('keeps a provider failure\'s own message, redacted', () => {
    expect(openLog().describeFailure(new ProviderFailure(`bad key ${SECRET}`), 'openai')).toBe('bad key [redacted]');
    expect(openLog().describeFailure(new ProtocolError('provider_error', `slow ${SECRET}`), 'openai')).toBe('slow [redacted]');
    expect(openLog().describeFailure('a string', 'echo')).toBe('provider "echo" failed: a string');
  });

  it('redacts a secret from a stack', () => {
    const error = new Error(`uses ${SECRET}`);
    const stack = openLog().describeStack(error);
    expect(stack).toContain('uses [redacted]');
    expect(stack).not.toContain(SECRET);
  });

  it('says when a partial reply is kept', () => {
    const log = openLog();
    expect(log.providerError('down', 0)).toMatchObject({ code: 'provider_error', message: 'down' });
    expect(log.providerError('down', 42)).toMatchObject({ code: 'provider_error', message: "down; the 42-character partial reply is kept in the session's history" });
  });
});

describe('ReplyCheckpoints', () => {
  const who = () => ({ provider: 'openai', model: 'gpt-x' });
  const pieces = () => records().filter((record) => record.type === 'checkpoint');

  it('writes nothing before the interval and one piece after it, then the next piece from where it ended', () => {
    vi.useFakeTimers();
    const checkpoints = openLog(500).openReply(keyed, who);
    checkpoints.push('Hel', 0);
    checkpoints.push('lo', 1);
    vi.advanceTimersByTime(499);
    expect(pieces()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(pieces()).toEqual([
      { type: 'checkpoint', ts: expect.any(Number), runId: 'run-1', from: 0, text: 'Hello', seq: 1, source: 'rpc', provider: 'openai', model: 'gpt-x', idempotencyKey: 'K-1', pid: process.pid },
    ]);

    checkpoints.push(', ', 2);
    checkpoints.push('world', 3);
    vi.advanceTimersByTime(500);
    expect(pieces().map((p) => p.type === 'checkpoint' && [p.from, p.text, p.seq])).toEqual([
      [0, 'Hello', 1],
      [5, ', world', 3],
    ]);
    // Folded, the pieces are the reply so far.
    expect(store.history('main').messages).toEqual([expect.objectContaining({ text: 'Hello, world', state: 'interrupted' })]);
  });

  it('writes nothing while no text comes', () => {
    vi.useFakeTimers();
    const checkpoints = openLog(500).openReply(plain, who);
    checkpoints.push('a', 0);
    vi.advanceTimersByTime(500);
    vi.advanceTimersByTime(5000);
    expect(pieces()).toHaveLength(1);
    expect(pieces()[0]).not.toHaveProperty('idempotencyKey');
  });

  it('writes what is pending on flush, without waiting', () => {
    vi.useFakeTimers();
    const checkpoints = openLog(500).openReply(keyed, who);
    checkpoints.push('now', 0);
    checkpoints.flush();
    expect(pieces()).toMatchObject([{ from: 0, text: 'now', seq: 0 }]);
    vi.advanceTimersByTime(500);
    expect(pieces()).toHaveLength(1);
  });

  it('asks who is streaming when it writes, not when it opens', () => {
    vi.useFakeTimers();
    let model = 'first';
    const checkpoints = openLog(100).openReply(keyed, () => ({ provider: 'p', model }));
    checkpoints.push('x', 0);
    model = 'fallback';
    vi.advanceTimersByTime(100);
    expect(pieces()).toMatchObject([{ provider: 'p', model: 'fallback' }]);
  });

  it('writes nothing after close, not even what was pending', () => {
    vi.useFakeTimers();
    const checkpoints = openLog(500).openReply(keyed, who);
    checkpoints.push('lost', 0);
    checkpoints.close();
    vi.advanceTimersByTime(1000);
    checkpoints.push('more', 1);
    checkpoints.flush();
    vi.advanceTimersByTime(1000);
    expect(pieces()).toEqual([]);
  });

  it('is off when the interval is 0', () => {
    vi.useFakeTimers();
    const checkpoints = openLog(0).openReply(keyed, who);
    checkpoints.push('a', 0);
    checkpoints.push('b', 1);
    expect(vi.getTimerCount()).toBe(0);
    checkpoints.flush();
    vi.advanceTimersByTime(60_000);
    expect(pieces()).toEqual([]);
  });

  it('lets the final reply record replace its pieces in history and for the key', () => {
    vi.useFakeTimers();
    const log = openLog(100);
    log.recordPrompt(keyed, () => {}, { text: 'q' });
    const checkpoints = log.openReply(keyed, who);
    checkpoints.push('par', 0);
    vi.advanceTimersByTime(100);
    expect(log.lookupKey('main', 'K-1')?.outcome).toBeUndefined();
    checkpoints.close();
    log.recordReply(keyed, { text: 'partial', state: 'complete', provider: 'openai', model: 'gpt-x', meta: meta(keyed) });
    expect(store.history('main').messages.map((m) => [m.text, m.state])).toEqual([
      ['q', undefined],
      ['partial', 'complete'],
    ]);
    expect(store.summary('main')).toMatchObject({ messageCount: 2, preview: 'partial' });
    expect(log.lookupKey('main', 'K-1')?.outcome?.state).toBe('complete');
  });
});
