/**
 * Resident memory of `tether rpc` under a flood of 100,000 garbage lines, and 10 s after.
 *
 * A buggy or hostile client can write anything; every line gets an error answer,
 * and the child must not balloon while it writes them. The bench writes the lines
 * as fast as the pipe takes them while reading every answer (so stdout never backs
 * up and stdin is never paused: this is the child's own cost), samples the kernel's
 * VmRSS every 10 ms, and reads it again after 10 s of idle. Two kinds of garbage:
 * text that cannot start a JSON value (refused before parsing), and broken JSON
 * objects (which go through JSON.parse and throw). Linux only (/proc).
 * Target: peak ≤ 120 MB (10^6 bytes) for both.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTether, type BenchChild } from './lib/children.js';
import { check, parseMessage } from './lib/line-client.js';
import { formatInt, formatMs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { elapsedNs } from './lib/stats.js';

const LINES = 100_000;
const IDLE_MS = 10_000;
const SAMPLE_MS = 10;
const LINES_PER_WRITE = 500;
const TARGET_MB = 120;

const GARBAGE: ReadonlyArray<{ name: string; line: (n: number) => string }> = [
  { name: 'text', line: (n) => `garbage line ${n}: this is not json at all, just noise from a confused client\n` },
  { name: 'broken JSON', line: (n) => `{"type":"send","text":"line ${n} never closes its object"\n` },
];

interface FloodFigures {
  before: number;
  peak: number;
  idle: number;
  floodNs: number;
}

/** VmRSS of `pid` in bytes, from /proc. */
function vmRss(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    throw new Error(`cannot read /proc/${pid}/status (this bench needs Linux): ${String(error)}`);
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/mu.exec(status);
  check(match !== null, () => `no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Writes the flood in pieces of a few hundred lines (waiting when the pipe is full). */
function* floodChunks(line: (n: number) => string): Generator<string> {
  for (let n = 1; n <= LINES; n += LINES_PER_WRITE) {
    let chunk = '';
    for (let i = n; i < n + LINES_PER_WRITE && i <= LINES; i++) chunk += line(i);
    yield chunk;
  }
}

/** Floods one fresh child with one kind of garbage; every line must get a parse or request error. */
async function flood(line: (n: number) => string): Promise<FloodFigures> {
  const child: BenchChild = await startTether();
  try {
    await sleep(1000);
    const before = vmRss(child.pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, vmRss(child.pid));
    }, SAMPLE_MS);
    let answered = 0;
    const started = process.hrtime.bigint();
    try {
      const allAnswered = child.client.until(
        (raw) => {
          const message = parseMessage(raw);
          check(message.type === 'error', () => `expected an error answer to garbage line ${answered + 1}, got ${raw.slice(0, 200)}`);
          return ++answered === LINES;
        },
        `${formatInt(LINES)} error answers`,
        120_000,
      );
      await child.client.writeAll(floodChunks(line));
      await allAnswered;
    } finally {
      clearInterval(sampler);
    }
    const floodNs = elapsedNs(started);
    peak = Math.max(peak, vmRss(child.pid));
    await sleep(IDLE_MS);
    return { before, peak, idle: vmRss(child.pid), floodNs };
  } finally {
    await child.close();
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Runs the figure and prints its table. */
export async function measureFlood(): Promise<SummaryRow[]> {
  const rows: string[][] = [];
  let worstPeak = 0;
  for (const garbage of GARBAGE) {
    const figures = await flood(garbage.line);
    worstPeak = Math.max(worstPeak, figures.peak);
    rows.push([garbage.name, megabytes(figures.before), megabytes(figures.peak), megabytes(figures.idle), formatMs(figures.floodNs)]);
  }
  printTable(
    `RSS of tether rpc under ${formatInt(LINES)} garbage lines (VmRSS sampled every ${SAMPLE_MS} ms; MB = 10^6 bytes)`,
    ['garbage', 'before MB', 'peak MB', `${IDLE_MS / 1000} s after MB`, 'flood ms'],
    rows,
  );
  return [
    {
      figure: `peak RSS under ${formatInt(LINES)} garbage lines`,
      measured: `${megabytes(worstPeak)} MB`,
      target: `≤ ${TARGET_MB} MB`,
      pass: worstPeak <= TARGET_MB * 1e6,
    },
  ];
}

if (isEntryPoint(import.meta.url)) runStandalone('garbage flood', measureFlood);
