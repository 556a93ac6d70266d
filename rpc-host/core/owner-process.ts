/**
 * Whether a turn recorded by another process is still being run by it.
 *
 * Transcripts are shared by every process on a data dir (the gateway, one-shot
 * CLI runs), and a turn with a user message but no reply is either running in its
 * process or was cut off when that process died. Records name the process (pid);
 * it counts as alive when a signal-0 probe finds it and, where `/proc` exists, its
 * command line is a tether one, so a pid reused by an unrelated program after a
 * crash does not keep a dead turn "running".
 */
import { readFileSync } from 'node:fs';

/** True when `pid` is another process of ours that is still alive. */
export function isOtherLiveProcess(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return false; // unknown, or this process (which knows its own runs)
  try {
    process.kill(pid, 0);
  } catch {
    return false; // gone, or another user's (not ours)
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true; // no /proc here: trust the probe
  }
  return /tether|rpc-host|cli\.js/u.test(cmdline);
}
