/**
 * The companion around a real gateway child that gets killed: pending calls fail at
 * once with the reason, the child comes back, nothing acknowledged is lost, nothing
 * is sent twice, and the settings are re-applied before the child counts as running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isCompanionError, type CompanionError, type SendResult } from '../../main/core/index.js';
import { cleanupCompanions, isProcessRunning, makeCompanion, waitForRunning, waitForState } from '../helpers/companion.js';
import { CLI_PATH, cleanupRpcChildren, createTempHome } from '../helpers/rpc-child.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const STUBBORN = fileURLToPath(new URL('../fixtures/stubborn-gateway.mjs', import.meta.url));

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

describe('a gateway killed with SIGKILL', () => {
  it('rejects pending sends before the restart, restarts, and keeps every acknowledged message', async () => {
    // Slow echo, so several sends are in flight when the child dies.
    const { companion } = makeCompanion({ extraEnv: { TETHER_ECHO_DELAY_MS: '5' } });
    await companion.start();
    const first = await waitForRunning(companion);
    const pid = first.gateway.pid!;

    const timeline: string[] = [];
    companion.onDidChangeState((state) => timeline.push(`state:${state.gateway.state}`));
    const acknowledged: { text: string; result: SendResult }[] = [];
    const failed: CompanionError[] = [];
    const inFlight: Promise<void>[] = [];
    let killed = false;
    for (let i = 0; !killed; i++) {
      const text = `message ${i} ${'word '.repeat(20)}`;
      inFlight.push(
        companion.send({ text, session: `s${i % 3}` }).then(
          (result) => {
            acknowledged.push({ text, result });
          },
          (error: CompanionError) => {
            timeline.push('rejected');
            failed.push(error);
          },
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 3));
      if (acknowledged.length >= 5) {
        process.kill(pid, 'SIGKILL');
        killed = true;
      }
    }
    await Promise.all(inFlight);

    expect(failed.length).toBeGreaterThan(0);
    for (const error of failed) {
      expect(isCompanionError(error, 'gateway_exited')).toBe(true);
      expect(error.message).toContain('signal SIGKILL');
      expect(error.message).toContain('not sent again');
      // How far it got, and the key to send it again with safely.
      expect(['no', 'maybe', 'yes']).toContain(error.details.reached);
      expect(error.details.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/u);
    }
    // "At once": every pending send failed before the replacement child was even spawned.
    const firstRestart = timeline.indexOf('state:starting');
    expect(timeline.lastIndexOf('rejected')).toBeLessThan(firstRestart === -1 ? Infinity : firstRestart);
    for (const { result } of acknowledged) expect(result.via).toBe('gateway');

    const back = await waitForRunning(companion, pid);
    expect(back.gateway.pid).not.toBe(pid);
    expect(back.gateway.restarts).toBe(1);
    const later = await companion.send({ text: 'after the crash', session: 's0' });
    expect(later.via).toBe('gateway');
    expect(later.payload.payloads[0]!.text).toContain('after the crash');

    // Every acknowledged message is in its transcript, with its reply.
    for (const { text, result } of acknowledged) {
      const history = await companion.history(result.payload.meta.session, { limit: 1000 });
      const texts = history.messages.map((message) => `${message.role}:${message.text}`);
      expect(texts).toContain(`user:${text}`);
      expect(texts).toContain(`assistant:${result.payload.payloads[0]!.text}`);
    }
    // Nothing was sent twice behind the user's back.
    for (const session of ['s0', 's1', 's2']) {
      const history = await companion.history(session, { limit: 1000 });
      const userTexts = history.messages.filter((message) => message.role === 'user').map((message) => message.text);
      expect(new Set(userTexts).size).toBe(userTexts.length);
    }
  });

  it('re-applies "heartbeats off" before the restarted child counts as running', async () => {
    // The child's own default is on, so only the supervisor can turn it off.
    const { companion } = makeCompanion({ extraEnv: { TETHER_HEARTBEATS: 'on' } });
    await companion.start();
    const first = await waitForRunning(companion);
    expect(first.gateway.gateway?.heartbeats.enabled).toBe(true);

    expect(await companion.setHeartbeats(false)).toEqual({ enabled: false, applied: true });
    expect((await companion.status()).gateway?.heartbeats.enabled).toBe(false);
    process.kill(first.gateway.pid!, 'SIGKILL');

    // The status read during readiness is the restarted child's own report.
    const back = await waitForRunning(companion, first.gateway.pid);
    expect(back.gateway.gateway?.heartbeats.enabled).toBe(false);
    expect(back.heartbeatsEnabled).toBe(false);
    const status = await companion.status();
    expect(status.via).toBe('gateway');
    expect(status.gateway?.heartbeats.enabled).toBe(false);
    expect(status.gateway?.pid).toBe(back.gateway.pid);
  });

  it('applies heartbeats changed while the gateway was down when it starts', async () => {
    const { companion } = makeCompanion({ extraEnv: { TETHER_HEARTBEATS: 'on' } });
    expect(await companion.setHeartbeats(false)).toEqual({ enabled: false, applied: false });
    await companion.start();
    const running = await waitForRunning(companion);
    expect(running.gateway.gateway?.heartbeats.enabled).toBe(false);
  });

  it('counts a child that never answers as crashed, and says why', async () => {
    const { companion } = makeCompanion({
      command: { file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] },
      readyTimeoutMs: 300,
      restartPolicy: { maxCrashes: 2, initialDelayMs: 50 },
    });
    await companion.start();
    const restarting = await waitForState(companion, (state) => state.gateway.state === 'restarting');
    expect(restarting.gateway.reason).toMatch(/did not become ready: did not answer hello and status within 300 ms/u);
    const failed = await waitForState(companion, (state) => state.gateway.state === 'failed');
    expect(failed.gateway.recentCrashes).toBe(2);
  });

  it('reaps what a crashed child left in its process group', async () => {
    const pidFile = join(createTempHome(), 'pids.json');
    const { companion } = makeCompanion({
      command: { file: process.execPath, args: [STUBBORN, pidFile, CLI_PATH] },
      stopTimings: { stdinGraceMs: 300, termGraceMs: 300 },
    });
    await companion.start();
    const running = await waitForRunning(companion);
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { stubborn: number; host: number; lingerer: number };
    expect(isProcessRunning(pids.lingerer)).toBe(true);

    process.kill(pids.stubborn, 'SIGKILL'); // only the direct child: its children stay behind
    await waitForRunning(companion, running.gateway.pid);
    await expect.poll(() => isProcessRunning(pids.lingerer), { timeout: 5000 }).toBe(false);
    await expect.poll(() => isProcessRunning(pids.host), { timeout: 5000 }).toBe(false);
  });
});
