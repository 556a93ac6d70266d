/**
 * `Companion.send` and its keys, through the real supervisor and a scripted gateway
 * child (test/fixtures/scripted-gateway.mjs) that answers, dies after recording a
 * send, dies at once or hangs, as each test plans: every send goes out with a key
 * (the caller's or a fresh UUID) and every error carries it; a send the child dies
 * under says how far it got; `retry: true` waits for the supervisor to be running
 * again and sends once more with the same key, and gives up on `failed`, at its
 * attempt limit, at its deadline or on abort; the CLI fallback gets the key too; a
 * reply that streams past its total cap is cut off and its run aborted.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCompanionError, type CompanionError, type SendResult } from '../../../main/core/index.js';
import type { Event } from '../../../rpc-host/protocol/schemas.js';
import { cleanupCompanions, waitForRunning, waitForState } from '../../helpers/companion.js';
import { makeScriptedCompanion } from '../../helpers/companion-scripted.js';
import { cleanupRpcChildren } from '../../helpers/rpc-child.js';

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

/** Restarts a minute after a crash: the gateway stays down for as long as a test needs. */
const SLOW_RESTART = { initialDelayMs: 60_000, maxDelayMs: 60_000 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u;

/** The rejection of `promise`, asserted to be a CompanionError. */
async function rejectionOf(promise: Promise<unknown>): Promise<CompanionError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (caught: unknown) => caught,
  );
  expect(isCompanionError(error)).toBe(true);
  return error as CompanionError;
}

/** A scripted companion, started and running, with the fallback off unless asked. */
async function runningCompanion(options: Parameters<typeof makeScriptedCompanion>[0] = {}, fallback = false) {
  const made = makeScriptedCompanion(options);
  await made.companion.setFallback(fallback);
  await made.companion.start();
  await waitForRunning(made.companion);
  return made;
}

