/**
 * Heartbeats in the real child with a 100 ms interval: suppressed beats (`ok`),
 * turning them off and on at runtime with `set-heartbeats`, beats whose reply is
 * delivered (`sent` plus a `reply` event with source heartbeat), beats skipped
 * while the session is busy, and the --heartbeats / TETHER_HEARTBEATS switches.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, startRpcChild } from '../helpers/rpc-child.js';
import { expectEvent, expectResult, isEvent } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

const INTERVAL_MS = 100;
const fastBeats = { TETHER_HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS) };

describe('heartbeats', () => {
  it('beat on the interval with outcome ok, recorded in status', async () => {
    const child = startRpcChild({ env: fastBeats });
    const first = expectEvent('heartbeat', await child.nextEvent(isEvent('heartbeat'), undefined, 0));
    expect(first).toMatchObject({ outcome: 'ok', session: 'main' });
    expect(first.runId).toEqual(expect.any(String));
    const second = expectEvent('heartbeat', await child.nextEvent(isEvent('heartbeat')));
    expect(second.outcome).toBe('ok');
    expect(second.runId).not.toBe(first.runId);
    const status = expectResult('status', await child.request({ type: 'status' }));
    expect(status.heartbeats).toMatchObject({ enabled: true, intervalMs: INTERVAL_MS, lastOutcome: 'ok' });
    expect(status.heartbeats.lastAt).toEqual(expect.any(Number));
    // Suppressed beats leave nothing in the transcript and emit no reply.
    expect(child.events(isEvent('reply'))).toEqual([]);
    expect(expectResult('sessions', await child.request({ type: 'sessions' })).sessions).toEqual([]);
  });

  it('stop at once on set-heartbeats false and come back on true, without a restart', async () => {
    const child = startRpcChild({ env: fastBeats });
    await child.nextEvent(isEvent('heartbeat'), undefined, 0);
    expect(expectResult('set-heartbeats', await child.request({ type: 'set-heartbeats', enabled: false }))).toEqual({ enabled: false });
    const off = expectResult('status', await child.request({ type: 'status' }));
    expect(off.heartbeats).toMatchObject({ enabled: false, nextAt: null });

    // Proving an absence needs a wait: eight intervals with no beat.
    const quietFrom = child.mark();
    await sleep(INTERVAL_MS * 8);
    const stillOff = expectResult('status', await child.request({ type: 'status' }));
    expect(child.events(isEvent('heartbeat'), quietFrom)).toEqual([]);
    expect(stillOff.heartbeats.lastAt).toBe(off.heartbeats.lastAt);
    expect(stillOff.pid).toBe(off.pid);

    expect(expectResult('set-heartbeats', await child.request({ type: 'set-heartbeats', enabled: true }))).toEqual({ enabled: true });
    const back = expectEvent('heartbeat', await child.nextEvent(isEvent('heartbeat')));
    expect(back.outcome).toBe('ok');
    expect(expectResult('status', await child.request({ type: 'status' })).heartbeats.enabled).toBe(true);
  });

  it('deliver a reply that is not HEARTBEAT_OK: outcome sent and a reply event with source heartbeat', async () => {
    const child = startRpcChild({ env: { ...fastBeats, TETHER_HEARTBEAT_PROMPT: 'ping' } });
    const beat = expectEvent('heartbeat', await child.nextEvent((event) => event.event === 'heartbeat', undefined, 0));
    expect(beat).toMatchObject({ outcome: 'sent', session: 'main', text: 'echo: ping' });
    const replyLine = await child.nextEvent((event) => event.event === 'reply' && event.payload?.runId === beat.runId, undefined, 0);
    expect(expectEvent('reply', replyLine)).toMatchObject({ session: 'main', text: 'echo: ping', source: 'heartbeat', provider: 'echo' });
    expect(replyLine.id).toBeUndefined(); // no request caused it

    await child.request({ type: 'set-heartbeats', enabled: false });
    const history = expectResult('history', await child.request({ type: 'history', session: 'main' }));
    const beatMessages = history.messages.filter((message) => message.runId === beat.runId);
    expect(beatMessages.map(({ role, text, source }) => ({ role, text, source }))).toEqual([
      { role: 'user', text: 'ping', source: 'heartbeat' },
      { role: 'assistant', text: 'echo: ping', source: 'heartbeat' },
    ]);
  });

  it('skip a beat while the main session is busy, naming the reason', async () => {
    const child = startRpcChild({ env: { ...fastBeats, TETHER_ECHO_DELAY_MS: '50' } });
    const longText = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const pending = child.request({ type: 'send', id: 'busy', text: longText });
    await child.nextEvent(isEvent('reply.delta', 'busy'), undefined, 0);
    const skipped = expectEvent('heartbeat', await child.nextEvent((event) => event.event === 'heartbeat' && event.payload?.outcome === 'skipped'));
    expect(skipped.reason).toContain('busy');
    await child.request({ type: 'abort', id: 'ab' });
    await pending;
  });

  it('start off with --heartbeats off or TETHER_HEARTBEATS=off, and can be turned on', async () => {
    const byFlag = startRpcChild({ env: fastBeats, args: ['--heartbeats', 'off'] });
    const byEnv = startRpcChild({ env: { ...fastBeats, TETHER_HEARTBEATS: 'off' } });
    for (const child of [byFlag, byEnv]) {
      expect(expectResult('status', await child.request({ type: 'status' })).heartbeats.enabled).toBe(false);
    }
    await byEnv.request({ type: 'set-heartbeats', enabled: true });
    expect(expectEvent('heartbeat', await byEnv.nextEvent(isEvent('heartbeat'), undefined, 0)).outcome).toBe('ok');
  });
});
