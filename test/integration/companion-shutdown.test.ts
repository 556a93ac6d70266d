/**
 * Quitting leaves nothing behind: a well-behaved child exits on stdin EOF; a child
 * that ignores SIGTERM and keeps a grandchild is killed with its whole group.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCompanions, isProcessRunning, makeCompanion, waitForRunning } from '../helpers/companion.js';
import { CLI_PATH, cleanupRpcChildren, createTempHome } from '../helpers/rpc-child.js';

const STUBBORN = fileURLToPath(new URL('../fixtures/stubborn-gateway.mjs', import.meta.url));

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  return true;
}

describe('shutdown', () => {
  it('lets a well-behaved gateway exit on stdin EOF, with no signals', async () => {
    const { companion, logger } = makeCompanion();
    await companion.start();
    const running = await waitForRunning(companion);
    const pid = running.gateway.pid!;
    await companion.shutdown();
    expect(isProcessRunning(pid)).toBe(false);
    expect(companion.state().gateway.state).toBe('stopped');
    expect(companion.state().gateway.lastExit).toMatchObject({ code: 0, signal: null });
    expect(logger.lines.filter((line) => line.includes('SIGTERM') || line.includes('SIGKILL'))).toEqual([]);
    await expect(companion.send({ text: 'late' })).rejects.toMatchObject({ code: 'closed' });
  });

  it('kills a child that ignores SIGTERM, and its grandchild, by process group', async () => {
    const pidFile = join(createTempHome(), 'pids.json');
    const { companion, logger } = makeCompanion({ command: { file: process.execPath, args: [STUBBORN, pidFile, CLI_PATH] } });
    await companion.start();
    const running = await waitForRunning(companion);
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { stubborn: number; host: number; lingerer: number };
    expect(running.gateway.pid).toBe(pids.stubborn);
    for (const pid of Object.values(pids)) expect(isProcessRunning(pid)).toBe(true);

    await companion.shutdown();

    for (const pid of Object.values(pids)) expect(isProcessRunning(pid), `pid ${pid} still running`).toBe(false);
    // Only zombies (if any) may remain in the group until init reaps them.
    const members = groupExists(pids.stubborn);
    if (members) for (const pid of Object.values(pids)) expect(isProcessRunning(pid)).toBe(false);
    expect(logger.lines.some((line) => line.includes('sending SIGTERM to its process group'))).toBe(true);
    expect(logger.lines.some((line) => line.includes('sending SIGKILL to its process group'))).toBe(true);
    expect(companion.state().gateway.lastExit).toMatchObject({ signal: 'SIGKILL' });
  });

  it('stops a child that is still starting, leaving nothing behind', async () => {
    const { companion, states } = makeCompanion();
    const starting = companion.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const pid = companion.state().gateway.pid;
    await companion.shutdown();
    await starting;
    if (pid !== null) expect(isProcessRunning(pid)).toBe(false);
    expect(companion.state().gateway.state).toBe('stopped');
    expect(states.some((state) => state.gateway.state === 'running')).toBe(false);
  });
});
