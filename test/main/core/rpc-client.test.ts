/**
 * The protocol half of the client (ids, schemas, timeouts, how far a request got),
 * driven over an in-memory linked pair of line transports: the test plays the host
 * on the other end, reading the client's request lines and sending answers and
 * events line by line (no streams, no framing). Covers id matching, schema
 * validation of answers, wire errors, events, lines that are not protocol, the
 * request size cap, idle timeouts and total caps (fake timers), abort of a timed-out
 * send, close (and how far each request had got: `reached`, with a held transport
 * standing for a full pipe). Then the client over a child's pipes (the streams constructor the
 * gateway process uses), and against the real host (an `RpcConnection` over a
 * `Gateway`) in memory. The transport's own framing and backpressure are in
 * line-transport.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RpcClient, type RpcClientOptions } from '../../../main/core/rpc-client.js';
import { CompanionError, type GatewayReach } from '../../../main/core/errors.js';
import { Gateway } from '../../../rpc-host/core/gateway.js';
import { RpcConnection } from '../../../rpc-host/rpc-connection.js';
import type { Logger } from '../../../rpc-host/log.js';
import type { Event } from '../../../rpc-host/protocol/schemas.js';
import { createLinkedLinePair, type LinkedLineTransport } from '../../helpers/linked-line-pair.js';
import { makeTestConfig } from '../../helpers/in-memory-pair.js';
import { heldWritable } from '../../helpers/held-writable.js';
import { promiseState, type PromiseState } from '../../helpers/promise-state.js';

/** A logger that records `level: message` strings. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** Lets microtasks, stream callbacks and 'data' events scheduled with process.nextTick run (not faked by vi.useFakeTimers). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => process.nextTick(resolve));
}

/** Marks a promise as handled (so a later close does not count as unhandled) and returns it unchanged. */
function track<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** How `promise` stands once the pipes are quiet. */
function stateOf(promise: Promise<unknown>): Promise<PromiseState> {
  return promiseState(promise, flush);
}

/** Asserts that `promise` rejects with `error`'s code, message and details, plus `reached`. */
async function expectClosedWith(promise: Promise<unknown>, error: CompanionError, reached: GatewayReach): Promise<void> {
  const caught = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (rejection: unknown) => rejection,
  );
  expect(caught).toBeInstanceOf(CompanionError);
  const { code, message, details } = caught as CompanionError;
  expect({ code, message, details }).toEqual({ code: error.code, message: error.message, details: { ...error.details, reached } });
}

const clients = new Set<RpcClient>();

afterEach(() => {
  for (const client of clients) client.close(new CompanionError('closed', 'test over'));
  clients.clear();
  vi.useRealTimers();
});

/** A client on one end of a linked pair, and a scripted fake host on the other. */
function fakeHost(options: Partial<RpcClientOptions> = {}) {
  const [clientEnd, hostEnd] = createLinkedLinePair();
  const { logger, lines: logs } = recordingLogger();
  const client = new RpcClient(clientEnd, { logger, ...options });
  clients.add(client);

  /** Every request line the client sent, parsed, in order. */
  const requests: Record<string, unknown>[] = [];
  /** Every raw line the client sent. */
  const rawLines: string[] = [];
  hostEnd.onDidReceiveLine((line) => {
    rawLines.push(line);
    requests.push(JSON.parse(line) as Record<string, unknown>);
  });

  return {
    client,
    /** The client's end: `hold()` it to play a full pipe. */
    clientEnd,
    hostEnd,
    logs,
    requests,
    rawLines,
    /** Sends one message as a host line. */
    answer(message: object): void {
      hostEnd.send(JSON.stringify(message));
    },
    /** Sends one raw host line. */
    raw(line: string): void {
      hostEnd.send(line);
    },
    /** The id the client gave its n-th request (0-based). */
    idOf(index: number): number {
      const id = requests[index]?.id;
      if (typeof id !== 'number') throw new Error(`request #${index} has no numeric id: ${JSON.stringify(requests[index])}`);
      return id;
    },
    warnings(): string[] {
      return logs.filter((line) => line.startsWith('warn: '));
    },
  };
}

const STATUS_PAYLOAD = {
  ok: true,
  protocol: 1,
  version: '0.1.0',
  pid: 4242,
  uptimeMs: 10,
  provider: 'echo',
  providerLabel: 'echo (test)',
  heartbeats: { enabled: false, intervalMs: 1_800_000, lastAt: null, lastOutcome: null, nextAt: null },
  sessions: 0,
  queue: { depth: 0, running: 0 },
};

const SEND_PAYLOAD = {
  payloads: [{ text: 'echo: hi' }],
  meta: { session: 'main', runId: 'r-1', provider: 'echo', model: 'echo', durationMs: 3 },
};

function result(id: unknown, payload: object) {
  return { type: 'result', ok: true, id, payload };
}

