/**
 * The process tree: what is spawned and how a tree is signalled on POSIX and on
 * Windows (an injected spawner and kill record it), and once with real processes:
 * a grandchild that ignores SIGTERM goes with the tree.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcessTree, TREE_MARKER_ENV, type TreeSystem } from '../../../rpc-host/process-tree/process-tree.js';
import { isRunning } from '../../helpers/processes.js';
import { cleanupRpcChildren, createTempHome } from '../../helpers/rpc-child.js';

const GRANDCHILD = fileURLToPath(new URL('../../fixtures/spawn-grandchild.sh', import.meta.url));

afterEach(() => cleanupRpcChildren());

interface Spawned {
  file: string;
  args: readonly string[];
  options: SpawnOptions;
  child: FakeChild;
}

class FakeChild extends EventEmitter {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  constructor(readonly pid: number | undefined) {
    super();
  }
}

/** A system that records every spawn and kill; pids count up from 4000 (`failSpawn`: no pid). */
function fakeSystem(platform: NodeJS.Platform, opts: { failSpawn?: boolean; killError?: string; alive?: boolean } = {}) {
  const spawned: Spawned[] = [];
  const kills: Array<[number, NodeJS.Signals | 0]> = [];
  const system: TreeSystem = {
    platform,
    spawn(file, args, options) {
      const child = new FakeChild(opts.failSpawn ? undefined : 4000 + spawned.length);
      spawned.push({ file, args, options, child });
      return child as unknown as ChildProcess;
    },
    kill(pid, signal) {
      kills.push([pid, signal]);
      if (opts.killError) throw Object.assign(new Error(opts.killError), { code: opts.killError });
    },
    groupAlive: () => opts.alive ?? true,
  };
  return { system, spawned, kills };
}

describe('process tree (injected spawner)', () => {
  it('on POSIX starts the root in a group of its own, marked, and signals the whole group', () => {
    const { system, spawned, kills } = fakeSystem('linux');
    const tree = startProcessTree({ file: 'agent', args: ['-p'], cwd: '/work', env: { A: '1' } }, system);
    expect(spawned).toHaveLength(1);
    expect(spawned[0]).toMatchObject({ file: 'agent', args: ['-p'], options: { cwd: '/work', detached: true, stdio: ['pipe', 'pipe', 'pipe'] } });
    expect(spawned[0]!.options.env).toEqual({ A: '1', [TREE_MARKER_ENV]: tree.marker });
    tree.signal('SIGTERM');
    tree.signal('SIGKILL');
    expect(kills).toEqual([[-4000, 'SIGTERM'], [-4000, 'SIGKILL']]);
    expect(tree.isAlive()).toBe(true);
  });

  it('on Windows kills the tree with taskkill /T /F, whatever the signal, and never signals a group', async () => {
    const { system, spawned, kills } = fakeSystem('win32');
    const tree = startProcessTree({ file: 'agent.exe', args: [], env: {} }, system);
    expect(spawned[0]!.options.detached).toBe(false);
    tree.signal('SIGTERM');
    tree.signal('SIGKILL');
    expect(kills).toEqual([]);
    expect(spawned.slice(1).map(({ file, args }) => [file, ...args])).toEqual([
      ['taskkill', '/PID', '4000', '/T', '/F'],
      ['taskkill', '/PID', '4000', '/T', '/F'],
    ]);
    expect(tree.isAlive()).toBe(true);
    spawned[0]!.child.emit('exit', 1, null);
    await tree.exited;
    expect(tree.isAlive()).toBe(false);
  });

  it('a tree already gone (ESRCH) is fine; a refusal (EPERM) is reported', () => {
    expect(() => startProcessTree({ file: 'x', args: [], env: {} }, fakeSystem('linux', { killError: 'ESRCH' }).system).signal('SIGKILL')).not.toThrow();
    expect(() => startProcessTree({ file: 'x', args: [], env: {} }, fakeSystem('linux', { killError: 'EPERM' }).system).signal('SIGKILL')).toThrow(/EPERM/u);
  });

  it('a root that failed to start settles with the spawn error, and signals reach nothing', async () => {
    const { system, spawned, kills } = fakeSystem('linux', { failSpawn: true });
    const tree = startProcessTree({ file: 'nope', args: [], env: {} }, system);
    spawned[0]!.child.emit('error', new Error('spawn nope ENOENT'));
    await expect(tree.exited).resolves.toEqual({ code: null, signal: null, spawnError: 'spawn nope ENOENT' });
    tree.signal('SIGKILL');
    expect(kills).toEqual([]);
    expect(tree.isAlive()).toBe(false);
  });

  it('reports the exit code and signal of the root', async () => {
    const { system, spawned } = fakeSystem('linux');
    const tree = startProcessTree({ file: 'x', args: [], env: {} }, system);
    spawned[0]!.child.emit('exit', null, 'SIGKILL');
    await expect(tree.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    expect(tree.exit).toEqual({ code: null, signal: 'SIGKILL' });
  });
});

// Not on Windows: these start real POSIX process groups (sh, sleep); Windows' taskkill path is tested above with the injected spawner.
describe.skipIf(process.platform === 'win32')('process tree (real processes)', () => {
  it('SIGKILL to the tree takes a grandchild that ignores SIGTERM with it', async () => {
    const pidFile = join(createTempHome(), 'grandchild.pid');
    const tree = startProcessTree({ file: 'sh', args: [GRANDCHILD, pidFile], env: process.env });
    await new Promise<void>((resolve) => tree.child.stdout.once('data', () => resolve())); // "started"
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(grandchild)).toBe(true);
    tree.signal('SIGKILL');
    await tree.exited;
    for (let i = 0; i < 100 && tree.isAlive(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tree.isAlive()).toBe(false);
    expect(isRunning(grandchild)).toBe(false);
  });
});
