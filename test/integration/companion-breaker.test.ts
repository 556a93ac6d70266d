/**
 * A gateway command that crash-loops: the restarts back off, the breaker trips at
 * the 5th crash, nothing spins while `failed`, and a manual restart starts over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCompanions, makeCompanion, waitForRunning, waitForState } from '../helpers/companion.js';
import { CLI_PATH, cleanupRpcChildren } from '../helpers/rpc-child.js';

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

describe('a gateway that exits at once', () => {
  it('backs off, trips the breaker at the 5th crash, stays quiet, and a manual restart clears it', async () => {
    const { companion, states } = makeCompanion({ command: undefined, hostScript: CLI_PATH });
    await companion.updateSettings({ gatewayCommand: { file: process.execPath, args: ['-e', 'process.stderr.write("boom: no config\\n"); process.exit(1)'] } });
    await companion.start();
    const failed = await waitForState(companion, (state) => state.gateway.state === 'failed', 30_000, 'state failed');

    const spawns = states.filter((state) => state.gateway.state === 'starting' && state.gateway.pid !== null);
    expect(spawns).toHaveLength(5);
    // The delays the policy chose, as the reason states them (retryAt - since would also
    // count the time the supervisor took to get from the exit to the transition).
    const delays = states
      .filter((state) => state.gateway.state === 'restarting')
      .map((state) => Number(/restarting in (\d+) ms/u.exec(state.gateway.reason)?.[1]));
    expect(delays).toHaveLength(4);
    expect(delays[0]).toBeGreaterThanOrEqual(90);
    expect(delays[0]).toBeLessThanOrEqual(110);
    for (let i = 1; i < delays.length; i++) {
      // Doubling, give or take the ±10 % jitter.
      expect(delays[i]! / delays[i - 1]!).toBeGreaterThan(1.6);
      expect(delays[i]! / delays[i - 1]!).toBeLessThan(2.5);
    }
    expect(failed.gateway.recentCrashes).toBe(5);
    expect(failed.gateway.reason).toContain('exit code 1');
    expect(failed.gateway.reason).toContain('crashed 5 times in 3 minutes');
    expect(failed.gateway.lastError).toContain('boom: no config');
    expect(failed.gateway.retryAt).toBeNull();
    expect(failed.fallbackActive).toBe(true);

    // Failed means failed: no more spawns, and no busy loop.
    const before = states.length;
    const cpuBefore = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cpu = process.cpuUsage(cpuBefore);
    expect(states.length).toBe(before);
    expect(companion.state().gateway.state).toBe('failed');
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(500);

    // The user fixes the command and restarts: the crash history is gone.
    await companion.updateSettings({ gatewayCommand: null });
    await companion.restartGateway();
    const running = await waitForRunning(companion);
    expect(running.gateway.recentCrashes).toBe(0);
    expect(running.gateway.command?.source).toBe('bundled-node');
  });

  it('restarting by hand after the breaker tripped starts counting from one again', async () => {
    const { companion } = makeCompanion({
      command: { file: process.execPath, args: ['-e', 'process.exit(1)'] },
      restartPolicy: { maxCrashes: 2, initialDelayMs: 20 },
    });
    await companion.start();
    await waitForState(companion, (state) => state.gateway.state === 'failed');
    const restart = companion.restartGateway();
    const again = await waitForState(companion, (state) => state.gateway.state === 'restarting');
    expect(again.gateway.reason).toContain('attempt 1');
    await restart;
  });

  it('fails at once, naming the file, when the command from the settings does not exist', async () => {
    const { companion } = makeCompanion({ command: undefined, hostScript: CLI_PATH });
    await companion.updateSettings({ gatewayCommand: { file: '/nonexistent/bin/tether', args: [] } });
    await companion.start();
    const state = companion.state();
    expect(state.gateway.state).toBe('failed');
    expect(state.gateway.reason).toContain('the gateway command from the settings, "/nonexistent/bin/tether", is not an executable file; fix it in the settings');
    await expect(companion.send({ text: 'hi' })).rejects.toMatchObject({ code: 'fallback_failed', message: expect.stringContaining('/nonexistent/bin/tether') });
  });

  it('fails at once when the project root is not a directory', async () => {
    const { companion } = makeCompanion({ projectRoot: '/nonexistent/project' });
    await companion.start();
    expect(companion.state().gateway.state).toBe('failed');
    expect(companion.state().gateway.reason).toContain('project root /nonexistent/project is not a directory');
  });
});