function delta(id: number, runId: string, seq: number, text: string): Event {
  return { type: 'event', event: 'reply.delta', id, payload: { session: 'main', runId, seq, text } };
}

describe('RpcClient: requests and answers', () => {
  it('assigns its own unique ids and writes one JSON line per request', async () => {
    const host = fakeHost();
    track(host.client.request({ type: 'status' }));
    track(host.client.request({ type: 'sessions' }));
    // A caller-supplied id (not allowed by the type) is replaced by the client's own.
    track(host.client.request({ type: 'status', id: 'mine' } as unknown as { type: 'status' }));
    await flush();

    expect(host.requests.map((request) => request.type)).toEqual(['status', 'sessions', 'status']);
    const ids = host.requests.map((request) => request.id);
    for (const id of ids) expect(typeof id).toBe('number');
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain('mine');
    expect(host.client.pendingCount).toBe(3);
  });

  it('matches answers by id when they come back in reverse order', async () => {
    const host = fakeHost();
    const status = host.client.request({ type: 'status' });
    const heartbeats = host.client.request({ type: 'set-heartbeats', enabled: true });
    const sessions = host.client.request({ type: 'sessions' });
    await flush();

    host.answer(result(host.idOf(2), { sessions: [] }));
    host.answer(result(host.idOf(1), { enabled: true }));
    host.answer(result(host.idOf(0), STATUS_PAYLOAD));

    await expect(sessions).resolves.toEqual({ sessions: [] });
    await expect(heartbeats).resolves.toEqual({ enabled: true });
    await expect(status).resolves.toEqual(STATUS_PAYLOAD);
    expect(host.client.pendingCount).toBe(0);
  });

  it("validates the payload with the host's schema for the request type", async () => {
    const host = fakeHost();
    const status = track(host.client.request({ type: 'status' }));
    await flush();
    host.answer(result(host.idOf(0), { ok: true, protocol: 1 })); // most fields missing

    const error = await status.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CompanionError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as CompanionError).message).toContain('status');
    expect(host.client.pendingCount).toBe(0);
  });

  it('a payload valid for another type does not pass as this one', async () => {
    const host = fakeHost();
    const sessions = track(host.client.request({ type: 'sessions' }));
    await flush();
    host.answer(result(host.idOf(0), { enabled: true })); // a set-heartbeats payload
    await expect(sessions).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('a wire error rejects with gateway_error carrying the wire code and the host text', async () => {
    const host = fakeHost();
    const history = track(host.client.request({ type: 'history', session: 'ghost' }));
    await flush();
    host.answer({ type: 'error', ok: false, id: host.idOf(0), code: 'not_found', error: 'no session "ghost"; list the sessions' });

    const error = await history.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CompanionError);
    expect(error).toMatchObject({ code: 'gateway_error', details: { wireCode: 'not_found' } });
    expect((error as CompanionError).message).toContain('no session "ghost"; list the sessions');
  });

  it('an error line with an unknown code is an invalid response, not a gateway error', async () => {
    const host = fakeHost();
    const status = track(host.client.request({ type: 'status' }));
    await flush();
    host.answer({ type: 'error', ok: false, id: host.idOf(0), code: 'teapot', error: 'short and stout' });
    await expect(status).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('a response with an unknown id is logged and ignored', async () => {
    const host = fakeHost();
    const status = host.client.request({ type: 'status' });
    await flush();
    host.answer(result(9999, STATUS_PAYLOAD));
    host.answer({ type: 'error', ok: false, code: 'parse_error', error: 'line 3 is not valid JSON' }); // id-less
    await flush();

    expect(await stateOf(status)).toBe('pending');
    expect(host.client.pendingCount).toBe(1);
    const unmatched = host.warnings().filter((line) => line.includes('matches no pending request'));
    expect(unmatched).toHaveLength(2);
    expect(unmatched[0]).toContain('9999');

    host.answer(result(host.idOf(0), STATUS_PAYLOAD));
    await expect(status).resolves.toEqual(STATUS_PAYLOAD);
  });

  it('an answer is used once: a second answer with the same id is ignored', async () => {
    const host = fakeHost();
    const first = host.client.request({ type: 'set-heartbeats', enabled: false });
    await flush();
    host.answer(result(host.idOf(0), { enabled: false }));
    await expect(first).resolves.toEqual({ enabled: false });
    host.answer(result(host.idOf(0), { enabled: true }));
    await flush();
    expect(host.warnings().some((line) => line.includes('matches no pending request'))).toBe(true);
  });
});

describe('RpcClient: events', () => {
  it('parses events and delivers them to every subscriber until it unsubscribes', async () => {
    const host = fakeHost();
    const first: Event[] = [];
    const second: Event[] = [];
    const unsubscribe = host.client.onDidReceiveEvent((event) => first.push(event));
    host.client.onDidReceiveEvent((event) => second.push(event));

    const updated: Event = { type: 'event', event: 'session.updated', payload: { session: 'main', updatedAt: 1, messageCount: 2, preview: 'echo: hi' } };
    host.answer(updated);
    host.answer(delta(7, 'r-9', 0, 'echo:'));
    await flush();
    unsubscribe();
    host.answer({ type: 'event', event: 'heartbeat', payload: { outcome: 'ok', at: 5, session: 'main' } });
    await flush();

    expect(first).toEqual([updated, delta(7, 'r-9', 0, 'echo:')]);
    expect(second).toEqual([updated, delta(7, 'r-9', 0, 'echo:'), { type: 'event', event: 'heartbeat', payload: { outcome: 'ok', at: 5, session: 'main' } }]);
  });

  it('logs and skips malformed events', async () => {
    const host = fakeHost();
    const seen: Event[] = [];
    host.client.onDidReceiveEvent((event) => seen.push(event));

    host.answer({ type: 'event', event: 'reply.delta', payload: { session: 'main' } }); // runId, seq, text missing
    host.answer({ type: 'event', event: 'fireworks', payload: {} }); // no such event
    host.answer({ type: 'event', event: 'heartbeat', payload: { outcome: 'ok', at: 1, session: 'main' } });
    await flush();

    expect(seen).toEqual([{ type: 'event', event: 'heartbeat', payload: { outcome: 'ok', at: 1, session: 'main' } }]);
    const malformed = host.warnings().filter((line) => line.includes('malformed gateway event'));
    expect(malformed).toHaveLength(2);
    expect(malformed[1]).toContain('fireworks');
  });

  it('a listener that throws is logged and does not stop the others', async () => {
    const host = fakeHost();
    const seen: string[] = [];
    host.client.onDidReceiveEvent(() => {
      throw new Error('listener broke');
    });
    host.client.onDidReceiveEvent((event) => seen.push(event.event));
    host.answer({ type: 'event', event: 'heartbeat', payload: { outcome: 'skipped', at: 1, session: 'main', reason: 'busy' } });
    await flush();

    expect(seen).toEqual(['heartbeat']);
    expect(host.logs.some((line) => line.startsWith('error: ') && line.includes('listener broke'))).toBe(true);
  });
});

describe('RpcClient: lines that are not protocol', () => {
  it('logs non-JSON lines and lines of an unknown type, and keeps pending requests intact', async () => {
    const host = fakeHost();
    const status = host.client.request({ type: 'status' });
    await flush();

    host.raw('Debugger listening on ws://127.0.0.1:9229');
    host.raw('{"type":"result","ok":true,'); // a torn line
    host.answer({ type: 'banner', text: 'welcome' });
    for (const line of ['null', '42', '[1,2]']) host.raw(line);
    await flush();

    expect(await stateOf(status)).toBe('pending');
    const warnings = host.warnings();
    expect(warnings.filter((line) => line.includes('non-protocol line'))).toHaveLength(2);
    expect(warnings.find((line) => line.includes('non-protocol line'))).toContain('Debugger listening');
    const notProtocol = warnings.filter((line) => line.includes('not a result, error or event'));
    expect(notProtocol).toHaveLength(4);
    expect(notProtocol[0]).toContain('banner');

    host.answer(result(host.idOf(0), STATUS_PAYLOAD));
    await expect(status).resolves.toEqual(STATUS_PAYLOAD);
  });
});

describe('RpcClient: request size cap', () => {
  // '{"type":"send","text":"","id":1}' is 32 bytes, so a 32-byte text makes exactly 64.
  const EMPTY_SEND_BYTES = JSON.stringify({ type: 'send', text: '', id: 1 }).length;

  it('reads answers longer than the request cap (a big history page)', async () => {
    const host = fakeHost({ maxLineBytes: 1024 });
    const pending = host.client.request({ type: 'sessions' });
    await flush();
    const preview = 'p'.repeat(3000);
    host.answer({ type: 'result', ok: true, id: host.idOf(0), payload: { sessions: [{ key: 'main', updatedAt: 1, messageCount: 2, preview, thinking: null }] } });
    expect((await pending).sessions[0]!.preview).toBe(preview);
  });

  it('accepts a line of exactly maxLineBytes and refuses a longer one at once, writing nothing', async () => {
    const host = fakeHost({ maxLineBytes: 64 });
    const fits = track(host.client.request({ type: 'send', text: 'x'.repeat(64 - EMPTY_SEND_BYTES) }));
    await flush();
    expect(host.rawLines).toHaveLength(1);
    expect(Buffer.byteLength(host.rawLines[0]!)).toBe(64);

    const tooLong = track(host.client.request({ type: 'send', text: 'x'.repeat(64 - EMPTY_SEND_BYTES + 1) }));
    expect(await stateOf(tooLong)).toBe('rejected'); // at once, not after a timeout
    await expect(tooLong).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(tooLong).rejects.toBeInstanceOf(CompanionError);
    // Counted in bytes, not characters: 17 × "é" is 34 bytes.
    const multiByte = track(host.client.request({ type: 'send', text: 'é'.repeat(17) }));
    expect(await stateOf(multiByte)).toBe('rejected');
    await expect(multiByte).rejects.toMatchObject({ code: 'invalid_request' });
    await flush();

    expect(host.rawLines).toHaveLength(1); // only the one that fits
    expect(host.client.pendingCount).toBe(1);
    void fits;
  });

  it('the refusal says how big the request is and what the limit is', async () => {
    const host = fakeHost({ maxLineBytes: 100 });
    const refused = track(host.client.request({ type: 'send', text: 'y'.repeat(500) }));
    expect(await stateOf(refused)).toBe('rejected');
    const error = await refused.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request' });
    expect((error as Error).message).toContain('100');
    expect((error as Error).message).toContain(String(500 + EMPTY_SEND_BYTES));
  });
});

describe('RpcClient: timeouts', () => {
  it('rejects with timeout after timeoutMs, quoting the stderr tail', async () => {
    vi.useFakeTimers();
    const tail = ['starting', 'provider slow: still waiting', 'warn: disk nearly full'];
    const host = fakeHost({ stderrTail: () => tail });
    const status = track(host.client.request({ type: 'status' }, { timeoutMs: 1000 }));
    await flush();

    await vi.advanceTimersByTimeAsync(999);
    expect(await stateOf(status)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(status)).toBe('rejected');
    const error = await status.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CompanionError);
    expect(error).toMatchObject({ code: 'timeout', details: { stderrTail: tail } });
    const message = (error as Error).message;
    expect(message).toContain('status');
    expect(message).toContain('1000 ms');
    for (const line of tail) expect(message).toContain(line);
    expect(host.client.pendingCount).toBe(0);

    // A late answer is logged and ignored.
    host.answer(result(host.idOf(0), STATUS_PAYLOAD));
    await flush();
    expect(host.warnings().some((line) => line.includes('matches no pending request'))).toBe(true);
  });

  it('uses defaultTimeoutMs when the call gives none', async () => {
    vi.useFakeTimers();
    const host = fakeHost({ defaultTimeoutMs: 500 });
    const sessions = track(host.client.request({ type: 'sessions' }));
    await vi.advanceTimersByTimeAsync(499);
    expect(await stateOf(sessions)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(sessions)).toBe('rejected');
    await expect(sessions).rejects.toMatchObject({ code: 'timeout' });
  });

  it('restarts the timeout when an event for the request arrives', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const seen: Event[] = [];
    host.client.onDidReceiveEvent((event) => seen.push(event));
    const send = track(host.client.request({ type: 'send', text: 'hi' }, { timeoutMs: 1000 }));
    await flush();
    const id = host.idOf(0);

    await vi.advanceTimersByTimeAsync(800);
    host.answer({ type: 'event', event: 'session.updated', id, payload: { session: 'main', updatedAt: 1, messageCount: 1, preview: 'hi' } });
    await flush();
    await vi.advanceTimersByTimeAsync(800); // 1600 ms since the request, 800 since the event
    expect(await stateOf(send)).toBe('pending');

    // An event of another request does not keep this one alive.
    host.answer(delta(id + 100, 'r-other', 0, 'x'));
    await flush();
    await vi.advanceTimersByTimeAsync(199);
    expect(await stateOf(send)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(send)).toBe('rejected');
    await expect(send).rejects.toMatchObject({ code: 'timeout' });
    expect(seen).toHaveLength(2); // both events still reached subscribers
  });

  it('a send waiting for an approval is not timed out before the approval expires', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const send = track(host.client.request({ type: 'send', text: 'note it' }, { timeoutMs: 1000 }));
    await flush();
    const id = host.idOf(0);
    const payload = { session: 'main', runId: 'r-1', callId: 'c-1', server: 'notes', tool: 'write_note', arguments: '{}', expiresAt: Date.now() + 60_000 };
    host.answer({ type: 'event', event: 'approval.requested', id, payload });
    await flush();
    await vi.advanceTimersByTimeAsync(60_999); // the approval waits a minute, then the usual idle timeout
    expect(await stateOf(send)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    await expect(send).rejects.toMatchObject({ code: 'timeout' });
  });

  it('an answer in time clears the timer: no timeout afterwards', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const status = host.client.request({ type: 'status' }, { timeoutMs: 1000 });
    await flush();
    host.answer(result(host.idOf(0), STATUS_PAYLOAD));
    await expect(status).resolves.toEqual(STATUS_PAYLOAD);
    await vi.advanceTimersByTimeAsync(5000);
    expect(host.requests).toHaveLength(1);
    expect(host.logs).toEqual([]);
  });

  it('a send that times out after an event named its run writes an abort for that run', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const send = track(host.client.request({ type: 'send', text: 'long story', session: 'main' }, { timeoutMs: 1000 }));
    await flush();
    const id = host.idOf(0);
    host.answer(delta(id, 'r-abc', 0, 'echo:'));
    await flush();

    await vi.advanceTimersByTimeAsync(1000);
    expect(await stateOf(send)).toBe('rejected');
    await expect(send).rejects.toMatchObject({ code: 'timeout' });
    await flush();
    expect(host.requests).toHaveLength(2);
    expect(host.requests[1]).toEqual({ type: 'abort', runId: 'r-abc', id: expect.any(Number) });
    expect(host.requests[1]!.id).not.toBe(id);
    expect(host.client.pendingCount).toBe(1); // the abort itself

    host.answer(result(host.idOf(1), { aborted: 1, runIds: ['r-abc'] }));
    await flush();
    expect(host.client.pendingCount).toBe(0);
  });

  it('a send that times out before any event named its run writes no abort', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const send = track(host.client.request({ type: 'send', text: 'hi' }, { timeoutMs: 1000 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(await stateOf(send)).toBe('rejected');
    await expect(send).rejects.toMatchObject({ code: 'timeout' });
    await flush();
    expect(host.requests.map((request) => request.type)).toEqual(['send']);
  });

  it('a status that times out writes no abort even after events with its id', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const status = track(host.client.request({ type: 'status' }, { timeoutMs: 1000 }));
    await flush();
    host.answer(delta(host.idOf(0), 'r-x', 0, 'odd'));
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await stateOf(status)).toBe('rejected');
    await expect(status).rejects.toMatchObject({ code: 'timeout' });
    await flush();
    expect(host.requests.map((request) => request.type)).toEqual(['status']);
  });
});

