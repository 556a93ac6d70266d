/**
 * Orphans: processes a `command` provider leaves behind when the gateway under it
 * dies or is shut down (issue 17 item 1). Linux only: processes are counted by
 * scanning /proc for a marker in their environment, never assumed gone.
 *
 * The provider runs `sh -c 'sleep 321 & sleep 322; wait'` (three processes, in a
 * process group of their own), each tagged with `ORPHAN_PROBE=<uuid>` through the
 * entry's `env`. Three tables:
 * - supervisor: a companion supervises the compiled gateway with restarts held off
 *   for a minute (so only the supervisor's reap can clear them); each sample sends,
 *   waits for the three, SIGKILLs the gateway, and times until none is left;
 * - next start: a plain `tether rpc` is SIGKILLed during the run (what is left then
 *   shows the hazard), then a new `tether rpc` starts on the same data dir; counted
 *   once it answered `status`, and timed until none is left;
 * - shutdown: the app's `shutdown()` with `shutdownGraceMs` 5000 while the run
 *   outlasts it (the case where the old 2 s + 2 s stop stages killed the host first).
 * Target: 0 left in each, 1 s after the kill for the supervisor.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCompanion, type Companion } from '../main/core/index.js';
import { silentLogger } from '../rpc-host/log.js';
import { CLI_PATH, ensureBuilt, makeTempHome, removeTempHome, tetherEnv } from './lib/children.js';
import { waitForState } from './lib/companions.js';
import { check } from './lib/line-client.js';
import { formatInt, formatMs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';

const SAMPLES = 5;
/** Processes the provider starts: sh and two sleeps. */
const PROVIDER_PROCESSES = 3;
/** How long after the kill the supervisor's reap should be done. */
const REAP_DEADLINE_MS = 1000;
/** Longest a table waits for the count to reach 0 before it reports what is left. */
const GIVE_UP_MS = 5000;
const SHUTDOWN_GRACE_MS = 5000;

/** Live (non-zombie) processes with `ORPHAN_PROBE=probe` in their environment. */
function marked(probe: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`ORPHAN_PROBE=${probe}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!)) found.push(Number(entry));
    } catch {
      // exited while we looked, or not ours
    }
  }
  return found;
}

/** Kills whatever a sample left (so the next one starts clean) and returns how many that was. */
function sweep(probe: string): number {
  const left = marked(probe);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return left.length;
}

async function waitForMarked(probe: string, count: number, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (marked(probe).length < count) {
    check(Date.now() < deadline, () => `${what}: the provider's ${count} processes did not start within 10 s`);
    await sleep(10);
  }
}

/** Polls until none is left; the time it took in ns from `since`, or null if some remain after `GIVE_UP_MS`. */
async function timeUntilNone(probe: string, since: bigint): Promise<bigint | null> {
  const deadline = Date.now() + GIVE_UP_MS;
  while (marked(probe).length > 0) {
    if (Date.now() >= deadline) return null;
    await sleep(5);
  }
  return process.hrtime.bigint() - since;
}

function writeConfig(dataDir: string, probe: string, extra: Record<string, unknown> = {}): void {
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({ provider: 's', providers: { s: { type: 'command', argv: ['sh', '-c', 'sleep 321 & sleep 322; wait'], env: { ORPHAN_PROBE: probe } } }, ...extra }),
  );
}

