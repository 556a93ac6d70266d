/**
 * The child's lifecycle: it exits 0 on stdin EOF and on SIGTERM/SIGINT after
 * answering the send in flight (completed within the grace period, or aborted
 * with its partial text when the grace runs out); stdout carries JSON lines only
 * and logs go to stderr; a last line without LF is still answered; sessions
 * persist across a restart on the same TETHER_HOME.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, createTempHome, startRpcChild, type RpcChild } from '../helpers/rpc-child.js';
import { expectResult, isEvent } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

const words = (count: number): string => Array.from({ length: count }, (_, i) => `w${i}`).join(' ');

/** Every stdout line parsed as a JSON object; logs only on stderr. */
function expectProtocolOnlyOnStdout(child: RpcChild): void {
  expect(child.nonJsonLines).toEqual([]);
  expect(child.stdoutLines.length).toBe(child.messages.length);
  for (const message of child.messages) expect(['result', 'error', 'event']).toContain(message.type);
  expect(child.stderr).toMatch(/tether rpc info: ready: pid \d+/);
}

describe('shutdown', () => {
  it('on stdin EOF finishes the send in flight, answers it, and exits 0', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    const pending = child.request({ type: 'send', id: 'inflight', text: words(10) });
    await child.nextEvent(isEvent('reply.delta', 'inflight'), undefined, 0);
    child.endInput();
    const send = expectResult('send', await pending);
    expect(send.meta.aborted).toBeUndefined();
    expect(send.payloads[0]!.text).toBe(`echo: ${words(10)}`);
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(child.stderr).toContain('shutting down: stdin closed');
    expectProtocolOnlyOnStdout(child);
  });

  it('on stdin EOF aborts a send that outlasts the grace period, answers it with the partial text, and exits 0', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '50' }, args: ['--grace', '100'] });
    const pending = child.request({ type: 'send', id: 'long', text: words(60) });
    await child.nextEvent(isEvent('reply.delta', 'long'), undefined, 0);
    child.endInput();
    const send = expectResult('send', await pending);
    expect(send.meta.aborted).toBe(true);
    const streamed = child.events(isEvent('reply.delta', 'long')).map((event) => String(event.payload?.text)).join('');
    expect(send.payloads[0]!.text).toBe(streamed);
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expectProtocolOnlyOnStdout(child);
  });

  it('on stdin EOF answers id-less requests still queued, in order, before exiting 0', async () => {
    const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
    await child.writeRaw(`${JSON.stringify({ type: 'send', text: words(5) })}\n${JSON.stringify({ type: 'send', text: 'queued' })}\n{"type":"status"}\n`);
    child.endInput();
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(child.responses).toHaveLength(3);
    expect(expectResult('send', child.responses[0]!).payloads[0]!.text).toBe(`echo: ${words(5)}`);
    expect(expectResult('send', child.responses[1]!).payloads[0]!.text).toBe('echo: queued');
    expectResult('status', child.responses[2]!);
    expectProtocolOnlyOnStdout(child);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} answers the send in flight and exits 0`, async () => {
      const child = startRpcChild({ env: { TETHER_ECHO_DELAY_MS: '30' } });
      const pending = child.request({ type: 'send', id: 'inflight', text: words(10) });
      await child.nextEvent(isEvent('reply.delta', 'inflight'), undefined, 0);
      child.kill(signal);
      const send = expectResult('send', await pending);
      expect(send.payloads[0]!.text).toBe(`echo: ${words(10)}`);
      expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
      expect(child.stderr).toContain(`shutting down: ${signal}`);
      expectProtocolOnlyOnStdout(child);
    });
  }

  it('exits 0 on EOF when idle, answering a last line that has no LF', async () => {
    const child = startRpcChild();
    await child.writeRaw('{"type":"status","id":"last"}');
    child.endInput();
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(child.responses).toHaveLength(1);
    expect(child.responses[0]!.id).toBe('last');
    expectResult('status', child.responses[0]!);
    expectProtocolOnlyOnStdout(child);
  });

  it('keeps logs off stdout even at debug level and after heartbeats and errors', async () => {
    const child = startRpcChild({ env: { TETHER_LOG: 'debug', TETHER_HEARTBEAT_INTERVAL_MS: '50' } });
    await child.nextEvent(isEvent('heartbeat'), undefined, 0);
    await child.request({ type: 'send', text: 'x' });
    await child.writeLine('not json');
    await child.request({ type: 'set-heartbeats', enabled: false });
    child.endInput();
    expect((await child.waitForExit()).code).toBe(0);
    expectProtocolOnlyOnStdout(child);
    expect(child.stderr).toContain('heartbeats turned off');
  });

  it('exits 0 when the client stops reading stdout (EPIPE)', async () => {
    const child = startRpcChild();
    await child.request({ type: 'status' });
    child.process.stdout.destroy();
    await child.writeLine({ type: 'status' }); // its answer hits the closed pipe
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

describe('start-up errors', () => {
  it('refuses a bad environment value: exit 78 (a configuration error), the variable named on stderr, nothing on stdout', async () => {
    const child = startRpcChild({ env: { TETHER_MAX_LINE_BYTES: 'lots' } });
    expect(await child.waitForExit()).toEqual({ code: 78, signal: null });
    expect(child.stderr).toContain('TETHER_MAX_LINE_BYTES');
    expect(child.stdoutLines).toEqual([]);
  });

  it('refuses a bad flag value: exit 2 naming the flag', async () => {
    const child = startRpcChild({ args: ['--max-line-bytes', '10'] });
    expect(await child.waitForExit()).toEqual({ code: 2, signal: null });
    expect(child.stderr).toContain('--max-line-bytes');
    expect(child.stdoutLines).toEqual([]);
  });
});

describe('persistence', () => {
  it('keeps sessions and history across a restart on the same TETHER_HOME', async () => {
    const home = createTempHome();
    const first = startRpcChild({ home });
    const sent = expectResult('send', await first.request({ type: 'send', text: 'remember me', thinking: 'medium' }));
    await first.request({ type: 'send', text: 'other session', session: 'side' });
    first.endInput();
    expect((await first.waitForExit()).code).toBe(0);

    const second = startRpcChild({ home });
    expect(expectResult('status', await second.request({ type: 'status' })).sessions).toBe(2);
    const { sessions } = expectResult('sessions', await second.request({ type: 'sessions' }));
    expect(sessions.map(({ key, messageCount }) => ({ key, messageCount })).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'main', messageCount: 2 },
      { key: 'side', messageCount: 2 },
    ]);
    expect(sessions.find((session) => session.key === 'main')).toMatchObject({ preview: 'echo: remember me', thinking: 'medium' });
    const history = expectResult('history', await second.request({ type: 'history', session: 'main' }));
    expect(history.messages.map(({ role, text, runId }) => ({ role, text, runId }))).toEqual([
      { role: 'user', text: 'remember me', runId: sent.meta.runId },
      { role: 'assistant', text: 'echo: remember me', runId: sent.meta.runId },
    ]);
    // New messages append after the old ones.
    await second.request({ type: 'send', text: 'and more' });
    expect(expectResult('history', await second.request({ type: 'history', session: 'main' })).total).toBe(4);
  });

  it('survives a SIGKILL: what was answered is on disk for the next child', async () => {
    const home = createTempHome();
    const first = startRpcChild({ home });
    await first.request({ type: 'send', text: 'before the crash' });
    first.kill('SIGKILL');
    expect((await first.waitForExit()).signal).toBe('SIGKILL');
    const second = startRpcChild({ home });
    const history = expectResult('history', await second.request({ type: 'history', session: 'main' }));
    expect(history.messages.map((message) => message.text)).toEqual(['before the crash', 'echo: before the crash']);
    const { sessions } = expectResult('sessions', await second.request({ type: 'sessions' }));
    expect(sessions).toMatchObject([{ key: 'main', messageCount: 2 }]);
  });
});
