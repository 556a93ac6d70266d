/**
 * The gateway's local socket (`tether rpc --listen`): what attaching saves the CLI,
 * what the socket costs against stdio, and how many answers it gives many clients.
 *
 * 1. `tether agent --json` per message, attached to a serving gateway versus
 *    `--no-attach` (a gateway of its own in process), alternating, every reply and
 *    `meta.via` checked. Both pay the Node start-up; attaching saves loading and
 *    opening the gateway. Target: attached ≤ 100 ms per message (mean).
 * 2. `status` round trips, one in flight, on the child's stdio and on a socket
 *    connection of the same child, in alternating blocks after a warm-up, so noise
 *    lands on both. Target: socket p50 ≤ 1.5× stdio p50.
 * 3. 8 socket clients each pipelining 1,000 `status` requests at once; the time
 *    from the first write to the last answer, best of a few rounds is not taken:
 *    the median is. Target: ≥ 50,000 answers/s in total.
 */
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { CLI_PATH, ensureBuilt, runOneShot, startTether, tetherEnv, type BenchChild } from './lib/children.js';
import { LineClient, check, clip, expectResult, parseMessage, replyText } from './lib/line-client.js';
import { formatInt, formatMs, formatRatio, formatUs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs, median } from './lib/stats.js';

const AGENT_WARMUP = 2;
const AGENT_MESSAGES = 20;
const AGENT_TARGET_MS = 100;
const TRIP_WARMUP = 3000;
const TRIP_ROUNDS = 10;
const TRIPS_PER_ROUND = 500;
const TRIP_TARGET_RATIO = 1.5;
const CLIENTS = 8;
const PIPELINED = 1000;
const THROUGHPUT_ROUNDS = 5;
const THROUGHPUT_TARGET = 50_000;

/** A line client on a new connection to the gateway's socket. */
async function connect(path: string, child: BenchChild): Promise<{ client: LineClient; socket: Socket }> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const attempt = createConnection(path);
    attempt.once('connect', () => resolve(attempt));
    attempt.once('error', reject);
  });
  return { socket, client: new LineClient(socket, socket, () => `socket ${path} of pid ${child.pid}; stderr: ${clip(child.stderrTail())}`) };
}

/** One `tether agent --json`; returns its wall time in ns. */
async function agentSend(home: string, index: number, attach: boolean): Promise<number> {
  const text = `hello ${index}`;
  const what = `tether agent${attach ? '' : ' --no-attach'} #${index}`;
  const start = process.hrtime.bigint();
  const result = await runOneShot([CLI_PATH, 'agent', '--message', text, '--json', ...(attach ? [] : ['--no-attach'])], tetherEnv(home));
  const ns = elapsedNs(start);
  check(result.code === 0, () => `${what} exited with ${result.code ?? result.signal}: ${clip(result.stderr || result.stdout)}`);
  const payload = parseMessage(result.stdout.trim()) as Record<string, unknown>;
  check(replyText(payload, what) === `echo: ${text}`, () => `${what}: wrong reply ${clip(result.stdout)}`);
  const via = (payload.meta as { via?: string }).via;
  check(via === (attach ? 'gateway' : 'in-process'), () => `${what}: served ${String(via)}`);
  return ns;
}

/** `count` sequential status round trips on `client`; ids from `firstId`. */
async function roundTrips(client: LineClient, pid: number, firstId: number, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let id = firstId; id < firstId + count; id++) {
    const what = `status #${id}`;
    const start = process.hrtime.bigint();
    const { response } = await client.exchange(`{"type":"status","id":${id}}\n`, id, what);
    samples.push(elapsedNs(start));
    check(expectResult(response, what).pid === pid, () => `${what}: answered by another pid`);
  }
  return samples;
}

/** Every client writes `PIPELINED` status requests at once and waits for all its answers; returns the total time in ns. */
async function pipelinedRound(clients: LineClient[], round: number): Promise<number> {
  const batch = (offset: number) => {
    let lines = '';
    for (let i = 0; i < PIPELINED; i++) lines += `{"type":"status","id":${offset + i}}\n`;
    return lines;
  };
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map((client, c) => {
      const offset = (round * CLIENTS + c) * PIPELINED;
      let answered = 0;
      const done = client.until((line) => {
        const message = parseMessage(line);
        if (message.type !== 'result') return false; // events are not answers
        check(typeof message.id === 'number' && message.id >= offset && message.id < offset + PIPELINED, () => `client ${c}: unexpected answer ${clip(line)}`);
        return ++answered === PIPELINED;
      }, `${PIPELINED} answers on client ${c}`);
      client.write(batch(offset));
      return done;
    }),
  );
  return elapsedNs(start);
}

