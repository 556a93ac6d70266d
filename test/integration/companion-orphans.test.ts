/**
 * A gateway that outlives the app (issue 17 item 2): one that ignores stdin EOF
 * keeps running after a SIGKILL of the app; the next app start on the same data dir
 * reaps it, and its grandchild, having checked they are the processes recorded.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCompanions, makeCompanion, waitForRunning } from '../helpers/companion.js';
import { isRunning } from '../helpers/processes.js';
import { CLI_PATH, cleanupRpcChildren, createTempHome } from '../helpers/rpc-child.js';

const APP = fileURLToPath(new URL('../fixtures/companion-app.mjs', import.meta.url));
const STUBBORN = fileURLToPath(new URL('../fixtures/stubborn-gateway.mjs', import.meta.url));

let leftovers: number[] = [];
afterEach(async () => {
  await cleanupCompanions();
  // A failing test must not leave the stubborn gateway behind.
  for (const pid of leftovers.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  await cleanupRpcChildren();
});

// Linux only: the leftover gateway is found and counted through /proc, the only place its identity can be checked.
describe.skipIf(process.platform !== 'linux')('a gateway left running by an app that died', () => {
  it('is reaped, with its grandchild, when the next app starts on the data dir', async () => {
    const root = createTempHome();
    const dataDir = join(root, 'data');
    const pidFile = join(root, 'pids.json');
    const app = spawn(process.execPath, [APP, dataDir, join(root, 'settings'), process.execPath, STUBBORN, pidFile, CLI_PATH], { stdio: ['ignore', 'pipe', 'inherit'] });
    leftovers = [app.pid!];
    await new Promise<void>((resolve, reject) => {
      app.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().startsWith('running')) resolve();
      });
      app.on('exit', (code) => reject(new Error(`the app fixture exited with ${code} before its gateway ran`)));
    });
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { stubborn: number; host: number; lingerer: number };
    leftovers.push(pids.stubborn, pids.lingerer);
    app.kill('SIGKILL');
    await new Promise((resolve) => app.once('exit', resolve));
    expect(isRunning(pids.stubborn)).toBe(true); // it ignores stdin EOF
    expect(isRunning(pids.lingerer)).toBe(true);

    const { companion, logger } = makeCompanion({ dataDir });
    await companion.start();
    await waitForRunning(companion);
    expect(isRunning(pids.stubborn)).toBe(false);
    expect(isRunning(pids.lingerer)).toBe(false);
    expect(logger.lines.some((line) => line.includes(`reaping gateway pid ${pids.stubborn}`))).toBe(true);
  });
});