describe('RpcClient: total caps', () => {
  /** Sends an event of request `id` every `everyMs` until `untilMs` have passed (fake time). */
  async function keepStreaming(host: ReturnType<typeof fakeHost>, id: number, everyMs: number, untilMs: number, runId = 'r-long'): Promise<void> {
    for (let elapsed = 0, seq = 0; elapsed < untilMs; elapsed += everyMs, seq++) {
      host.answer(delta(id, runId, seq, 'more '));
      await vi.advanceTimersByTimeAsync(Math.min(everyMs, untilMs - elapsed));
    }
  }

  it('a send whose events keep coming is cut off at its default total cap (30 minutes), naming the option, and its run aborted', async () => {
    vi.useFakeTimers();
    const tail = ['provider: still streaming'];
    const host = fakeHost({ stderrTail: () => tail });
    const send = track(host.client.request({ type: 'send', text: 'tell me everything' }));
    await flush();
    const id = host.idOf(0);

    await keepStreaming(host, id, 20_000, 30 * 60_000 - 1); // never 30 s without an event: the idle timeout never fires
    expect(await stateOf(send)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(send)).toBe('rejected');

    const error = (await send.catch((caught: unknown) => caught)) as CompanionError;
    expect(error).toBeInstanceOf(CompanionError);
    expect(error).toMatchObject({ code: 'timeout', details: { stderrTail: tail } });
    expect(error.message).toContain('did not finish send within its total cap of 1800000 ms');
    expect(error.message).toContain('30000 ms idle timeout');
    expect(error.message).toContain('totalTimeoutMs');
    expect(error.message).toContain('provider: still streaming');
    await flush();
    expect(host.requests.map((request) => request.type)).toEqual(['send', 'abort']);
    expect(host.requests[1]).toEqual({ type: 'abort', runId: 'r-long', id: expect.any(Number) });
  });

  it('a per-call totalTimeoutMs cuts a streaming send off at that time', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const send = track(host.client.request({ type: 'send', text: 'hi' }, { timeoutMs: 1000, totalTimeoutMs: 5000 }));
    await flush();
    await keepStreaming(host, host.idOf(0), 500, 4999);
    expect(await stateOf(send)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(send)).toBe('rejected');
    await expect(send).rejects.toThrow('within its total cap of 5000 ms (its events kept the 1000 ms idle timeout from firing)');
  });

  it("the client's totalTimeoutsMs sets a type's cap for every call", async () => {
    vi.useFakeTimers();
    const host = fakeHost({ defaultTimeoutMs: 2000, totalTimeoutsMs: { send: 10_000 } });
    const send = track(host.client.request({ type: 'send', text: 'hi' }));
    await flush();
    await keepStreaming(host, host.idOf(0), 1000, 9999);
    expect(await stateOf(send)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(send)).toBe('rejected');
    await expect(send).rejects.toThrow('total cap of 10000 ms');
  });

  it('a status kept alive by events with its id still times out at its own cap (30 s), and writes no abort', async () => {
    vi.useFakeTimers();
    const host = fakeHost({ defaultTimeoutMs: 15_000 });
    const status = track(host.client.request({ type: 'status' }));
    await flush();
    await keepStreaming(host, host.idOf(0), 10_000, 29_999, 'r-odd');
    expect(await stateOf(status)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(status)).toBe('rejected');
    await expect(status).rejects.toThrow('the gateway did not finish status within its total cap of 30000 ms (its events kept the 15000 ms idle timeout from firing)');
    await flush();
    expect(host.requests.map((request) => request.type)).toEqual(['status']);
  });

  it('a status with no answer and no events times out at 30 s with the idle message, as before', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const status = track(host.client.request({ type: 'status' }));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(await stateOf(status)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const error = (await status.catch((caught: unknown) => caught)) as CompanionError;
    expect(error).toMatchObject({ code: 'timeout' });
    expect(error.message).toBe('the gateway did not answer status within 30000 ms');
  });

  it('the cap is never below the idle timeout: a status given 60 s waits 60 s', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const status = track(host.client.request({ type: 'status' }, { timeoutMs: 60_000 }));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(await stateOf(status)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    await expect(status).rejects.toThrow('the gateway did not answer status within 60000 ms');
  });

  it("a wait may be silent for its own timeoutMs: its timeouts are that plus a 30 s margin", async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const long = track(host.client.request({ type: 'wait', idempotencyKey: 'k-1', timeoutMs: 120_000 }));
    const atOnce = track(host.client.request({ type: 'wait', idempotencyKey: 'k-2' }));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await stateOf(atOnce)).toBe('rejected');
    await expect(atOnce).rejects.toThrow('the gateway did not answer wait within 30000 ms');
    await vi.advanceTimersByTimeAsync(119_999);
    expect(await stateOf(long)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    await expect(long).rejects.toThrow('the gateway did not answer wait within 150000 ms');
  });

  it('totalTimeoutMs: Infinity is held to the longest timer, not fired at once', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const send = track(host.client.request({ type: 'send', text: 'hi' }, { timeoutMs: 1000, totalTimeoutMs: Infinity }));
    await flush();
    await keepStreaming(host, host.idOf(0), 500, 10_000);
    expect(await stateOf(send)).toBe('pending');
  });

  it('an answer clears the cap: nothing fires afterwards', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const send = host.client.request({ type: 'send', text: 'hi' }, { totalTimeoutMs: 2000 });
    await flush();
    const id = host.idOf(0);
    host.answer(delta(id, 'r-1', 0, 'echo: hi'));
    host.answer(result(id, SEND_PAYLOAD));
    await expect(send).resolves.toEqual(SEND_PAYLOAD);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(host.requests.map((request) => request.type)).toEqual(['send']);
    expect(host.logs).toEqual([]);
  });
});

