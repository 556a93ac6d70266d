/**
 * Streaming overhead: from an SSE chunk leaving a provider to its `reply.delta`
 * line on the gateway's stdout, against a floor that relays the same stream
 * without the gateway.
 *
 * The bench is the OpenAI-compatible server: it answers a streaming chat request
 * and then writes one SSE chunk at a time, each time waiting until the piece comes
 * out of the child's stdout before writing the next, so every sample is one
 * chunk's trip (server socket → child → stdout pipe → bench) with no queueing. The
 * floor (bench/fixtures/sse-relay.mjs) makes the same fetch and writes a line per
 * piece with nothing else; its time is the transport both share, and tether minus
 * floor is what the gateway adds (SSE parsing, the provider interface, the
 * `reply.delta` event, framing and the stdout batching). 10,000 chunks per side, in
 * blocks of 1,000 (one send each) alternating between the two children, after a
 * warm-up block each. Target: the gateway adds at most 0.5 ms at p50.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT, startNodeScript, startTether, type BenchChild } from './lib/children.js';
import { check, expectResult, parseMessage, replyText } from './lib/line-client.js';
import { formatInt, formatMs, formatUs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs, type Distribution } from './lib/stats.js';

const CHUNKS = 10_000;
const BLOCK = 1_000;
const TARGET_ADDED_P50_MS = 0.5;
const RELAY_PATH = join(ROOT, 'bench', 'fixtures', 'sse-relay.mjs');

/** The bench's own streaming server: each request waits for the bench to write its chunks. */
async function startStreamServer(): Promise<{ baseUrl: string; nextStream(): Promise<ServerResponse>; close(): Promise<void> }> {
  const waiting: Array<(res: ServerResponse) => void> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      const take = waiting.shift();
      check(take !== undefined, () => 'a stream was requested that the bench did not expect');
      take(res);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    nextStream: () => new Promise((resolve) => waiting.push(resolve)),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function chunk(text: string): string {
  return `data: ${JSON.stringify({ id: 'b', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
}
const FINISH = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

/** How one child turns a line into the piece of text it carries. */
interface Side {
  label: string;
  child: BenchChild;
  start(block: number): void;
  pieceOf(line: string): string | undefined;
  /** Waits for the end of a block (the send's result, or the floor's done line) and checks it. */
  finish(block: number, expected: string): Promise<void>;
  samples: number[];
}

async function streamBlock(side: Side, server: Awaited<ReturnType<typeof startStreamServer>>, block: number, count: number, record: boolean): Promise<void> {
  const stream = server.nextStream();
  side.start(block);
  const res = await stream;
  let expected = '';
  for (let i = 0; i < count; i++) {
    const piece = `b${block}p${i} `;
    expected += piece;
    const arrived = side.child.client.until((line) => side.pieceOf(line) === piece, `piece ${piece} from ${side.label}`, 10_000);
    const start = process.hrtime.bigint();
    res.write(chunk(piece));
    await arrived;
    if (record) side.samples.push(elapsedNs(start));
  }
  res.end(FINISH);
  await side.finish(block, expected);
}

/** Runs the figure and prints its table. */
export async function measureStreamOverhead(): Promise<SummaryRow[]> {
  const server = await startStreamServer();
  const tether = await startTether([], { provider: 'bench', providers: { bench: { type: 'openai', baseUrl: server.baseUrl, model: 'bench', streamUsage: false } } });
  const floor = startNodeScript('floor (sse-relay)', RELAY_PATH, [`${server.baseUrl}/chat/completions`]);
  try {
    const sides: Side[] = [
      {
        label: 'tether rpc (chunk → reply.delta)',
        child: tether,
        samples: [],
        start: (block) => tether.client.write(JSON.stringify({ type: 'send', id: `s${block}`, session: `bench-${block}`, text: 'stream please' }) + '\n'),
        pieceOf(line) {
          const message = parseMessage(line);
          if (message.type === 'error') throw new Error(`tether answered an error: ${line}`);
          return message.type === 'event' && message.event === 'reply.delta' ? (message.payload as { text: string }).text : undefined;
        },
        async finish(block, expected) {
          let result: Record<string, unknown> | undefined;
          await tether.client.until((line) => {
            const message = parseMessage(line);
            if (message.id !== `s${block}` || message.type === 'event') return false;
            result = expectResult(message, `send s${block}`);
            return true;
          }, `the result of send s${block}`);
          check(replyText(result!, `send s${block}`) === expected, () => `send s${block}: the reply is not the ${formatInt(expected.length)} streamed characters`);
        },
      },
      {
        label: 'floor (fetch → line)',
        child: floor,
        samples: [],
        start: () => floor.client.write('go\n'),
        pieceOf: (line) => (parseMessage(line) as { text?: string }).text,
        finish: (block) => floor.client.until((line) => (parseMessage(line) as { done?: boolean }).done === true, `the end of floor block ${block}`),
      },
    ];
    for (const side of sides) await streamBlock(side, server, 0, 500, false); // warm-up: JIT, connections
    for (let block = 1; block <= CHUNKS / BLOCK; block++) {
      for (const side of block % 2 === 0 ? sides : [...sides].reverse()) await streamBlock(side, server, block, BLOCK, true);
    }
    const [mine, base] = sides.map((side) => distribution(side.samples)) as [Distribution, Distribution];
    const added = mine.p50 - base.p50;
    printTable(
      `SSE chunk → stdout line: ${formatInt(CHUNKS)} chunks per child, one at a time, blocks of ${formatInt(BLOCK)} alternating`,
      ['path', 'chunks', 'p50 µs', 'p99 µs', 'mean µs', 'min µs', 'max µs'],
      [
        ...sides.map((side, index) => {
          const d = index === 0 ? mine : base;
          return [side.label, formatInt(d.count), formatUs(d.p50), formatUs(d.p99), formatUs(d.mean), formatUs(d.min), formatUs(d.max)];
        }),
        ['added by tether (p50, p99 differences)', '', formatUs(added), formatUs(mine.p99 - base.p99), formatUs(mine.mean - base.mean), '', ''],
      ],
    );
    return [
      {
        figure: 'streaming overhead p50 (chunk → reply.delta, minus floor)',
        measured: `${formatMs(added)} ms (${formatUs(added)} µs; p50 tether ${formatUs(mine.p50)} vs floor ${formatUs(base.p50)} µs, p99 ${formatUs(mine.p99)} vs ${formatUs(base.p99)} µs)`,
        target: `≤ ${TARGET_ADDED_P50_MS} ms`,
        pass: added / 1e6 <= TARGET_ADDED_P50_MS,
      },
    ];
  } finally {
    await Promise.all([tether.close(), floor.close()]);
    await server.close();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('streaming overhead', measureStreamOverhead);
