/**
 * Tree records and the reaper with real processes: a recorded tree of a dead owner
 * is killed, a live owner's is left alone, a pid reused by another process is never
 * signalled, and a group whose root exited is still found by its marked members.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { identityOf, type ProcessIdentity } from '../../../rpc-host/process-tree/process-identity.js';
import { startProcessTree, type ProcessTree } from '../../../rpc-host/process-tree/process-tree.js';
import { reapOrphanedTrees, TreeRecords, treeRecordsDir, type TreeRecord } from '../../../rpc-host/process-tree/tree-records.js';
import { recordingLogger } from '../../helpers/companion.js';
import { isRunning, settleCount } from '../../helpers/processes.js';
import { cleanupRpcChildren, createTempHome } from '../../helpers/rpc-child.js';

const trees: ProcessTree[] = [];
afterEach(async () => {
  for (const tree of trees.splice(0)) {
    tree.signal('SIGKILL');
    await tree.exited;
  }
  await cleanupRpcChildren();
});

/** A real tree: `sh -c script`, resolved once it printed its first line; `root` read at spawn, as the provider does. */
async function startTree(script: string): Promise<ProcessTree & { root: ProcessIdentity }> {
  const tree = startProcessTree({ file: 'sh', args: ['-c', script], env: process.env });
  const root = identityOf(tree.pid!)!;
  trees.push(tree);
  await new Promise<void>((resolve) => tree.child.stdout.once('data', () => resolve()));
  return Object.assign(tree, { root });
}

/** An owner that is gone: a pid that exited (its start time can no longer match). */
const DEAD_OWNER = { pid: 2 ** 22 + 7, startTime: '1' };

function writeRecords(dir: string, owner: { pid: number; startTime: string }, records: TreeRecord[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${owner.pid}-${owner.startTime}.json`);
  writeFileSync(file, JSON.stringify({ owner, trees: records }));
  return file;
}

// Linux only: records are written and checked through /proc (process start times, environ markers).
describe.skipIf(process.platform !== 'linux')('tree records and the reaper', () => {
  it('kills a recorded tree whose owner is gone, and removes the record', async () => {
    const tree = await startTree('echo started; exec sleep 300');
    const dir = treeRecordsDir(createTempHome());
    const file = writeRecords(dir, DEAD_OWNER, [{ root: identityOf(tree.pid!)!, marker: tree.marker, label: 'provider "s"', termGraceMs: 0 }]);
    const logger = recordingLogger();
    const reaped = await reapOrphanedTrees(dir, logger);
    expect(reaped).toEqual([{ label: 'provider "s"', pgid: tree.pid, owner: DEAD_OWNER.pid, gone: true }]);
    expect(await settleCount(() => (isRunning(tree.pid!) ? 1 : 0), 0, 2000)).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(logger.lines.some((line) => line.includes(`reaping provider "s" (process group ${tree.pid})`))).toBe(true);
  });

  it('never signals a pid that now belongs to another process (start time and marker differ)', async () => {
    const stranger = await startTree('echo started; exec sleep 300');
    const dir = treeRecordsDir(createTempHome());
    const file = writeRecords(dir, DEAD_OWNER, [{ root: { pid: stranger.pid!, startTime: '12345' }, marker: 'another-tree', label: 'provider "s"', termGraceMs: 0 }]);
    expect(await reapOrphanedTrees(dir, recordingLogger())).toEqual([]);
    expect(isRunning(stranger.pid!)).toBe(true);
    expect(existsSync(file)).toBe(false); // the record was stale: gone
  });

  it('leaves the trees of an owner that still runs', async () => {
    const owner = await startTree('echo started; exec sleep 300');
    const tree = await startTree('echo started; exec sleep 300');
    const dir = treeRecordsDir(createTempHome());
    const file = writeRecords(dir, identityOf(owner.pid!)!, [{ root: identityOf(tree.pid!)!, marker: tree.marker, label: 'gateway', termGraceMs: 0 }]);
    expect(await reapOrphanedTrees(dir, recordingLogger())).toEqual([]);
    expect(isRunning(tree.pid!)).toBe(true);
    expect(existsSync(file)).toBe(true);
  });

  it('finds a group whose root exited by the marker of its members', async () => {
    const tree = await startTree('sleep 300 & echo started');
    const { root } = tree;
    await tree.exited; // sh is gone; its sleep stays in the group
    const dir = treeRecordsDir(createTempHome());
    writeRecords(dir, DEAD_OWNER, [{ root, marker: tree.marker, label: 'provider "s"', termGraceMs: 0 }]);
    const reaped = await reapOrphanedTrees(dir, recordingLogger());
    expect(reaped).toMatchObject([{ pgid: tree.pid, gone: true }]);
    expect(tree.isAlive()).toBe(false);
  });

  it('TreeRecords writes one file per owner while trees run and removes it when none is left', async () => {
    const tree = await startTree('echo started; exec sleep 300');
    const dir = treeRecordsDir(createTempHome());
    const records = new TreeRecords(dir);
    records.add(tree, 'provider "s"', 0);
    const me = identityOf(process.pid)!;
    expect(readdirSync(dir)).toEqual([`${me.pid}-${me.startTime}.json`]);
    expect(await reapOrphanedTrees(dir, recordingLogger())).toEqual([]); // its owner (this process) runs
    records.remove(tree);
    expect(readdirSync(dir)).toEqual([]);
  });
});