describe('RpcClient: close', () => {
  it('rejects every pending request at once with that error (and how far it got), and every later one too', async () => {
    const host = fakeHost();
    const status = track(host.client.request({ type: 'status' }));
    const send = track(host.client.request({ type: 'send', text: 'hi' }));
    await flush();
    const exited = new CompanionError('gateway_exited', 'the gateway exited with code 3', { exit: { code: 3, signal: null } });

    host.client.close(exited);
    await expectClosedWith(status, exited, 'maybe');
    await expectClosedWith(send, exited, 'maybe');
    expect(host.client.pendingCount).toBe(0);

    await expectClosedWith(host.client.request({ type: 'sessions' }), exited, 'no');
    await flush();
    expect(host.requests).toHaveLength(2); // nothing written after close

    // A second close keeps the first error; late answers are ignored.
    host.client.close(new CompanionError('closed', 'again'));
    await expectClosedWith(host.client.request({ type: 'status' }), exited, 'no');
    host.answer(result(host.idOf(0), STATUS_PAYLOAD));
    await flush();
  });

  it('stops event delivery and pending timeouts', async () => {
    vi.useFakeTimers();
    const host = fakeHost();
    const seen: Event[] = [];
    host.client.onDidReceiveEvent((event) => seen.push(event));
    const status = track(host.client.request({ type: 'status' }, { timeoutMs: 1000 }));
    const closed = new CompanionError('closed', 'bye');
    host.client.close(closed);
    await expectClosedWith(status, closed, 'maybe');

    host.answer({ type: 'event', event: 'heartbeat', payload: { outcome: 'ok', at: 1, session: 'main' } });
    await flush();
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toEqual([]);
    expect(host.logs.filter((line) => line.includes('did not answer'))).toEqual([]);
  });
});

