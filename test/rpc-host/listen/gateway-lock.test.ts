/**
 * The data dir's lock: taken whole, refused while its holder lives, replaced when
 * its holder is gone or its pid now belongs to a process that started later
 * (a pid alone is no identity), and released only if still ours.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALREADY_SERVING_EXIT_CODE,
  GatewayAlreadyServingError,
  acquireGatewayLock,
  findServingGateway,
  lockPath,
  processStartTime,
  type GatewayLockInfo,
} from '../../../rpc-host/listen/gateway-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-lock-'));
  dirs.push(dir);
  return dir;
}

function writeLock(dir: string, info: Partial<GatewayLockInfo>): void {
  mkdirSync(join(dir, 'run'), { recursive: true });
  const full: GatewayLockInfo = { pid: process.pid, processStart: processStartTime(process.pid), socket: '/elsewhere.sock', dataDir: dir, since: 1, ...info };
  writeFileSync(lockPath(dir), JSON.stringify(full));
}

/** A pid that is certainly not running: a child that has exited and been reaped. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('gateway lock', () => {
  it('is taken by the first gateway, 0600 in a 0700 folder, and names it to readers', () => {
    const dir = dataDir();
    const lock = acquireGatewayLock(dir, '/tmp/x.sock');
    expect(statSync(lockPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(findServingGateway(dir)).toMatchObject({ pid: process.pid, socket: '/tmp/x.sock', dataDir: dir });
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
    expect(findServingGateway(dir)).toBeUndefined();
  });

  it('refuses a second gateway while the holder lives, naming the data dir, pid and socket', () => {
    const dir = dataDir();
    writeLock(dir, { pid: process.pid, socket: '/run/held.sock' });
    let caught: unknown;
    try {
      acquireGatewayLock(dir, '/tmp/mine.sock');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayAlreadyServingError);
    expect((caught as Error).message).toBe(`a gateway is already serving ${dir} (pid ${process.pid}); connect to /run/held.sock`);
    expect((caught as GatewayAlreadyServingError).exitCode).toBe(ALREADY_SERVING_EXIT_CODE);
  });

  it('replaces a lock whose holder is gone', () => {
    const dir = dataDir();
    writeLock(dir, { pid: deadPid() });
    expect(findServingGateway(dir)).toBeUndefined();
    const lock = acquireGatewayLock(dir, '/tmp/new.sock');
    expect(JSON.parse(readFileSync(lockPath(dir), 'utf8'))).toMatchObject({ pid: process.pid, socket: '/tmp/new.sock' });
    lock.release();
  });

  it.runIf(processStartTime(process.pid) !== null)('replaces a lock whose pid now belongs to a process that started at another time', () => {
    const dir = dataDir();
    writeLock(dir, { pid: process.pid, processStart: '1' }); // our pid, but not our start: a reused pid
    expect(findServingGateway(dir)).toBeUndefined();
    acquireGatewayLock(dir, '/tmp/new.sock').release();
  });

  it('replaces a lock that is not one (a torn or foreign file)', () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'run'));
    writeFileSync(lockPath(dir), '{"pid":');
    const lock = acquireGatewayLock(dir, '/tmp/new.sock');
    expect(findServingGateway(dir)?.pid).toBe(process.pid);
    lock.release();
  });

  it('release leaves a lock that is no longer ours', () => {
    const dir = dataDir();
    const lock = acquireGatewayLock(dir, '/tmp/a.sock');
    writeLock(dir, { socket: '/tmp/someone-else.sock' });
    lock.release();
    expect(findServingGateway(dir)?.socket).toBe('/tmp/someone-else.sock');
  });
});