/** A companion on `home` whose data dir's config runs the marked provider; restarts held off for a minute. */
function makeCompanion(home: string, probe: string, extra: Record<string, unknown> = {}): Companion {
  const dataDir = join(home, 'data');
  mkdirSync(dataDir, { recursive: true });
  writeConfig(dataDir, probe, extra);
  return createCompanion({
    dataDir,
    settingsDir: join(home, 'settings'),
    projectRoot: home,
    env: tetherEnv(dataDir),
    command: { file: process.execPath, args: [CLI_PATH] },
    logger: silentLogger,
    restartPolicy: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
}

interface SupervisorSample {
  atKill: number;
  atExitSeen: number;
  atDeadline: number;
  /** Kill until none was left; null if some remained after `GIVE_UP_MS`. */
  noneLeftNs: bigint | null;
}

/** SIGKILL of the gateway during a run; the supervisor reaps. */
async function supervisorSample(index: number): Promise<SupervisorSample> {
  const home = makeTempHome();
  const probe = randomUUID();
  const companion = makeCompanion(home, probe);
  try {
    await companion.setHeartbeats(false);
    await companion.start();
    const running = await waitForState(companion, (state) => state.gateway.state === 'running', `supervisor sample ${index}: the start`);
    companion.send({ text: 'hi' }).catch(() => {}); // fails when the gateway dies
    await waitForMarked(probe, PROVIDER_PROCESSES, `supervisor sample ${index}`);
    const atKill = marked(probe).length;
    const killedAt = process.hrtime.bigint();
    process.kill(running.gateway.pid!, 'SIGKILL');
    await waitForState(companion, (state) => state.gateway.state === 'restarting', `supervisor sample ${index}: the exit`);
    const atExitSeen = marked(probe).length;
    const noneLeftNs = await timeUntilNone(probe, killedAt);
    const sinceKillMs = Number(process.hrtime.bigint() - killedAt) / 1e6;
    if (sinceKillMs < REAP_DEADLINE_MS) await sleep(REAP_DEADLINE_MS - sinceKillMs);
    return { atKill, atExitSeen, atDeadline: marked(probe).length, noneLeftNs };
  } finally {
    await companion.shutdown();
    sweep(probe);
    removeTempHome(home);
  }
}

interface NextStartSample {
  afterKill: number;
  afterStatus: number;
  /** Left once the count reached 0 or `GIVE_UP_MS` passed. */
  leftAtEnd: number;
  /** New gateway spawned until none was left; null if some remained after `GIVE_UP_MS`. */
  noneLeftNs: bigint | null;
}

/** Starts `tether rpc` on `home`; resolves once it answered `status`, with the child. */
async function startGateway(home: string, what: string) {
  const child = spawn(process.execPath, [CLI_PATH, 'rpc'], { env: tetherEnv(home), stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.on('error', () => {}); // EPIPE once killed
  const answered = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"id":"ready"')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`${what}: tether rpc exited (code ${code}, signal ${signal}) before answering status`)));
  });
  child.stdin.write('{"type":"status","id":"ready"}\n');
  await answered;
  return child;
}

/** SIGKILL of a plain `tether rpc` during a run; the next one on the data dir reaps. */
async function nextStartSample(index: number): Promise<NextStartSample> {
  const home = makeTempHome();
  const probe = randomUUID();
  writeConfig(home, probe);
  const first = await startGateway(home, `next-start sample ${index}`);
  try {
    first.stdin.write('{"type":"send","id":1,"text":"hi"}\n');
    await waitForMarked(probe, PROVIDER_PROCESSES, `next-start sample ${index}`);
    first.kill('SIGKILL');
    await new Promise((resolve) => (first.exitCode !== null || first.signalCode !== null ? resolve(undefined) : first.once('exit', resolve)));
    const afterKill = marked(probe).length;
    const spawnedAt = process.hrtime.bigint();
    const second = await startGateway(home, `next-start sample ${index}, the second gateway`);
    const afterStatus = marked(probe).length;
    const noneLeftNs = await timeUntilNone(probe, spawnedAt);
    const leftAtEnd = marked(probe).length;
    second.stdin.end();
    await new Promise((resolve) => second.once('exit', resolve));
    return { afterKill, afterStatus, leftAtEnd, noneLeftNs };
  } finally {
    first.kill('SIGKILL');
    sweep(probe);
    removeTempHome(home);
  }
}

/** `shutdown()` with a 5 s host grace while the run outlasts it; what is left once it resolved. */
async function shutdownSample(): Promise<{ left: number; exit: string }> {
  const home = makeTempHome();
  const probe = randomUUID();
  const companion = makeCompanion(home, probe, { shutdownGraceMs: SHUTDOWN_GRACE_MS });
  try {
    await companion.setHeartbeats(false);
    await companion.start();
    await waitForState(companion, (state) => state.gateway.state === 'running', 'shutdown sample: the start');
    companion.send({ text: 'hi' }).catch(() => {}); // aborted when the host's grace runs out
    await waitForMarked(probe, PROVIDER_PROCESSES, 'shutdown sample');
    await companion.shutdown();
    const exit = companion.state().gateway.lastExit;
    return { left: marked(probe).length, exit: exit === null ? 'none' : exit.signal ?? `code ${exit.code}` };
  } finally {
    await companion.shutdown();
    sweep(probe);
    removeTempHome(home);
  }
}

const ms = (ns: bigint | null) => (ns === null ? `> ${GIVE_UP_MS}` : formatMs(Number(ns)));

/** Runs the figure and prints its tables. */
export async function measureOrphans(): Promise<SummaryRow[]> {
  ensureBuilt();
  if (process.platform !== 'linux') {
    process.stdout.write('\norphans: skipped (it counts processes through /proc, Linux only; nothing is recorded or reaped without /proc)\n');
    return [];
  }

  const supervisor: SupervisorSample[] = [];
  for (let index = 1; index <= SAMPLES; index++) supervisor.push(await supervisorSample(index));
  printTable(
    `orphans, supervisor: SIGKILL of the gateway during a command provider run (sh + 2 sleeps, own process group); restarts held off, so only the supervisor's reap clears them; ${SAMPLES} samples`,
    ['sample', 'at kill', 'when exit seen', `${REAP_DEADLINE_MS} ms after kill`, 'kill → none left ms'],
    supervisor.map((sample, index) => [`#${index + 1}`, formatInt(sample.atKill), formatInt(sample.atExitSeen), formatInt(sample.atDeadline), ms(sample.noneLeftNs)]),
  );

  const nextStart: NextStartSample[] = [];
  for (let index = 1; index <= SAMPLES; index++) nextStart.push(await nextStartSample(index));
  printTable(
    `orphans, next start: SIGKILL of a plain tether rpc during the run, then a new tether rpc on the same data dir; ${SAMPLES} samples`,
    ['sample', 'after the kill', 'when status answered', 'spawn → none left ms'],
    nextStart.map((sample, index) => [`#${index + 1}`, formatInt(sample.afterKill), formatInt(sample.afterStatus), ms(sample.noneLeftNs)]),
  );

  const shutdown = await shutdownSample();
  printTable(
    `orphans, shutdown: companion.shutdown() with shutdownGraceMs ${SHUTDOWN_GRACE_MS} while the run outlasts it (default stop stages 2 s + 2 s)`,
    ['case', 'left after shutdown', 'gateway exit'],
    [['grace 5000 ms', formatInt(shutdown.left), shutdown.exit]],
  );

  const worstSupervisor = Math.max(...supervisor.map((sample) => sample.atDeadline));
  const worstNextStart = Math.max(...nextStart.map((sample) => sample.leftAtEnd));
  return [
    { figure: `orphans ${REAP_DEADLINE_MS} ms after a gateway SIGKILL (supervisor), worst of ${SAMPLES}`, measured: formatInt(worstSupervisor), target: '0', pass: worstSupervisor === 0 },
    { figure: `orphans after the next gateway start (${GIVE_UP_MS} ms at most), worst of ${SAMPLES}`, measured: formatInt(worstNextStart), target: '0', pass: worstNextStart === 0 },
    { figure: `orphans after shutdown at grace ${SHUTDOWN_GRACE_MS} ms`, measured: formatInt(shutdown.left), target: '0', pass: shutdown.left === 0 },
  ];
}

if (isEntryPoint(import.meta.url)) runStandalone('orphans', measureOrphans);