describe('Companion.send: keys', () => {
  it('gives a send without a key a fresh UUID, sends it with the message and returns it', async () => {
    const { companion, sends } = await runningCompanion();
    const first = await companion.send({ text: 'one' });
    const second = await companion.send({ text: 'two', session: 'other' });

    expect(first).toMatchObject({ via: 'gateway', payload: { payloads: [{ text: 'echo: one' }] } });
    expect(first.idempotencyKey).toMatch(UUID);
    expect(second.idempotencyKey).toMatch(UUID);
    expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
    expect(sends().map(({ text, idempotencyKey }) => ({ text, idempotencyKey }))).toEqual([
      { text: 'one', idempotencyKey: first.idempotencyKey },
      { text: 'two', idempotencyKey: second.idempotencyKey },
    ]);
  });

  it("sends the caller's key as given and returns it", async () => {
    const { companion, sends } = await runningCompanion();
    const result = await companion.send({ text: 'mine', idempotencyKey: 'chat-window-17' });
    expect(result.idempotencyKey).toBe('chat-window-17');
    expect(result.payload.meta.idempotencyKey).toBe('chat-window-17');
    expect(sends()[0]?.idempotencyKey).toBe('chat-window-17');
  });

  it('refuses a bad key before anything is sent, naming the field; the key is in details', async () => {
    const { companion, sends } = await runningCompanion();
    const long = 'k'.repeat(201);
    const error = await rejectionOf(companion.send({ text: 'hi', idempotencyKey: long }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('idempotencyKey');
    expect(error.details.idempotencyKey).toBe(long);
    expect(sends()).toEqual([]);
  });

  it('puts the key on every error: a refused message, gateway_unavailable, closed', async () => {
    const { companion } = makeScriptedCompanion();
    await companion.setFallback(false);
    const empty = await rejectionOf(companion.send({ text: '' }));
    expect(empty.code).toBe('invalid_request');
    expect(empty.details.idempotencyKey).toMatch(UUID);

    const down = await rejectionOf(companion.send({ text: 'nobody home', idempotencyKey: 'k-down' }));
    expect(down.code).toBe('gateway_unavailable');
    expect(down.details.idempotencyKey).toBe('k-down');

    await companion.shutdown();
    const closed = await rejectionOf(companion.send({ text: 'too late', idempotencyKey: 'k-closed' }));
    expect(closed.code).toBe('closed');
    expect(closed.details.idempotencyKey).toBe('k-closed');
  });

  it('passes the key to the one-shot CLI and on the reply event it synthesises', async () => {
    const { companion, cliRuns } = makeScriptedCompanion(); // never started: the fallback serves
    const replies: Event[] = [];
    companion.onDidReceiveEvent((event) => replies.push(event));
    const result = await companion.send({ text: 'while it is down', session: 'cli', idempotencyKey: 'k-cli' });

    expect(result).toMatchObject({ via: 'cli', idempotencyKey: 'k-cli', payload: { payloads: [{ text: 'echo: while it is down' }] } });
    expect(cliRuns()).toEqual([{ argv: ['--json', '--message-stdin', '--session=cli', '--idempotency-key=k-cli'], text: 'while it is down' }]);
    expect(replies).toMatchObject([{ event: 'reply', payload: { session: 'cli', source: 'cli', idempotencyKey: 'k-cli' } }]);
  });
});

describe('Companion.send: the gateway dies under a send', () => {
  it("after recording it: gateway_exited with reached 'yes', the key, and no resend", async () => {
    const { companion, plan, sends } = await runningCompanion();
    plan(['die-after-event']);
    const error = await rejectionOf(companion.send({ text: 'recorded', idempotencyKey: 'k-yes' }));

    expect(error.code).toBe('gateway_exited');
    expect(error.details).toMatchObject({ reached: 'yes', idempotencyKey: 'k-yes', exit: { signal: 'SIGKILL' } });
    expect(error.message).toContain('signal SIGKILL');
    expect(error.message).toContain('had received the message');
    expect(error.message).toContain('not sent again; sending it again with the same idempotency key ("k-yes"), or with retry: true, will not run it twice');

    // Sending again with the key, once it is back, is the caller's move.
    await waitForRunning(companion);
    expect(sends()).toHaveLength(1);
    expect((await companion.send({ text: 'recorded', idempotencyKey: 'k-yes' })).idempotencyKey).toBe('k-yes');
  });

  it("before any sign of it: reached 'maybe'", async () => {
    const { companion, plan } = await runningCompanion();
    plan(['die-silent']);
    const error = await rejectionOf(companion.send({ text: 'lost?', idempotencyKey: 'k-maybe' }));
    expect(error.code).toBe('gateway_exited');
    expect(error.details).toMatchObject({ reached: 'maybe', idempotencyKey: 'k-maybe' });
    expect(error.message).toContain('may or may not be in the transcript');
  });
});

describe('Companion.send: the total cap', () => {
  it('a reply that streams on past totalTimeoutMs is cut off with a timeout naming the option, and its run is aborted in the child', async () => {
    const { companion, plan, aborts, sends } = await runningCompanion();
    plan(['stream']);
    const error = await rejectionOf(companion.send({ text: 'never ends', idempotencyKey: 'k-long' }, { timeoutMs: 500, totalTimeoutMs: 1500 }));

    expect(error.code).toBe('timeout');
    expect(error.message).toContain('did not finish send within its total cap of 1500 ms');
    expect(error.message).toContain('totalTimeoutMs');
    expect(error.details.idempotencyKey).toBe('k-long');
    await vi.waitFor(() => expect(aborts()).toEqual([{ type: 'abort', id: expect.any(Number), runId: expect.stringMatching(/^run-/) }]));
    expect(sends()).toHaveLength(1);
    expect(companion.state().gateway.state).toBe('running'); // a timeout is not a crash
  });
});

describe('Companion.send with retry', () => {
  it('sends again with the same key each time the gateway comes back, until it is answered', async () => {
    const { companion, plan, sends } = await runningCompanion();
    plan(['die-after-event', 'die-silent']);
    const result = await companion.send({ text: 'keep trying', session: 'r' }, { retry: true });

    expect(result).toMatchObject({ via: 'gateway', payload: { payloads: [{ text: 'echo: keep trying' }] } });
    expect(result.idempotencyKey).toMatch(UUID);
    expect(sends().map(({ text, session, idempotencyKey }) => ({ text, session, idempotencyKey }))).toEqual(
      Array(3).fill({ text: 'keep trying', session: 'r', idempotencyKey: result.idempotencyKey }),
    );
    expect(companion.state().gateway.restarts).toBe(2);
  });

  it('waits for a starting gateway instead of failing fast (fallback off)', async () => {
    const { companion, sends } = makeScriptedCompanion();
    await companion.setFallback(false);
    void companion.start();
    await waitForState(companion, (state) => state.gateway.state === 'starting', undefined, 'state starting');

    const now = await rejectionOf(companion.send({ text: 'too early' }));
    expect(now.code).toBe('gateway_unavailable');
    const result = await companion.send({ text: 'patient', idempotencyKey: 'k-start' }, { retry: true });
    expect(result).toMatchObject({ via: 'gateway', idempotencyKey: 'k-start' });
    expect(sends().map((send) => send.text)).toEqual(['patient']);
  });

  it('gives up when the supervisor fails, with the last error and the key', async () => {
    const { companion, plan, sends } = await runningCompanion({ restartPolicy: { maxCrashes: 2 } });
    plan(['die-silent', 'die-silent', 'die-silent']);
    const error = await rejectionOf(companion.send({ text: 'doomed', idempotencyKey: 'k-failed' }, { retry: true }));

    expect(companion.state().gateway.state).toBe('failed');
    expect(error.code).toBe('gateway_exited');
    expect(error.details).toMatchObject({ reached: 'maybe', idempotencyKey: 'k-failed', exit: { signal: 'SIGKILL' } });
    expect(error.message).toContain('It was sent 2 times with the idempotency key "k-failed"');
    expect(error.message).toContain('gave up resending because the gateway is not running (it failed');
    expect(sends()).toHaveLength(2);
  });

  it('gives up after maxAttempts sends', async () => {
    const { companion, plan, sends } = await runningCompanion();
    plan(['die-silent', 'die-silent', 'die-silent']);
    const error = await rejectionOf(companion.send({ text: 'twice at most', idempotencyKey: 'k-max' }, { retry: true, maxAttempts: 2 }));

    expect(error.code).toBe('gateway_exited');
    expect(error.message).toContain('gave up resending because that was the last of 2 attempts (maxAttempts)');
    expect(error.details.idempotencyKey).toBe('k-max');
    await waitForRunning(companion);
    expect(sends()).toHaveLength(2);
  });

  it('gives up at its deadline while the gateway is still restarting', async () => {
    const { companion, plan, sends } = await runningCompanion({ restartPolicy: SLOW_RESTART });
    plan(['die-silent']);
    const error = await rejectionOf(companion.send({ text: 'in a hurry', idempotencyKey: 'k-late' }, { retry: true, retryTimeoutMs: 300 }));

    expect(companion.state().gateway.state).toBe('restarting');
    expect(error.code).toBe('gateway_exited');
    expect(error.message).toContain('gave up resending because the gateway was not back within 300 ms (retryTimeoutMs; the gateway is not running (restarting in');
    expect(error.details.idempotencyKey).toBe('k-late');
    expect(sends()).toHaveLength(1);
  });

  it("stops resending when the session is aborted while it waits, and counts it as aborted", async () => {
    const { companion, plan, sends } = await runningCompanion({ restartPolicy: SLOW_RESTART });
    plan(['die-silent']);
    const sending = rejectionOf(companion.send({ text: 'never mind', session: 'x', idempotencyKey: 'k-abort' }, { retry: true }));
    await waitForState(companion, (state) => state.gateway.state === 'restarting', undefined, 'state restarting');

    expect(await companion.abort({ session: 'other' })).toMatchObject({ aborted: 0 });
    expect(await companion.abort({ session: 'x' })).toEqual({ aborted: 1, runIds: [], via: 'supervisor' });
    const error = await sending;
    expect(error.code).toBe('gateway_exited');
    expect(error.message).toContain('gave up resending because the send was aborted');
    expect(sends()).toHaveLength(1);
  });

  it('a retry send still waiting for its first try fails at once on abort, nothing sent', async () => {
    const { companion, sends } = await runningCompanion({ restartPolicy: SLOW_RESTART });
    process.kill(companion.state().gateway.pid!, 'SIGKILL');
    await waitForState(companion, (state) => state.gateway.state === 'restarting', undefined, 'state restarting');

    const sending = rejectionOf(companion.send({ text: 'later, maybe', idempotencyKey: 'k-first' }, { retry: true }));
    expect(await companion.abort()).toEqual({ aborted: 1, runIds: [], via: 'supervisor' });
    const error = await sending;
    expect(error.code).toBe('gateway_unavailable');
    expect(error.message).toBe('cannot send: the send was aborted');
    expect(error.details.idempotencyKey).toBe('k-first');
    expect(sends()).toEqual([]);
  });

  it('gives up when the companion shuts down while it waits', async () => {
    const { companion, plan } = await runningCompanion({ restartPolicy: SLOW_RESTART });
    plan(['die-silent']);
    const sending = rejectionOf(companion.send({ text: 'bye', idempotencyKey: 'k-bye' }, { retry: true }));
    await waitForState(companion, (state) => state.gateway.state === 'restarting', undefined, 'state restarting');
    await companion.shutdown();
    const error = await sending;
    expect(error.message).toContain('gave up resending because the companion was shut down');
    expect(error.details.idempotencyKey).toBe('k-bye');
  });

  it('goes to the CLI with the same key when the fallback is on and the gateway is down', async () => {
    const { companion, plan, sends, cliRuns } = await runningCompanion({ restartPolicy: SLOW_RESTART }, true);
    plan(['die-after-event']);
    const result: SendResult = await companion.send({ text: 'either way', idempotencyKey: 'k-both' }, { retry: true });

    expect(result).toMatchObject({ via: 'cli', idempotencyKey: 'k-both', payload: { payloads: [{ text: 'echo: either way' }] } });
    expect(sends().map((send) => send.idempotencyKey)).toEqual(['k-both']);
    expect(cliRuns().map((run) => run.argv.at(-1))).toEqual(['--idempotency-key=k-both']);
  });
});
