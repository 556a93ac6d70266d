/**
 * Records of the process trees a process started, kept on disk so they can be
 * reaped after it died without stopping them (SIGKILL, a crash, power cut to the app).
 *
 * A tree runs in a group of its own, so killing its parent leaves it running, and a
 * dead parent's exit hooks never run. So each owner (the gateway for its `command`
 * providers, the app for its gateway child) writes the trees it has running to
 * `<data dir>/run/children/<pid>-<start time>.json`, one file per owner so that
 * owners sharing a data dir (the gateway, a one-shot `tether agent`, the app) never
 * write the same file. A reaper (`reapOrphanedTrees`: the supervisor when the
 * gateway exits, the gateway and the app when they start) kills the trees of owners
 * that are gone, after checking each tree is still the one recorded
 * (`process-identity.ts`): a pid reused by an unrelated program is never signalled.
 *
 * Without `/proc` nothing could be checked later, so nothing is recorded.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { errorMessage } from '../protocol/errors.js';
import { hasEnvMarker, identityOf, isSameProcess, liveGroupMembers, type ProcessIdentity } from './process-identity.js';
import { NODE_SYSTEM, signalTree, TREE_MARKER_ENV, type ProcessTree } from './process-tree.js';

/** How long a reaper waits for a SIGKILLed tree to be gone before it reports it left. */
const KILL_WAIT_MS = 1000;
const POLL_MS = 20;

const IdentitySchema = z.object({ pid: z.number().int().positive(), startTime: z.string().min(1) });

const TreeRecordSchema = z.object({
  /** The root; on POSIX its pid is the tree's process group id. */
  root: IdentitySchema,
  /** The value of `TETHER_PROCESS_TREE` in the tree's environment. */
  marker: z.string().min(1),
  /** What it is, for log lines: `gateway`, `provider "s" (sleep)`. */
  label: z.string(),
  /** How long it gets after SIGTERM before SIGKILL when reaped; 0 kills it at once. */
  termGraceMs: z.number().int().nonnegative(),
});
export type TreeRecord = z.infer<typeof TreeRecordSchema>;

const RecordsFileSchema = z.object({ owner: IdentitySchema, trees: z.array(TreeRecordSchema) });

/** Where the records of a data dir live. */
export function treeRecordsDir(dataDir: string): string {
  return join(dataDir, 'run', 'children');
}

/** Log lines of a reap; the logger of either side fits. */
export interface ReapLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * This process's record file in one records dir: trees are added when started and
 * removed when gone. One instance per dir and process (`treeRecordsOf`), so two
 * gateways in one process (tests) do not overwrite each other's list.
 */
export class TreeRecords {
  private readonly trees = new Map<ProcessTree, TreeRecord>();
  private readonly file: string | undefined;
  private readonly owner: ProcessIdentity | undefined;

  constructor(readonly dir: string) {
    this.owner = identityOf(process.pid);
    this.file = this.owner === undefined ? undefined : join(dir, `${this.owner.pid}-${this.owner.startTime}.json`);
  }

  /** Records a started tree (call it right after the spawn, before its exit can be handled). */
  add(tree: ProcessTree, label: string, termGraceMs: number): void {
    if (this.file === undefined || tree.pid === undefined) return; // nothing to check it by later, or never started
    const root = identityOf(tree.pid);
    if (root === undefined) return; // no /proc entry to check it by later: not recorded
    this.trees.set(tree, { root, marker: tree.marker, label, termGraceMs });
    this.write();
  }

  /** Forgets a tree that is gone (or that a stop took care of). */
  remove(tree: ProcessTree): void {
    if (!this.trees.delete(tree)) return; // never recorded
    this.write();
  }

  private write(): void {
    const file = this.file!;
    try {
      if (this.trees.size === 0) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(this.dir, { recursive: true });
      // Written whole and renamed into place, so a reaper never reads half a file.
      const temp = `${file}.tmp`;
      writeFileSync(temp, JSON.stringify({ owner: this.owner, trees: [...this.trees.values()] }));
      renameSync(temp, file);
    } catch (error) {
      // Recording is a safety net: a read-only data dir must not stop a run.
      process.emitWarning(`could not record process trees in ${this.dir}: ${errorMessage(error)}`);
    }
  }
}

