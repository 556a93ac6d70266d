/**
 * One serving gateway per data dir: a lock file that says who serves it and where.
 *
 * `<data dir>/run/gateway.lock` holds the serving gateway's pid, its process start
 * time and its socket path. A pid alone is no identity: after a crash the pid may
 * be reused by an unrelated process. So a lock counts as held only while its pid
 * is alive and, where the OS tells process start times (Linux `/proc`), that pid
 * started when the lock says; elsewhere a live pid is trusted. A lock whose holder
 * is gone is stale and is replaced.
 *
 * The lock is created whole or not at all (written to a temp file, then linked into
 * place, which fails if a lock exists), so a reader never sees half of one.
 * Clients read it to find the socket.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ALREADY_SERVING_EXIT_CODE } from '../exit-codes.js';
import { runDir } from './socket-path.js';

export { ALREADY_SERVING_EXIT_CODE };

const LockSchema = z.object({
  pid: z.number().int().positive(),
  /** The process start time as `/proc/<pid>/stat` tells it (clock ticks since boot), or null where unknown. */
  processStart: z.string().nullable(),
  socket: z.string(),
  dataDir: z.string(),
  since: z.number(),
});

/** What a lock file says about the gateway that holds it. */
export type GatewayLockInfo = z.infer<typeof LockSchema>;

/** The lock file of a data dir. */
export function lockPath(dataDir: string): string {
  return join(runDir(dataDir), 'gateway.lock');
}

/** Another gateway serves the data dir; the message says where to connect instead. */
export class GatewayAlreadyServingError extends Error {
  override readonly name = 'GatewayAlreadyServingError';
  readonly exitCode = ALREADY_SERVING_EXIT_CODE;

  constructor(readonly holder: GatewayLockInfo) {
    super(`a gateway is already serving ${holder.dataDir} (pid ${holder.pid}); connect to ${holder.socket}`);
  }
}

/** The start time of a process, where the OS tells it (Linux); null elsewhere or when it is gone. */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null; // field 22 of the whole line: starttime
}

/** True while the lock's holder is the process that took it. */
export function isHolderAlive(info: GatewayLockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    // EPERM: alive but another user's; a lock in our 0700 folder was not written by them.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (info.processStart === null) return true; // no start times here: trust the pid
  const start = processStartTime(info.pid);
  return start === null || start === info.processStart;
}

/** The lock as written, or undefined when there is none or it cannot be read as one. */
export function readGatewayLock(dataDir: string): { info: GatewayLockInfo | undefined; raw: string } | undefined {
  let raw: string;
  try {
    raw = readFileSync(lockPath(dataDir), 'utf8');
  } catch {
    return undefined; // no lock: nobody serves
  }
  try {
    const parsed = LockSchema.safeParse(JSON.parse(raw));
    return { info: parsed.success ? parsed.data : undefined, raw };
  } catch {
    return { info: undefined, raw };
  }
}

/** The gateway serving `dataDir` now, or undefined when none does (no lock, or a stale one). */
export function findServingGateway(dataDir: string): GatewayLockInfo | undefined {
  const info = readGatewayLock(dataDir)?.info;
  return info !== undefined && isHolderAlive(info) ? info : undefined;
}

/** A held lock; `release` removes it if it is still ours. */
export class GatewayLock {
  private released = false;

  constructor(
    readonly path: string,
    readonly info: GatewayLockInfo,
    private readonly raw: string,
  ) {}

  /** Removes the lock file (synchronous, so an exit hook can call it). */
  release(): void {
    if (this.released) return; // already gone
    this.released = true;
    removeIfUnchanged(this.path, this.raw);
  }
}

/**
 * Takes the lock of `dataDir` for a gateway listening on `socket`.
 *
 * Throws `GatewayAlreadyServingError` when a live gateway holds it; a stale lock
 * (its holder gone) or an unreadable one is removed and taken over.
 */
export function acquireGatewayLock(dataDir: string, socket: string): GatewayLock {
  const path = lockPath(dataDir);
  mkdirSync(runDir(dataDir), { recursive: true, mode: 0o700 });
  const info: GatewayLockInfo = { pid: process.pid, processStart: processStartTime(process.pid), socket, dataDir, since: Date.now() };
  const raw = JSON.stringify(info) + '\n';
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, raw, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, path); // fails with EEXIST when a lock is there: no check-then-write race
        return new GatewayLock(path, info, raw);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const existing = readGatewayLock(dataDir);
      if (existing === undefined) continue; // removed meanwhile: try again
      if (existing.info !== undefined && isHolderAlive(existing.info)) throw new GatewayAlreadyServingError(existing.info);
      removeIfUnchanged(path, existing.raw); // stale: its gateway is gone
    }
    throw new Error(`could not take the gateway lock ${path}: it kept changing while we looked (another gateway starting?); try again`);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
}

/**
 * Removes the lock file if it still holds `raw`. The read and the unlink are two
 * steps; the window between them is what a plain file lock without flock can do.
 */
function removeIfUnchanged(path: string, raw: string): void {
  try {
    if (readFileSync(path, 'utf8') === raw) unlinkSync(path);
  } catch {
    // gone already
  }
}
