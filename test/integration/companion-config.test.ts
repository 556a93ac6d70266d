/**
 * A start that fails the same way every time is reported as what it is (issue 17
 * item 4): an invalid config.json puts the gateway in `failed` at once with the
 * host's own message (the key and the fix), burns no restarts, shows in the errors
 * callers get, and saving a fixed file starts the gateway again; a missing program
 * is `not found`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCompanions, makeCompanion, waitForRunning } from '../helpers/companion.js';
import { cleanupRpcChildren, createTempHome } from '../helpers/rpc-child.js';

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

describe('deterministic start failures', () => {
  it('an invalid config file: failed at once with the host\'s message, no restarts; saving a fixed file starts it', async () => {
    const dataDir = createTempHome();
    const configPath = join(dataDir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ provdier: 'echo' }));
    const { companion, states, logger } = makeCompanion({ dataDir });
    await companion.start();

    const { gateway } = companion.state();
    expect(gateway).toMatchObject({ state: 'failed', failure: 'config', restarts: 0, recentCrashes: 0, retryAt: null, lastExit: { code: 78 } });
    expect(gateway.reason).toBe(`config file ${configPath}: top level: unrecognized key: "provdier" (did you mean "provider"?); fix the key or remove it to use its default`);
    expect(states.some((state) => state.gateway.state === 'restarting')).toBe(false);
    expect(logger.lines.filter((line) => /gateway pid \d+ started:/u.test(line))).toHaveLength(1);
    await companion.setFallback(false);
    await expect(companion.sessions()).rejects.toMatchObject({ code: 'gateway_unavailable', message: expect.stringContaining('unrecognized key: "provdier"') });

    writeFileSync(configPath, JSON.stringify({ provider: 'echo' }));
    const running = await waitForRunning(companion);
    expect(running.gateway.failure).toBeNull();
  });

  it('a gateway command that does not exist: failed at once, "not found"', async () => {
    const { companion, states } = makeCompanion({ command: { file: '/nonexistent/tether-gateway' } });
    await companion.start();
    expect(companion.state().gateway).toMatchObject({ state: 'failed', failure: 'not found', restarts: 0 });
    expect(companion.state().gateway.reason).toContain('/nonexistent/tether-gateway');
    expect(states.some((state) => state.gateway.state === 'restarting')).toBe(false);
  });
});