describe('RpcClient: how far a request got when the child exits (details.reached)', () => {
  const exited = new CompanionError('gateway_exited', 'gateway pid 7 exited (signal SIGKILL) before answering', { exit: { code: null, signal: 'SIGKILL' } });

  it("'yes' once an event with its id arrived (the gateway recorded the send's message); others stay 'maybe'", async () => {
    const host = fakeHost();
    const recorded = track(host.client.request({ type: 'send', text: 'recorded', session: 'a' }));
    const queued = track(host.client.request({ type: 'send', text: 'queued', session: 'a' }));
    await flush();
    host.answer({
      type: 'event',
      event: 'session.updated',
      id: host.idOf(0),
      payload: { session: 'a', updatedAt: 1, messageCount: 1, preview: 'recorded', idempotencyKey: 'k-1' },
    });
    // An event of no request, and one naming an id this client never gave, touch nothing.
    host.answer({ type: 'event', event: 'heartbeat', payload: { outcome: 'ok', at: 1, session: 'main' } });
    host.answer(delta(9999, 'r-other', 0, 'stray'));
    await flush();

    host.client.close(exited);
    await expectClosedWith(recorded, exited, 'yes');
    await expectClosedWith(queued, exited, 'maybe');
  });

  it("'maybe' for a line handed to the transport with no sign of it since", async () => {
    const host = fakeHost();
    const send = track(host.client.request({ type: 'send', text: 'into the void' }));
    await flush();
    expect(host.requests).toHaveLength(1); // it is out: the host could have read it
    host.client.close(exited);
    await expectClosedWith(send, exited, 'maybe');
  });

  it("'no' for a line still waiting for the transport to drain, and for a request after close", async () => {
    const host = fakeHost();
    const written = track(host.client.request({ type: 'send', text: 'first' }));
    host.clientEnd.hold(); // the pipe is full from here on
    const waiting = track(host.client.request({ type: 'send', text: 'second' }));
    await flush();
    expect(host.client.queuedLines).toBe(1);
    expect(host.requests).toHaveLength(1);

    host.client.close(exited);
    expect(host.client.queuedLines).toBe(0);
    await expectClosedWith(written, exited, 'maybe');
    await expectClosedWith(waiting, exited, 'no'); // it never left the client
    await expectClosedWith(host.client.request({ type: 'send', text: 'too late' }), exited, 'no');
    host.clientEnd.release();
    await flush();
    expect(host.requests).toHaveLength(1); // the dropped line stays dropped
  });

  it("'maybe' once a held line goes out, though no answer came", async () => {
    const host = fakeHost();
    host.clientEnd.hold();
    const send = track(host.client.request({ type: 'send', text: 'held, then out' }));
    await flush();
    host.clientEnd.release();
    await flush();
    expect(host.requests).toHaveLength(1);
    host.client.close(exited);
    await expectClosedWith(send, exited, 'maybe');
  });
});


