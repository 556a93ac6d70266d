/**
 * Message identity through the real compiled child: idempotency keys in each of
 * their four duplicate cases, a SIGKILL mid-stream that leaves the partial reply
 * in history marked interrupted (checkpointed to within 250 ms of the kill), `wait`
 * reaching every state, the one-shot CLI honouring keys, and bad keys refused.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SendPayloadSchema, type HistoryMessage } from '../../rpc-host/protocol/schemas.js';
import { cleanupRpcChildren, createTempHome, runAgent, startRpcChild, type RpcChild } from '../helpers/rpc-child.js';
import { expectError, expectEvent, expectResult, isEvent } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

const WORDS = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
const FULL = `echo: ${WORDS}`;

function transcriptBytes(child: RpcChild, session = 'main'): number {
  return statSync(join(child.home, 'sessions', `${session}.jsonl`)).size;
}

async function history(child: RpcChild, session = 'main'): Promise<HistoryMessage[]> {
  return expectResult('history', await child.request({ type: 'history', session, limit: 1000 })).messages;
}

/** Resolves once the file holds `text`; the CLI's writes give the test no event to wait on, so it looks every 20 ms. */
async function fileContains(path: string, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(path) && readFileSync(path, 'utf8').includes(text))) {
    if (Date.now() > deadline) throw new Error(`${path} did not come to hold ${text} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A config whose default provider fails the first time it runs and echoes its stdin after that. */
function failOnceHome(): string {
  const home = createTempHome();
  const marker = join(home, 'failed-once');
  const script = `if [ -e '${marker}' ]; then printf 'second try: '; cat; else touch '${marker}'; echo 'provider down' >&2; exit 3; fi`;
  writeFileSync(join(home, 'config.json'), JSON.stringify({ provider: 'flaky', providers: { flaky: { type: 'command', argv: ['sh', '-c', script] } } }));
  return home;
}

describe('idempotency keys', () => {
  it('attaches a repeated key to the run on its way: one run, both answered alike, both get its events', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    const first = child.request({ type: 'send', id: 'a', text: WORDS, idempotencyKey: 'k-attach' });
    await child.nextEvent(isEvent('reply.delta', 'a'), undefined, 0);
    const second = child.request({ type: 'send', id: 'b', text: WORDS, idempotencyKey: 'k-attach' });
    const [answerA, answerB] = [expectResult('send', await first), expectResult('send', await second)];
    expect(answerB).toEqual(answerA);
    expect(answerA.payloads[0]!.text).toBe(FULL);
    expect(answerA.meta.idempotencyKey).toBe('k-attach');
    expect(answerA.meta.replayed).toBeUndefined();
    // The attached request gets the rest of the stream and the reply under its own id.
    const reply = expectEvent('reply', await child.nextEvent(isEvent('reply', 'b'), undefined, 0));
    expect(reply).toMatchObject({ runId: answerA.meta.runId, idempotencyKey: 'k-attach', text: FULL });
    expect(child.events(isEvent('reply.delta', 'b')).length).toBeGreaterThan(0);
    for (const event of child.events(isEvent('reply.delta', 'a'))) expect(expectEvent('reply.delta', event).idempotencyKey).toBe('k-attach');

    const messages = await history(child);
    expect(messages.map((m) => [m.role, m.state])).toEqual([
      ['user', undefined],
      ['assistant', 'complete'],
    ]);
    expect(messages.every((m) => m.idempotencyKey === 'k-attach' && m.runId === answerA.meta.runId)).toBe(true);
  });

  it('answers a finished key from the stored result: replayed, no provider call, nothing written', async () => {
    const child = startRpcChild();
    const original = expectResult('send', await child.request({ type: 'send', id: 1, text: 'hello', idempotencyKey: 'k-done', thinking: 'low' }));
    const bytes = transcriptBytes(child);
    const mark = child.mark();
    const again = expectResult('send', await child.request({ type: 'send', id: 2, text: 'hello', idempotencyKey: 'k-done', thinking: 'low' }));
    expect(again).toEqual({ ...original, meta: { ...original.meta, replayed: true } });
    expect(transcriptBytes(child)).toBe(bytes);
    expect(child.events((event) => event.event === 'reply.delta' || event.event === 'reply', mark)).toEqual([]);

    // After a restart the key is still known: it is rebuilt from the transcript.
    child.endInput();
    await child.waitForExit();
    const restarted = startRpcChild({ home: child.home });
    const replay = expectResult('send', await restarted.request({ type: 'send', id: 3, text: 'hello', idempotencyKey: 'k-done', thinking: 'low' }));
    expect(replay).toEqual({ ...original, meta: { ...original.meta, replayed: true } });
    expect(transcriptBytes(restarted)).toBe(bytes);
  });

  it('refuses a key used for a different message, naming idempotencyKey, and writes nothing', async () => {
    const child = startRpcChild();
    expectResult('send', await child.request({ type: 'send', id: 1, text: 'first', idempotencyKey: 'k-same' }));
    const bytes = transcriptBytes(child);
    const otherText = expectError(await child.request({ type: 'send', id: 2, text: 'second', idempotencyKey: 'k-same' }), 'invalid_request');
    expect(otherText.error).toContain('"idempotencyKey" "k-same" was already used for a different message in session "main"');
    const otherModel = expectError(await child.request({ type: 'send', id: 3, text: 'first', model: 'echo', idempotencyKey: 'k-same' }), 'invalid_request');
    expect(otherModel.error).toContain('model');
    expect(transcriptBytes(child)).toBe(bytes);
    // Keys are scoped to the session: the same key elsewhere is a new message.
    const elsewhere = expectResult('send', await child.request({ type: 'send', id: 4, session: 'other', text: 'second', idempotencyKey: 'k-same' }));
    expect(elsewhere.payloads[0]!.text).toBe('echo: second');
  });

  it('resumes an interrupted send on its stored message after a SIGKILL: one user message, the partial reply kept and marked', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '40' } });
    void child.request({ type: 'send', id: 'k', text: WORDS, idempotencyKey: 'k-crash' }).catch(() => undefined);
    const received: Array<{ at: number; text: string }> = [];
    await child.waitUntil(() => {
      for (const event of child.events(isEvent('reply.delta', 'k')).slice(received.length)) received.push({ at: performance.now(), text: expectEvent('reply.delta', event).text });
      return received.length >= 15;
    });
    const killedAt = performance.now();
    child.kill('SIGKILL');
    await child.waitForExit();
    // Everything received more than 250 ms (plus a margin for a busy event loop) before the kill is on disk.
    const safe = received.filter((delta) => delta.at < killedAt - 250 - 100).map((delta) => delta.text).join('');

    const restarted = startRpcChild({ home: child.home });
    const before = await history(restarted);
    expect(before.map((m) => [m.role, m.state])).toEqual([
      ['user', undefined],
      ['assistant', 'interrupted'],
    ]);
    const partial = before[1]!.text;
    expect(partial.startsWith(safe)).toBe(true);
    expect(FULL.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(FULL.length);

    const waited = expectResult('wait', await restarted.request({ type: 'wait', id: 'w', idempotencyKey: 'k-crash' }));
    expect(waited).toMatchObject({ state: 'interrupted', partialText: partial, idempotencyKey: 'k-crash' });

    const resumed = expectResult('send', await restarted.request({ type: 'send', id: 'again', text: WORDS, idempotencyKey: 'k-crash' }));
    expect(resumed.payloads[0]!.text).toBe(FULL);
    expect(resumed.meta.replayed).toBeUndefined();
    const after = await history(restarted);
    expect(after.map((m) => [m.role, m.state, m.idempotencyKey])).toEqual([
      ['user', undefined, 'k-crash'],
      ['assistant', 'interrupted', 'k-crash'],
      ['assistant', 'complete', 'k-crash'],
    ]);
    expect(after[1]!.text).toBe(partial);
    expect(after[2]!.runId).toBe(resumed.meta.runId);

    // And now it is finished: the next repeat is a replay.
    const replay = expectResult('send', await restarted.request({ type: 'send', id: 'third', text: WORDS, idempotencyKey: 'k-crash' }));
    expect(replay.meta).toMatchObject({ replayed: true, runId: resumed.meta.runId });
    expect(await history(restarted)).toHaveLength(3);
  });

  it('shows a reply still streaming in history as streaming, its text up to the seq it names', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '40' } });
    const pending = child.request({ type: 'send', id: 's', text: WORDS, idempotencyKey: 'k-live' });
    await child.waitUntil(() => child.events(isEvent('reply.delta', 's')).length >= 12); // past the first 250 ms checkpoint
    const live = (await history(child)).at(-1)!;
    expect(live).toMatchObject({ role: 'assistant', state: 'streaming', idempotencyKey: 'k-live' });
    const deltas = child.events(isEvent('reply.delta', 's')).map((event) => expectEvent('reply.delta', event));
    expect(live.seq).toBeGreaterThanOrEqual(0);
    expect(live.text).toBe(deltas.filter((delta) => delta.seq <= live.seq!).map((delta) => delta.text).join(''));
    await pending;
    const done = (await history(child)).at(-1)!;
    expect(done).toMatchObject({ state: 'complete', text: FULL });
    expect(done.seq).toBeUndefined();
  });

  it('runs a failed key again on its stored message, and keeps the failure in history', async () => {
    const child = startRpcChild({ home: failOnceHome() });
    const failed = expectError(await child.request({ type: 'send', id: 1, text: 'try me', idempotencyKey: 'k-fail' }), 'provider_error');
    expect(failed.error).toContain('provider down');
    const afterFailure = await history(child);
    expect(afterFailure.map((m) => [m.role, m.state, m.text])).toEqual([
      ['user', undefined, 'try me'],
      ['assistant', 'failed', ''],
    ]);
    expect(afterFailure[1]!.error).toContain('provider down');
    const waited = expectResult('wait', await child.request({ type: 'wait', id: 'w', idempotencyKey: 'k-fail' }));
    expect(waited).toMatchObject({ state: 'failed', error: { code: 'provider_error' } });

    const retried = expectResult('send', await child.request({ type: 'send', id: 2, text: 'try me', idempotencyKey: 'k-fail' }));
    expect(retried.payloads[0]!.text).toBe('second try: try me');
    const messages = await history(child);
    expect(messages.filter((m) => m.role === 'user')).toHaveLength(1);
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', state: 'complete', idempotencyKey: 'k-fail' });
  });

  it('refuses bad keys by name: empty, too long, not a string', async () => {
    const child = startRpcChild();
    for (const idempotencyKey of ['', 'k'.repeat(201), 42, null]) {
      const error = expectError(await child.request({ type: 'send', text: 'x', idempotencyKey }), 'invalid_request');
      expect(error.error).toContain('field "idempotencyKey"');
    }
    expectResult('send', await child.request({ type: 'send', text: 'x', idempotencyKey: 'k'.repeat(200) }));
    // A key is never a path: one full of separators is stored as data.
    const odd = '../../etc/passwd\u0000/%2e';
    expectResult('send', await child.request({ type: 'send', text: 'odd', idempotencyKey: odd }));
    expect(expectResult('wait', await child.request({ type: 'wait', idempotencyKey: odd })).state).toBe('done');
  });
});

describe('wait', () => {
  it('reports queued, running, done, aborted and unknown, and waits for the end when asked', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    const running = child.request({ type: 'send', id: 'r', text: WORDS, idempotencyKey: 'k-run' });
    const queued = child.request({ type: 'send', id: 'q', text: 'behind', idempotencyKey: 'k-queued' });
    await child.nextEvent(isEvent('reply.delta', 'r'), undefined, 0);
    expect(expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'k-run' })).state).toBe('running');
    const queuedState = expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'k-queued' }));
    expect(queuedState.state).toBe('queued');
    // By run id too, without naming the session.
    const runId = expectEvent('reply.delta', child.events(isEvent('reply.delta', 'r'))[0]!).runId;
    expect(expectResult('wait', await child.request({ type: 'wait', runId })).state).toBe('running');

    const done = expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'k-run', timeoutMs: 20_000 }));
    expect(done.state).toBe('done');
    expect(done.result).toEqual({ ...expectResult('send', await running), meta: { ...expectResult('send', await running).meta, replayed: true } });
    await queued;

    const slow = child.request({ type: 'send', id: 's', text: WORDS, idempotencyKey: 'k-abort' });
    await child.nextEvent(isEvent('reply.delta', 's'), undefined, 0);
    expectResult('abort', await child.request({ type: 'abort', session: 'main' }));
    await slow;
    const aborted = expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'k-abort' }));
    expect(aborted.state).toBe('aborted');
    expect(aborted.result?.meta.aborted).toBe(true);

    const unknown = expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'never-sent' }));
    expect(unknown).toMatchObject({ state: 'unknown', session: 'main' });
    expect(unknown.hint).toContain('send it again');
    expect(expectResult('wait', await child.request({ type: 'wait', runId: 'r-nope' })).state).toBe('unknown');
  });

  it('says a send without a key that a SIGKILL interrupted is not safe to repeat', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '40' } });
    void child.request({ type: 'send', id: 'u', text: WORDS }).catch(() => undefined);
    const first = expectEvent('reply.delta', await child.nextEvent(isEvent('reply.delta', 'u'), undefined, 0));
    await child.waitUntil(() => child.events(isEvent('reply.delta', 'u')).length >= 10);
    child.kill('SIGKILL');
    await child.waitForExit();
    const restarted = startRpcChild({ home: child.home });
    const waited = expectResult('wait', await restarted.request({ type: 'wait', runId: first.runId }));
    expect(waited).toMatchObject({ state: 'interrupted', session: 'main', runId: first.runId });
    expect(waited.hint).toContain('had no idempotencyKey');
    const unknown = expectResult('wait', await restarted.request({ type: 'wait', runId: 'r-nowhere' }));
    expect(unknown.session).toBeUndefined();
  });

  it('answers a queued send aborted before it started as aborted', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    const running = child.request({ type: 'send', id: 'r', text: WORDS });
    const waiting = child.request({ type: 'send', id: 'w', text: 'never runs', idempotencyKey: 'k-cancel' });
    await child.nextEvent(isEvent('reply.delta', 'r'), undefined, 0);
    expectResult('abort', await child.request({ type: 'abort', session: 'main' }));
    await running;
    expectError(await waiting, 'aborted');
    expect(expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'k-cancel' })).state).toBe('aborted');
  });

  it('refuses a wait that names neither or both of idempotencyKey and runId', async () => {
    const child = startRpcChild();
    expect(expectError(await child.request({ type: 'wait' }), 'invalid_request').error).toContain('exactly one of "idempotencyKey" and "runId"');
    expectError(await child.request({ type: 'wait', idempotencyKey: 'a', runId: 'b' }), 'invalid_request');
    expectError(await child.request({ type: 'wait', idempotencyKey: 'a', timeoutMs: -1 }), 'invalid_request');
  });
});

describe('tether agent --idempotency-key', () => {
  it('replays a finished key from the transcript, and names the flag for a bad key', async () => {
    const home = createTempHome();
    const first = await runAgent(['--message', 'from a script', '--idempotency-key', 'job-1', '--json'], { TETHER_HOME: home });
    expect(first.exitCode).toBe(0);
    const one = SendPayloadSchema.parse(JSON.parse(first.stdout));
    expect(one.meta.idempotencyKey).toBe('job-1');
    const size = statSync(join(home, 'sessions', 'main.jsonl')).size;

    const second = await runAgent(['--message', 'from a script', '--idempotency-key', 'job-1', '--json'], { TETHER_HOME: home });
    expect(second.exitCode).toBe(0);
    expect(SendPayloadSchema.parse(JSON.parse(second.stdout))).toEqual({ ...one, meta: { ...one.meta, replayed: true } });
    expect(statSync(join(home, 'sessions', 'main.jsonl')).size).toBe(size);

    const plain = await runAgent(['--message', 'from a script', '--idempotency-key', 'job-1'], { TETHER_HOME: home });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe('echo: from a script\n'); // a replay streams nothing: the text is printed whole

    const conflict = await runAgent(['--message', 'something else', '--idempotency-key', 'job-1'], { TETHER_HOME: home });
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toContain('--idempotency-key "job-1" was already used for a different message');

    const tooLong = await runAgent(['--message', 'x', '--idempotency-key', 'k'.repeat(201)], { TETHER_HOME: home });
    expect(tooLong.exitCode).toBe(2);
    expect(tooLong.stderr).toContain('--idempotency-key');
  });

  it('never runs a key twice across processes: the CLI refuses a key the gateway is running, and the gateway sees a CLI run as running', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '40' } });
    const pending = child.request({ type: 'send', id: 'g', text: WORDS, idempotencyKey: 'shared' });
    await child.nextEvent(isEvent('reply.delta', 'g'), undefined, 0);
    const cli = await runAgent(['--message', WORDS, '--idempotency-key', 'shared', '--json'], { TETHER_HOME: child.home });
    expect(cli.exitCode).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({ type: 'error', code: 'busy' });
    expect(cli.stderr).toContain(`running in another tether process (pid ${child.pid})`);
    expectResult('send', await pending);

    // The other way round: a CLI run is running, not interrupted, for the gateway.
    const cliRun = runAgent(['--message', WORDS, '--idempotency-key', 'from-cli', '--json'], { TETHER_HOME: child.home, TETHER_ECHO_DELAY_MS: '40' });
    await fileContains(join(child.home, 'sessions', 'main.jsonl'), '"idempotencyKey":"from-cli"');
    const seen = expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'from-cli' }));
    expect(seen.state).toBe('running');
    expect(seen.hint).toContain('another tether process');
    expectError(await child.request({ type: 'send', text: WORDS, idempotencyKey: 'from-cli' }), 'busy');
    expect((await cliRun).exitCode).toBe(0);
    expect(expectResult('wait', await child.request({ type: 'wait', idempotencyKey: 'from-cli' })).state).toBe('done');
    const users = (await history(child)).filter((m) => m.role === 'user');
    expect(users.map((m) => m.idempotencyKey)).toEqual(['shared', 'from-cli']);
  });

  it('resumes a send the gateway was running when it died, without a second user message', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '40' } });
    void child.request({ type: 'send', id: 'k', text: WORDS, idempotencyKey: 'handoff' }).catch(() => undefined);
    await child.waitUntil(() => child.events(isEvent('reply.delta', 'k')).length >= 12);
    child.kill('SIGKILL');
    await child.waitForExit();

    const cli = await runAgent(['--message', WORDS, '--idempotency-key', 'handoff', '--json'], { TETHER_HOME: child.home });
    expect(cli.exitCode).toBe(0);
    expect(SendPayloadSchema.parse(JSON.parse(cli.stdout)).payloads[0]!.text).toBe(FULL);
    const lines = readFileSync(join(child.home, 'sessions', 'main.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; role?: string });
    expect(lines.filter((record) => record.type === 'message' && record.role === 'user')).toHaveLength(1);
  });
});
