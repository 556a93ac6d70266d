/**
 * Process checks for abort tests: whether a pid still runs (a zombie waiting for
 * its parent to reap it counts as gone: it no longer runs any code).
 */
import { readFileSync } from 'node:fs';

/** True while `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    try {
      process.kill(pid, 0); // no /proc (macOS): ask the kernel
      return true;
    } catch {
      return false;
    }
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
