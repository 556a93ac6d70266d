/**
 * `status` round-trip latency through the real `tether rpc` child, against the floor.
 *
 * One request in flight at a time: the client writes `{"type":"status","id":N}`,
 * waits for the response carrying id N, and checks it (a successful result from
 * the right pid). The floor gets the very same line and sends it straight back,
 * so both sides pay the same spawn-free steady state: two pipe hops, two event-loop
 * wake-ups, the client's framing and JSON.parse. What is left in the ratio is
 * tether's own work per request (framing, UTF-8 and JSON decoding, zod validation,
 * dispatch, building and serializing the payload). The two children run at the
 * same time and are measured in alternating blocks, so machine noise lands on both.
 * Both are warmed up first: V8 needs a few thousand trips to optimize the hot path.
 * On a 2-core machine the scheduler's choice of waking the child on the client's
 * CPU or the other one is worth tens of microseconds per trip, so the table shows
 * how many blocks ended with child and client on the same CPU (Linux).
 * Wall time on 2 vCPUs depends mostly on which CPU the child wakes on, so the
 * child's own CPU per request (user + system from /proc) is printed for both sides
 * too. /proc counts CPU in 10 ms ticks, so it is measured in blocks long enough
 * for a tick to be noise (CPU_TRIPS per block, about 40 ticks for the floor), in
 * the order tether, floor, floor, tether: a block of 500 trips is one tick or two,
 * and summing ten of those gave ratios anywhere from 2× to 3× for the same build.
 * Targets: p50 within 3× of the floor; CPU per request within 1.5× of the floor's.
 */
import { cpuMs, lastCpu, startSideBySide, type BenchChild } from './lib/children.js';
import { check, expectResult, type WireMessage } from './lib/line-client.js';
import { formatInt, formatRatio, formatUs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';

const WARMUP_TRIPS = 5000;
const ROUNDS = 10;
const TRIPS_PER_ROUND = 500;
const CPU_TRIPS = 40_000;
const TARGET_RATIO = 3;
const TARGET_CPU_RATIO = 1.5;

/** Checks one response; throws when it is not what the side should answer. */
type Verify = (response: WireMessage, child: BenchChild, what: string) => void;

const verifyStatus: Verify = (response, child, what) => {
  const payload = expectResult(response, what);
  check(payload.ok === true && payload.pid === child.pid, () => `${what}: expected ok from pid ${child.pid}, got ${JSON.stringify(payload).slice(0, 200)}`);
};

const verifyEcho: Verify = (response, _child, what) => {
  check(response.type === 'status', () => `${what}: the floor echoed ${JSON.stringify(response)}`);
};

/** Measures `count` sequential status round trips; ids start at `firstId`. */
async function roundTrips(child: BenchChild, verify: Verify, firstId: number, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let id = firstId; id < firstId + count; id++) {
    const line = `{"type":"status","id":${id}}\n`;
    const what = `status #${id} to ${child.name}`;
    const start = process.hrtime.bigint();
    const { response } = await child.client.exchange(line, id, what);
    samples.push(elapsedNs(start));
    verify(response, child, what);
  }
  return samples;
}

/** Runs the figure and prints its table. */
export async function measureStatusRoundTrip(): Promise<SummaryRow[]> {
  const { tether, floor } = await startSideBySide();
  try {
    const sides = [
      { child: tether, verify: verifyStatus, samples: [] as number[], sameCpuBlocks: 0, cpuMs: 0 },
      { child: floor, verify: verifyEcho, samples: [] as number[], sameCpuBlocks: 0, cpuMs: 0 },
    ];
    for (const side of sides) await roundTrips(side.child, side.verify, 1, WARMUP_TRIPS);
    let nextId = WARMUP_TRIPS + 1;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        side.samples.push(...(await roundTrips(side.child, side.verify, nextId, TRIPS_PER_ROUND)));
        nextId += TRIPS_PER_ROUND;
        const cpu = lastCpu(side.child.pid);
        if (cpu !== undefined && cpu === lastCpu(process.pid)) side.sameCpuBlocks++;
      }
    }
    for (const side of [sides[0]!, sides[1]!, sides[1]!, sides[0]!]) {
      const cpuBefore = cpuMs(side.child.pid) ?? 0;
      await roundTrips(side.child, side.verify, nextId, CPU_TRIPS / 2);
      nextId += CPU_TRIPS / 2;
      side.cpuMs += (cpuMs(side.child.pid) ?? 0) - cpuBefore;
    }
    const [mine, base] = sides.map((side) => distribution(side.samples)) as [ReturnType<typeof distribution>, ReturnType<typeof distribution>];
    const ratio = mine.p50 / base.p50;
    const cpuPerTrip = (side: (typeof sides)[number]) => (side.cpuMs * 1000) / CPU_TRIPS; // µs
    const [mineCpu, baseCpu] = [cpuPerTrip(sides[0]!), cpuPerTrip(sides[1]!)];
    const cpuRatio = mineCpu / baseCpu;
    const sameCpu = (blocks: number) => (lastCpu(process.pid) === undefined ? 'n/a' : `${blocks}/${ROUNDS}`);
    printTable(
      `status round trip: sequential, ${formatInt(mine.count)} per child after ${formatInt(WARMUP_TRIPS)} warm-up, alternating blocks of ${TRIPS_PER_ROUND}`,
      ['child', 'trips', 'p50 µs', 'p99 µs', 'mean µs', 'min µs', 'max µs', `child CPU µs/trip (${formatInt(CPU_TRIPS)} trips)`, 'blocks on client CPU'],
      [
        ['tether rpc', formatInt(mine.count), formatUs(mine.p50), formatUs(mine.p99), formatUs(mine.mean), formatUs(mine.min), formatUs(mine.max), mineCpu.toFixed(1), sameCpu(sides[0]!.sameCpuBlocks)],
        ['floor (echo-lines)', formatInt(base.count), formatUs(base.p50), formatUs(base.p99), formatUs(base.mean), formatUs(base.min), formatUs(base.max), baseCpu.toFixed(1), sameCpu(sides[1]!.sameCpuBlocks)],
        ['tether / floor', '', formatRatio(ratio), formatRatio(mine.p99 / base.p99), formatRatio(mine.mean / base.mean), '', '', formatRatio(cpuRatio), ''],
      ],
    );
    return [
      {
        figure: 'status round trip p50 vs floor',
        measured: `${formatRatio(ratio)} (${formatUs(mine.p50)} vs ${formatUs(base.p50)} µs)`,
        target: `≤ ${TARGET_RATIO}×`,
        pass: ratio <= TARGET_RATIO,
      },
      {
        figure: 'status child CPU per request vs floor',
        measured: `${formatRatio(cpuRatio)} (${mineCpu.toFixed(1)} vs ${baseCpu.toFixed(1)} µs)`,
        target: `≤ ${TARGET_CPU_RATIO}×`,
        pass: cpuRatio <= TARGET_CPU_RATIO,
      },
    ];
  } finally {
    await Promise.all([tether.close(), floor.close()]);
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('status round trip', measureStatusRoundTrip);
