/**
 * Pipelined `status` throughput of the `tether rpc` child, against the floor.
 *
 * The client writes N = 50,000 `{"type":"status","id":i}` lines in large chunks
 * (respecting backpressure) without waiting for answers, and stops the clock when
 * the N-th response has arrived; every response is parsed and checked (a successful
 * result, each id exactly once). This is what a burst from the app looks like, and
 * it shows the per-request cost with the per-trip latency of the round-trip bench
 * amortized away. The floor echoes the same lines through the same client, so its
 * lines/s is the ceiling set by pipes, the event loop and the client itself.
 * Target: ≥ 30,000 requests/s.
 */
import { startSideBySide, type BenchChild } from './lib/children.js';
import { check, expectResult, parseMessage, type WireMessage } from './lib/line-client.js';
import { formatInt, formatMs, formatRatio, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { elapsedNs, median } from './lib/stats.js';

const REQUESTS = 50_000;
const WARMUP_REQUESTS = 10_000;
const PASSES = 3;
const LINES_PER_CHUNK = 2000;
const TARGET_PER_SECOND = 30_000;

type Verify = (message: WireMessage) => void;

const verifyStatus: Verify = (message) => {
  const payload = expectResult(message, `status #${String(message.id)}`);
  check(payload.ok === true, () => `status #${String(message.id)}: payload.ok is ${String(payload.ok)}`);
};

const verifyEcho: Verify = (message) => {
  check(message.type === 'status', () => `the floor echoed ${JSON.stringify(message)}`);
};

/** Sends `count` status requests pipelined; resolves with the ns until the last response. */
async function pipelinedPass(child: BenchChild, verify: Verify, firstId: number, count: number): Promise<number> {
  const chunks: string[] = [];
  for (let offset = 0; offset < count; offset += LINES_PER_CHUNK) {
    let chunk = '';
    for (let id = firstId + offset; id < firstId + Math.min(count, offset + LINES_PER_CHUNK); id++) chunk += `{"type":"status","id":${id}}\n`;
    chunks.push(chunk);
  }
  const seen = new Uint8Array(count);
  let received = 0;
  const start = process.hrtime.bigint();
  const allAnswered = child.client.until(
    (line) => {
      const message = parseMessage(line);
      verify(message);
      const index = typeof message.id === 'number' ? message.id - firstId : -1;
      check(index >= 0 && index < count && seen[index] === 0, () => `${child.name}: unexpected or repeated id ${String(message.id)}`);
      seen[index] = 1;
      return ++received === count;
    },
    `${formatInt(count)} pipelined responses`,
    60_000,
  );
  await Promise.all([child.client.writeAll(chunks), allAnswered]);
  return elapsedNs(start);
}

/** Runs the figure and prints its table. */
export async function measureStatusThroughput(): Promise<SummaryRow[]> {
  const { tether, floor } = await startSideBySide();
  try {
    const sides = [
      { child: tether, label: 'tether rpc (req/s)', verify: verifyStatus, rates: [] as number[], times: [] as number[] },
      { child: floor, label: 'floor (lines/s)', verify: verifyEcho, rates: [] as number[], times: [] as number[] },
    ];
    let nextId = 1;
    for (const side of sides) await pipelinedPass(side.child, side.verify, nextId, WARMUP_REQUESTS);
    nextId += WARMUP_REQUESTS;
    for (let pass = 0; pass < PASSES; pass++) {
      for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
        const ns = await pipelinedPass(side.child, side.verify, nextId, REQUESTS);
        side.times.push(ns);
        side.rates.push(REQUESTS / (ns / 1e9));
      }
      nextId += REQUESTS;
    }
    const [mine, base] = sides.map((side) => median(side.rates)) as [number, number];
    printTable(
      `status throughput: ${formatInt(REQUESTS)} pipelined requests per pass, chunks of ${formatInt(LINES_PER_CHUNK)} lines, after ${formatInt(WARMUP_REQUESTS)} warm-up`,
      ['child', ...sides[0]!.rates.map((_, pass) => `pass ${pass + 1}`), 'median /s', 'median ms'],
      [
        ...sides.map((side) => [side.label, ...side.rates.map(formatInt), formatInt(median(side.rates)), formatMs(median(side.times))]),
        ['floor / tether', ...sides[0]!.rates.map(() => ''), formatRatio(base / mine), ''],
      ],
    );
    return [
      {
        figure: 'pipelined status throughput',
        measured: `${formatInt(mine)}/s (floor ${formatInt(base)}/s)`,
        target: `≥ ${formatInt(TARGET_PER_SECOND)}/s`,
        pass: mine >= TARGET_PER_SECOND,
      },
    ];
  } finally {
    await Promise.all([tether.close(), floor.close()]);
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('status throughput', measureStatusThroughput);
