/**
 * What the gateway adds to a tool call, over a real stdio MCP server.
 *
 * The server is the test fixture (test/fixtures/mcp-tool-server.mjs, written with
 * the MCP SDK's server API), started as the gateway starts it: a process tree of
 * its own, spoken to by the SDK client. Its `echo` tool does next to nothing, so a
 * call's time is the MCP round trip over the pipes.
 *
 * Two paths are timed in alternation, call by call:
 * - the floor: the SDK client's `tools/call` on the running server, which any MCP
 *   client pays;
 * - the gateway's path for one call the model asked for (`ToolCalls.run`): find the
 *   tool, parse and scrub the arguments, write the `tool-call` record, serialize the
 *   `tool.call` event as a connection writes it, decide the policy, make the same
 *   call, scrub the result, write the `tool-result` record, serialize `tool.result`.
 * The overhead of a pair is the gateway call minus the floor call next to it (so
 * both see the same machine load); the figure is the p50 of those differences.
 * The model's own requests are not part of it (bench/send-floor.ts covers the
 * gateway's cost per model request). Target: p50 overhead ≤ 2 ms per call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/children.js';
import { formatMs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';
import { serializeLine } from '../rpc-host/protocol/jsonl.js';
import { SessionLog } from '../rpc-host/core/session-log.js';
import { SessionStore } from '../rpc-host/core/session-store.js';
import { Approvals } from '../rpc-host/tools/approvals.js';
import { sdkConnector } from '../rpc-host/tools/mcp-connect.js';
import { ToolCalls } from '../rpc-host/tools/tool-calls.js';
import { ToolCatalog } from '../rpc-host/tools/tool-catalog.js';
import { resolveToolsSettings } from '../rpc-host/tools/tools-config.js';

const WARMUP = 300;
const PAIRS = 3000;
const TARGET_P50_MS = 2;

export async function measureTools(): Promise<SummaryRow[]> {
  const home = mkdtempSync(join(tmpdir(), 'tether-bench-tools-'));
  const settings = resolveToolsSettings({ bench: { command: process.execPath, args: [join(ROOT, 'test/fixtures/mcp-tool-server.mjs')] } }, undefined, {}, []);
  const catalog = new ToolCatalog(settings, (name) => sdkConnector(name, settings.servers[name]!, { records: undefined, startTimeoutMs: 30_000 }));
  try {
    const store = new SessionStore(home);
    const log = new SessionLog(store, { checkpointIntervalMs: 250, secrets: ['bench-secret-value'] });
    const turn = { session: 'bench', runId: 'r-bench', source: 'rpc' as const };
    let lineBytes = 0;
    const calls = new ToolCalls({
      tools: await catalog.resolve(['bench/echo']),
      catalog,
      approvals: new Approvals(60_000),
      log,
      turn,
      sink: (event, payload) => {
        lineBytes += serializeLine({ type: 'event', event, id: 1, payload }).length; // what a connection writes
      },
      secrets: ['bench-secret-value'],
      maxSteps: 20,
      callTimeoutMs: 30_000,
    });
    const session = await catalog.server('bench')!.ready();
    const signal = new AbortController().signal;
    const args = { text: 'the quick brown fox jumps over the lazy dog' };
    const argsJson = JSON.stringify(args);

    const floorCall = async () => {
      const started = process.hrtime.bigint();
      const outcome = await session.call('echo', args, signal, 30_000);
      if (outcome.text !== args.text) throw new Error(`the floor call answered ${JSON.stringify(outcome)}`);
      return elapsedNs(started);
    };
    const gatewayCall = async (n: number) => {
      const started = process.hrtime.bigint();
      const text = await calls.run({ id: `call_${n}`, name: 'bench__echo', arguments: argsJson }, 1, signal);
      if (text !== args.text) throw new Error(`the gateway call answered ${JSON.stringify(text)}`);
      return elapsedNs(started);
    };

    for (let i = 0; i < WARMUP; i++) {
      await floorCall();
      await gatewayCall(i);
    }
    const floor: number[] = [];
    const gateway: number[] = [];
    const overhead: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      // Alternate which goes first, so neither always runs on a warmer pipe.
      const [f, g] = i % 2 === 0 ? [await floorCall(), await gatewayCall(i)] : await gatewayCall(i).then(async (g1) => [await floorCall(), g1] as const);
      floor.push(f);
      gateway.push(g);
      overhead.push(g - f);
    }
    const floorD = distribution(floor);
    const gatewayD = distribution(gateway);
    const overheadD = distribution(overhead);
    printTable(
      `tool call over a stdio MCP server (${PAIRS} pairs, ${Math.round(lineBytes / (WARMUP + PAIRS) / 2)} bytes per event line)`,
      ['path', 'p50 ms', 'p99 ms', 'mean ms'],
      [
        ['SDK client tools/call (floor)', formatMs(floorD.p50), formatMs(floorD.p99), formatMs(floorD.mean)],
        ['gateway ToolCalls.run', formatMs(gatewayD.p50), formatMs(gatewayD.p99), formatMs(gatewayD.mean)],
        ['overhead (pairwise difference)', formatMs(overheadD.p50), formatMs(overheadD.p99), formatMs(overheadD.mean)],
      ],
    );
    store.flush();
    return [
      {
        figure: 'gateway overhead per tool call (stdio MCP), p50',
        measured: `${formatMs(overheadD.p50)} ms`,
        target: `≤ ${TARGET_P50_MS} ms`,
        pass: overheadD.p50 <= TARGET_P50_MS * 1e6,
      },
    ];
  } finally {
    await catalog.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('tool calls', measureTools);
