/**
 * The app's gateway serves the data dir's socket: its child is started with
 * `--listen`, and a `tether agent` run while the app is up goes through it, so
 * the app hears of the turn as it happens.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SendPayloadSchema, type Event } from '../../rpc-host/protocol/schemas.js';
import { cleanupCompanions, makeCompanion, waitForRunning } from '../helpers/companion.js';
import { cleanupRpcChildren, runAgent, runCli } from '../helpers/rpc-child.js';

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

describe("the app's gateway listens", () => {
  it('serves tether agent and tether status while the app is up, and the app sees the turn live', async () => {
    const { companion, dataDir } = makeCompanion();
    await companion.start();
    const running = await waitForRunning(companion);
    const socket = join(dataDir, 'run', 'gateway.sock');
    expect(statSync(socket).isSocket()).toBe(true);

    const events: Event[] = [];
    let heard: () => void = () => {};
    const replyHeard = new Promise<void>((resolve) => (heard = resolve));
    companion.onDidReceiveEvent((event) => {
      events.push(event);
      if (event.event === 'reply' && event.payload.session === 'term') heard();
    });
    const result = await runAgent(['-m', 'from the terminal', '-s', 'term', '--json'], { TETHER_HOME: dataDir });
    expect(result.exitCode).toBe(0);
    const payload = SendPayloadSchema.parse(JSON.parse(result.stdout));
    expect(payload.meta.via).toBe('gateway');
    // The app hears of the turn without reopening the session.
    await replyHeard;
    expect(events).toContainEqual(expect.objectContaining({ event: 'reply', payload: expect.objectContaining({ runId: payload.meta.runId, session: 'term' }) }));
    expect(events.filter((event) => event.event === 'session.updated' && event.payload.session === 'term').length).toBeGreaterThanOrEqual(1);

    const status = await runCli(['status', '--json'], { TETHER_HOME: dataDir });
    expect(JSON.parse(status.stdout)).toMatchObject({ pid: running.gateway.pid, socket });

    await companion.shutdown();
    expect(existsSync(socket)).toBe(false); // a clean stop leaves nothing to turn the next gateway away
  });
});