describe("RpcClient over a child's pipes (the streams constructor)", () => {
  /** A client over two PassThroughs, as the gateway process makes it over the child's stdin and stdout. */
  function overPipes(options: Partial<RpcClientOptions> = {}) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const { logger, lines: logs } = recordingLogger();
    const client = new RpcClient(stdin, stdout, { logger, ...options });
    clients.add(client);
    const requests: Record<string, unknown>[] = [];
    let partial = '';
    stdin.setEncoding('utf8');
    stdin.on('data', (text: string) => {
      partial += text;
      for (let lf = partial.indexOf('\n'); lf !== -1; lf = partial.indexOf('\n')) {
        requests.push(JSON.parse(partial.slice(0, lf)) as Record<string, unknown>);
        partial = partial.slice(lf + 1);
      }
    });
    return { client, stdin, stdout, logs, requests };
  }



  it('writes each request as one LF-ended line on stdin and reads an answer split across stdout chunks', async () => {
    const pipes = overPipes();
    const sessions = pipes.client.request({ type: 'sessions' });
    await flush();
    expect(pipes.requests).toEqual([{ type: 'sessions', id: expect.any(Number) }]);
    const payload = { sessions: [{ key: 'main', updatedAt: 1, messageCount: 2, preview: 'héllo 🙂', thinking: null }] };
    const bytes = Buffer.from(JSON.stringify(result(pipes.requests[0]!.id, payload)) + '\r\n', 'utf8');
    const emoji = bytes.indexOf(Buffer.from('🙂', 'utf8'));
    pipes.stdout.write(bytes.subarray(0, emoji + 2)); // inside the emoji
    await flush();
    expect(await stateOf(sessions)).toBe('pending');
    pipes.stdout.write(bytes.subarray(emoji + 2));
    await expect(sessions).resolves.toEqual(payload);
  });

  it('drops an answer over maxResponseBytes with a logged error, and its request times out', async () => {
    const pipes = overPipes({ maxLineBytes: 1024, maxResponseBytes: 64 * 1024 });
    const tooBig = track(pipes.client.request({ type: 'sessions' }, { timeoutMs: 300 }));
    await vi.waitFor(() => expect(pipes.requests).toHaveLength(1));
    const preview = 'q'.repeat(70 * 1024);
    pipes.stdout.write(JSON.stringify(result(pipes.requests[0]!.id, { sessions: [{ key: 'main', updatedAt: 1, messageCount: 2, preview, thinking: null }] })) + '\n');
    await expect(tooBig).rejects.toMatchObject({ code: 'timeout' });
    expect(pipes.logs.some((line) => line.startsWith('error: dropped a gateway stdout line over 65536 bytes (line 1)'))).toBe(true);
  });

  it("'no' for a line still waiting for stdin to drain, 'maybe' for the one written", async () => {
    const stdin = heldWritable();
    const client = new RpcClient(stdin.stream, new PassThrough(), { logger: recordingLogger().logger });
    clients.add(client);
    const written = track(client.request({ type: 'status' }));
    const waiting = track(client.request({ type: 'sessions' }));
    await flush();
    expect(client.queuedLines).toBe(1);

    const exited = new CompanionError('gateway_exited', 'gone');
    client.close(exited);
    expect(client.queuedLines).toBe(0);
    await expectClosedWith(written, exited, 'maybe');
    await expectClosedWith(waiting, exited, 'no');
    stdin.held.shift()!(); // 'drain': the dropped line is not written after all
    await flush();
    expect(stdin.received).toHaveLength(1);
  });

  it("an 'error' on stdin (EPIPE) is logged, does not throw, and leaves pending requests to close", async () => {
    const pipes = overPipes();
    const status = track(pipes.client.request({ type: 'status' }));
    await flush();
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });

    expect(() => pipes.stdin.emit('error', epipe)).not.toThrow();
    pipes.stdin.destroy(epipe);
    await flush();
    const later = track(pipes.client.request({ type: 'sessions' })); // writes into a destroyed stream
    await flush();

    expect(pipes.logs).toContain('debug: gateway stdin: write EPIPE');
    expect(await stateOf(status)).toBe('pending');
    const exited = new CompanionError('gateway_exited', 'the gateway exited');
    pipes.client.close(exited);
    await expectClosedWith(status, exited, 'maybe');
    await expectClosedWith(later, exited, 'no'); // a destroyed stdin takes nothing
  });

  it('parses a last line without LF when stdout ends', async () => {
    const pipes = overPipes();
    const status = pipes.client.request({ type: 'status' });
    await flush();
    pipes.stdout.end(JSON.stringify(result(pipes.requests[0]!.id, STATUS_PAYLOAD)));
    await expect(status).resolves.toEqual(STATUS_PAYLOAD);
  });
});

