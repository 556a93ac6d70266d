/**
 * Process checks for abort and orphan tests: whether a pid still runs (a zombie
 * waiting for its parent to reap it counts as gone: it no longer runs any code), and
 * which processes carry a marker in their environment, so orphans are counted by
 * scanning, not assumed gone after a sleep.
 */
import { readdirSync, readFileSync } from 'node:fs';

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

/** Live (non-zombie) processes whose environment holds `name=value` (Linux: read from /proc). */
export function processesWithEnv(name: string, value: string): number[] {
  const wanted = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // exited while we looked, or not ours
    }
    if (environ.split('\0').includes(wanted) && isRunning(Number(entry))) found.push(Number(entry));
  }
  return found;
}

/**
 * Polls `count` until it returns `expected` or `timeoutMs` passes, and returns the
 * last count: the caller asserts on it, so a timeout fails with the real number.
 */
export async function settleCount(count: () => number, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = count();
    if (now === expected || Date.now() >= deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls until `count` is at least `atLeast` (processes started); rejects after `timeoutMs`. */
export async function waitForCount(count: () => number, atLeast: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count() < atLeast) {
    if (Date.now() >= deadline) throw new Error(`expected at least ${atLeast} processes within ${timeoutMs} ms, saw ${count()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