/** Runs the figures and prints their tables. */
export async function measureSocket(): Promise<SummaryRow[]> {
  ensureBuilt();
  const child = await startTether([], undefined, {}, ['--listen']);
  const home = child.home!;
  const path = join(home, 'run', 'gateway.sock');
  const sockets: Socket[] = [];
  try {
    // 1. tether agent, attached vs in process.
    const attached: number[] = [];
    const alone: number[] = [];
    for (let i = 0; i < AGENT_WARMUP; i++) {
      await agentSend(home, i, true);
      await agentSend(home, i, false);
    }
    for (let i = 0; i < AGENT_MESSAGES; i++) {
      const first = i % 2 === 0;
      (first ? attached : alone).push(await agentSend(home, 100 + i, first));
      (first ? alone : attached).push(await agentSend(home, 200 + i, !first));
    }
    const viaSocket = distribution(attached);
    const inProcess = distribution(alone);
    printTable(
      `tether agent --json (echo, no delay): wall time per message, ${AGENT_MESSAGES} each, alternating`,
      ['path', 'messages', 'mean ms', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['attached (through the socket)', formatInt(viaSocket.count), formatMs(viaSocket.mean), formatMs(viaSocket.p50), formatMs(viaSocket.p99), formatMs(viaSocket.max)],
        ['in process (--no-attach)', formatInt(inProcess.count), formatMs(inProcess.mean), formatMs(inProcess.p50), formatMs(inProcess.p99), formatMs(inProcess.max)],
        ['attached / in process', '', formatRatio(viaSocket.mean / inProcess.mean), formatRatio(viaSocket.p50 / inProcess.p50), '', ''],
      ],
    );

    // 2. Round trips: stdio vs socket, on the same child.
    const { client: socketClient, socket } = await connect(path, child);
    sockets.push(socket);
    const sides = [
      { name: 'stdio', client: child.client, samples: [] as number[] },
      { name: 'socket', client: socketClient, samples: [] as number[] },
    ];
    let nextId = 1;
    for (const side of sides) await roundTrips(side.client, child.pid, (nextId += TRIP_WARMUP) - TRIP_WARMUP, TRIP_WARMUP);
    for (let round = 0; round < TRIP_ROUNDS; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        side.samples.push(...(await roundTrips(side.client, child.pid, nextId, TRIPS_PER_ROUND)));
        nextId += TRIPS_PER_ROUND;
      }
    }
    const [stdio, sock] = sides.map((side) => distribution(side.samples)) as [ReturnType<typeof distribution>, ReturnType<typeof distribution>];
    const tripRatio = sock.p50 / stdio.p50;
    printTable(
      `status round trip on one child: sequential, ${formatInt(stdio.count)} per path after ${formatInt(TRIP_WARMUP)} warm-up, alternating blocks of ${TRIPS_PER_ROUND}`,
      ['path', 'trips', 'p50 µs', 'p99 µs', 'mean µs', 'min µs'],
      [
        ['stdio', formatInt(stdio.count), formatUs(stdio.p50), formatUs(stdio.p99), formatUs(stdio.mean), formatUs(stdio.min)],
        ['socket', formatInt(sock.count), formatUs(sock.p50), formatUs(sock.p99), formatUs(sock.mean), formatUs(sock.min)],
        ['socket / stdio', '', formatRatio(tripRatio), formatRatio(sock.p99 / stdio.p99), formatRatio(sock.mean / stdio.mean), ''],
      ],
    );

    // 3. Throughput: 8 clients pipelining.
    const many = await Promise.all(Array.from({ length: CLIENTS }, () => connect(path, child)));
    sockets.push(...many.map((entry) => entry.socket));
    const clients = many.map((entry) => entry.client);
    await pipelinedRound(clients, 0); // warm-up
    const rates: number[] = [];
    for (let round = 1; round <= THROUGHPUT_ROUNDS; round++) rates.push((CLIENTS * PIPELINED) / ((await pipelinedRound(clients, round)) / 1e9));
    const rate = median(rates);
    printTable(
      `${CLIENTS} socket clients each pipelining ${formatInt(PIPELINED)} status requests: answers per second, ${THROUGHPUT_ROUNDS} rounds after a warm-up`,
      ['round', ...rates.map((_, i) => String(i + 1)), 'median'],
      [['answers/s', ...rates.map((r) => formatInt(Math.round(r))), formatInt(Math.round(rate))]],
    );

    return [
      {
        figure: 'tether agent attached, per message',
        measured: `${formatMs(viaSocket.mean)} ms (in process ${formatMs(inProcess.mean)} ms, ${formatRatio(viaSocket.mean / inProcess.mean)})`,
        target: `≤ ${AGENT_TARGET_MS} ms`,
        pass: viaSocket.mean / 1e6 <= AGENT_TARGET_MS,
      },
      {
        figure: 'status round trip p50: socket vs stdio',
        measured: `${formatRatio(tripRatio)} (${formatUs(sock.p50)} vs ${formatUs(stdio.p50)} µs)`,
        target: `≤ ${TRIP_TARGET_RATIO}×`,
        pass: tripRatio <= TRIP_TARGET_RATIO,
      },
      {
        figure: `${CLIENTS} clients pipelining status`,
        measured: `${formatInt(Math.round(rate))} answers/s`,
        target: `≥ ${formatInt(THROUGHPUT_TARGET)}/s`,
        pass: rate >= THROUGHPUT_TARGET,
      },
    ];
  } finally {
    for (const socket of sockets) socket.destroy();
    await child.close();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('socket', measureSocket);