describe('RpcClient against the real host, in memory (an RpcConnection over a Gateway)', () => {
  /** A client linked to a real connection over a gateway with the echo provider, in a temp data dir. */
  async function realHost() {
    const dataDir = await mkdtemp(join(tmpdir(), 'tether-rpc-client-'));
    const gateway = new Gateway({ config: makeTestConfig(dataDir), longLived: false });
    const [clientEnd, hostEnd] = createLinkedLinePair();
    const connection = new RpcConnection({ gateway, write: (line) => hostEnd.send(line.slice(0, -1)) }); // the pair adds no LF
    let lineNumber = 1;
    hostEnd.onDidReceiveLine((line) => connection.handleFrame({ kind: 'line', line: Buffer.from(line, 'utf8'), lineNumber: lineNumber++ }));
    const { logger, lines: logs } = recordingLogger();
    const client = new RpcClient(clientEnd, { logger });
    clients.add(client);
    cleanups.push(async () => {
      client.close(new CompanionError('closed', 'test over'));
      await gateway.shutdown(0);
      await connection.whenIdle();
      connection.close();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    });
    return { client, logs, hostEnd: hostEnd as LinkedLineTransport };
  }

  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('hello and status pass the schemas', async () => {
    const { client, logs } = await realHost();
    const hello = await client.request({ type: 'hello', protocol: 1, client: { name: 'rpc-client-test' } });
    expect(hello.protocol).toBe(1);
    const status = await client.request({ type: 'status' });
    expect(status).toMatchObject({ ok: true, protocol: 1, provider: 'echo' });
    expect(logs.filter((line) => !line.startsWith('debug: '))).toEqual([]);
  });

  it("a send streams its events (with the request's id) to subscribers and resolves with the reply; wait then finds it done", async () => {
    const { client } = await realHost();
    const events: Event[] = [];
    client.onDidReceiveEvent((event) => events.push(event));
    const sent = await client.request({ type: 'send', text: 'one two three', idempotencyKey: 'k-real-1' });
    expect(sent.payloads).toEqual([{ text: 'echo: one two three' }]);
    const deltas = events.filter((event) => event.event === 'reply.delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(new Set(deltas.map((event) => event.id)).size).toBe(1);
    expect(deltas.map((event) => (event.payload as { text: string }).text).join('')).toBe('echo: one two three');

    const waited = await client.request({ type: 'wait', idempotencyKey: 'k-real-1' });
    expect(waited).toMatchObject({ state: 'done', session: 'main', idempotencyKey: 'k-real-1', runId: sent.meta.runId });
  });

  it("a host refusal is a gateway_error with the host's code", async () => {
    const { client } = await realHost();
    await expect(client.request({ type: 'wait', idempotencyKey: 'k', runId: 'r' })).rejects.toMatchObject({ code: 'gateway_error', details: { wireCode: 'invalid_request' } });
  });
});
