/**
 * Who a pid is: its start time and its process group, read from `/proc`.
 *
 * A pid alone names a process only while it runs; after it exits the number is
 * reused. A reaper that kills what an earlier run recorded must first check that
 * the process is the one recorded: same pid and same start time (field 22 of
 * `/proc/<pid>/stat`, clock ticks since boot), or, for a group whose root is gone,
 * a member carrying the tree's marker in its environment. Where there is no
 * `/proc` (macOS, Windows) nothing can be checked, so nothing is reaped.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process as recorded: its pid and when it started (opaque, comparable for equality). */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

interface StatFields {
  state: string;
  pgrp: number;
  startTime: string;
}

/** The fields of `/proc/<pid>/stat` we use, or undefined when it is gone or there is no /proc. */
function readStat(pid: number): StatFields | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp … starttime …": comm may hold spaces and parentheses, so split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, pgrp: Number(fields[2]), startTime: fields[19]! };
}

/** True when this system has `/proc`, so identities can be read and checked. */
export function canCheckIdentity(): boolean {
  return readStat(process.pid) !== undefined;
}

/**
 * The identity of a pid; undefined if it is gone or cannot be read. A zombie has
 * one too: a child that exited before it could be recorded (a fast `sh -c 'x &'`)
 * still names its group, and its pid is not reused until its parent reaps it.
 */
export function identityOf(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : { pid, startTime: stat.startTime };
}

/** True while the recorded process still runs (not a zombie): same pid, same start time. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  const stat = readStat(recorded.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.startTime === recorded.startTime;
}

/** The pids of group `pgid` that still run (zombies no longer run anything). Linux only: [] without /proc. */
export function liveGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/u.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(entry));
  }
  return members;
}

/** True when `pid`'s environment holds `name=value` (false when it cannot be read). */
export function hasEnvMarker(pid: number, name: string, value: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${name}=${value}`);
  } catch {
    return false; // gone, or not ours to read
  }
}

/**
 * True if a process of group `pgid` is still running. A zombie no longer runs
 * anything, but still answers `kill(-pgid, 0)` until its new parent reaps it, which
 * a container's init may never do: so where there is /proc, look there and ignore zombies.
 */
export function processGroupHasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // EPERM: exists, but not ours to signal
  }
  return process.platform === 'linux' ? liveGroupMembers(pgid).length > 0 : true;
}
