/**
 * Calls while the gateway is down do not wait: status answers from the supervisor,
 * sends go to the one-shot CLI when the fallback is on and fail at once when it is
 * off, and every answer says which path served it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '../../rpc-host/protocol/schemas.js';
import { cleanupCompanions, makeCompanion, waitForRunning, waitForState } from '../helpers/companion.js';
import { cleanupRpcChildren } from '../helpers/rpc-child.js';

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

describe('with the gateway down', () => {
  it('serves a send with the one-shot CLI, says so, and the transcript keeps it', async () => {
    const { companion } = makeCompanion();
    const events: Event[] = [];
    companion.onDidReceiveEvent((event) => events.push(event));
    expect(companion.state().fallbackActive).toBe(true);

    const result = await companion.send({ text: 'sent while down', session: 'ops' });
    expect(result.via).toBe('cli');
    expect(result.payload.payloads[0]!.text).toContain('sent while down');
    expect(result.payload.meta.session).toBe('ops');
    expect(events).toContainEqual(expect.objectContaining({ event: 'reply', payload: expect.objectContaining({ source: 'cli', runId: result.payload.meta.runId }) }));

    await companion.start();
    await waitForRunning(companion);
    const history = await companion.history('ops');
    expect(history.messages.map((message) => message.text)).toEqual(['sent while down', result.payload.payloads[0]!.text]);
    expect(history.messages[0]!.source).toBe('cli');
  });

  it('fails a send at once when the fallback is off, and says how to fix it', async () => {
    const { companion } = makeCompanion();
    await companion.setFallback(false);
    expect(companion.state()).toMatchObject({ fallbackEnabled: false, fallbackActive: false });
    await expect(companion.send({ text: 'hi' })).rejects.toMatchObject({
      code: 'gateway_unavailable',
      message: expect.stringContaining('turn on "Use CLI fallback"'),
    });
  });

  it('answers status, abort and sessions without waiting while the gateway restarts', async () => {
    const { companion } = makeCompanion({ restartPolicy: { initialDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.5 } });
    await companion.start();
    const running = await waitForRunning(companion);
    await companion.setFallback(false);
    process.kill(running.gateway.pid!, 'SIGKILL');
    await waitForState(companion, (state) => state.gateway.state === 'restarting');

    const status = await companion.status();
    expect(status.via).toBe('supervisor');
    expect(status.gateway).toBeNull();
    expect(status.state.gateway.state).toBe('restarting');
    expect(status.state.gateway.retryInMs).toBeGreaterThan(50_000);
    expect(status.state.gateway.lastExit).toMatchObject({ signal: 'SIGKILL' });

    await expect(companion.send({ text: 'hi' })).rejects.toMatchObject({ code: 'gateway_unavailable', message: expect.stringMatching(/restarting in \d+ ms/u) });
    await expect(companion.sessions()).rejects.toMatchObject({ code: 'gateway_unavailable' });
    await expect(companion.history('main')).rejects.toMatchObject({ code: 'gateway_unavailable' });
    expect(await companion.abort()).toEqual({ aborted: 0, runIds: [], via: 'supervisor' });

    // The fallback serves again as soon as it is turned back on.
    await companion.setFallback(true);
    expect((await companion.send({ text: 'back on' })).via).toBe('cli');
  });

  it('aborts a one-shot CLI send of the session, keeping the partial reply', async () => {
    const { companion, dataDir } = makeCompanion({ extraEnv: { TETHER_ECHO_DELAY_MS: '100' } });
    const sending = companion.send({ text: 'a b c d e f g h i j k l m n o p q r s t u v w x y z' });
    // Abort once the CLI has started the turn (its transcript holds the message), however
    // slowly it started on a loaded machine, and a few words into the streamed reply.
    const transcript = join(dataDir, 'sessions', 'main.jsonl');
    while (!existsSync(transcript) || !readFileSync(transcript, 'utf8').includes('a b c d')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const abort = await companion.abort();
    expect(abort).toMatchObject({ aborted: 1, via: 'cli' });
    const result = await sending;
    expect(result.via).toBe('cli');
    expect(result.payload.meta.aborted).toBe(true);
    expect(result.payload.payloads[0]!.text.length).toBeLessThan('echo: a b c d e f g h i j k l m n o p q r s t u v w x y z'.length);
  });

  it('refuses bad input before anything is sent, naming the field', async () => {
    const { companion } = makeCompanion();
    await expect(companion.send({ text: 'hi', thinking: 'max' as never })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('thinking') });
    await expect(companion.send({ text: '' })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('text') });
  });
});

describe('with the gateway running', () => {
  it('serves sends through the child, forwarding its streamed events', async () => {
    const { companion } = makeCompanion();
    const events: Event[] = [];
    companion.onDidReceiveEvent((event) => events.push(event));
    await companion.start();
    await waitForRunning(companion);
    const result = await companion.send({ text: 'one two three four five six seven eight nine ten' });
    expect(result.via).toBe('gateway');
    const runId = result.payload.meta.runId;
    const deltas = events.filter((event) => event.event === 'reply.delta' && event.payload.runId === runId);
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.map((event) => (event.payload as { text: string }).text).join('')).toBe(result.payload.payloads[0]!.text);
    expect(events).toContainEqual(expect.objectContaining({ event: 'reply', payload: expect.objectContaining({ runId, source: 'rpc' }) }));
    expect((await companion.sessions()).sessions.map((session) => session.key)).toContain('main');
  });

  it('answers status from the child, and from the supervisor while the child is stopping', async () => {
    const { companion } = makeCompanion();
    await companion.start();
    await waitForRunning(companion);
    const status = await companion.status({ verbose: true });
    expect(status.via).toBe('gateway');
    expect(status.gateway?.pid).toBe(companion.state().gateway.pid);
    expect(status.gateway?.memory).toBeDefined();
  });
});