const instances = new Map<string, TreeRecords>();

/** This process's records in `dir` (one instance per dir). */
export function treeRecordsOf(dir: string): TreeRecords {
  let records = instances.get(dir);
  if (records === undefined) {
    records = new TreeRecords(dir);
    instances.set(dir, records);
  }
  return records;
}

/** A tree a reaper killed. */
export interface ReapedTree {
  label: string;
  pgid: number;
  owner: number;
  /** False if something of it still ran after SIGKILL and the wait. */
  gone: boolean;
}

/**
 * Kills the recorded trees of owners that are gone, and removes their records.
 *
 * Each tree is checked first: its root still runs with the recorded start time, or
 * a live member of its group carries its marker. A gateway tree gets SIGTERM and
 * its grace before SIGKILL; a provider of a dead gateway is killed at once (no one
 * is left to read it). Runs in passes: killing a leftover gateway makes its own
 * providers' records reapable in the next one.
 */
export async function reapOrphanedTrees(dir: string, logger: ReapLogger): Promise<ReapedTree[]> {
  const reaped: ReapedTree[] = [];
  for (let pass = 0; pass < 4; pass++) {
    const orphans = readOrphanRecords(dir, logger);
    if (orphans.length === 0) break;
    const victims = orphans.flatMap(({ owner, trees }) => trees.filter(isRecordedTreeAlive).map((tree) => ({ owner, tree })));
    for (const { owner, tree } of victims) {
      logger.warn(`reaping ${tree.label} (process group ${tree.root.pid}) left running by pid ${owner.pid}, which is gone`);
      signalQuietly(tree.root.pid, tree.termGraceMs > 0 ? 'SIGTERM' : 'SIGKILL');
    }
    const graceMs = Math.max(0, ...victims.map(({ tree }) => tree.termGraceMs));
    if (graceMs > 0 && !(await waitUntilGone(victims.map(({ tree }) => tree), graceMs))) {
      for (const { tree } of victims) if (isRecordedTreeAlive(tree)) signalQuietly(tree.root.pid, 'SIGKILL');
    }
    await waitUntilGone(victims.map(({ tree }) => tree), KILL_WAIT_MS);
    for (const { owner, tree } of victims) {
      const gone = !isRecordedTreeAlive(tree);
      if (!gone) logger.warn(`${tree.label} (process group ${tree.root.pid}) still runs after SIGKILL`);
      reaped.push({ label: tree.label, pgid: tree.root.pid, owner: owner.pid, gone });
    }
    for (const { file } of orphans) rmSync(file, { force: true });
  }
  return reaped;
}

interface OrphanRecords {
  file: string;
  owner: ProcessIdentity;
  trees: TreeRecord[];
}

/** The record files in `dir` whose owner is gone; unreadable ones are logged and skipped. */
function readOrphanRecords(dir: string, logger: ReapLogger): OrphanRecords[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no records dir: nothing was ever recorded here
  }
  const orphans: OrphanRecords[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue; // a temp file being written
    const file = join(dir, name);
    let parsed: z.infer<typeof RecordsFileSchema>;
    try {
      parsed = RecordsFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed by its owner meanwhile
      logger.warn(`ignoring process record ${file}: ${errorMessage(error)}; remove it if it stays`);
      continue;
    }
    if (parsed.owner.pid === process.pid || isSameProcess(parsed.owner)) continue; // its owner runs and looks after it
    orphans.push({ file, owner: parsed.owner, trees: parsed.trees });
  }
  return orphans;
}

/** True while the recorded tree still runs: its root (same start time) or a marked member of its group. */
function isRecordedTreeAlive(tree: TreeRecord): boolean {
  if (isSameProcess(tree.root)) return true;
  return liveGroupMembers(tree.root.pid).some((pid) => hasEnvMarker(pid, TREE_MARKER_ENV, tree.marker));
}

function signalQuietly(pgid: number, signal: NodeJS.Signals): void {
  try {
    signalTree(pgid, signal, NODE_SYSTEM);
  } catch {
    // EPERM: not ours to signal after all; reported as still running
  }
}

async function waitUntilGone(trees: readonly TreeRecord[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!trees.some(isRecordedTreeAlive)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
