/**
 * Start-up: the one-shot `tether agent` and a cold `tether rpc`, against Node
 * starting and doing nothing (`node -e 0`), measured in the same run.
 *
 * The one-shot runs `tether agent --message hi --json` on the echo provider (its
 * output is checked) in a fresh data dir; the cold start spawns `tether rpc` and
 * stops the clock when the answer to its first `status` line is parsed. Runs
 * alternate between the three, so machine noise lands on all of them; each gets
 * its own fresh data dir and the environment the app gives its child
 * (bench/lib/children.ts), compile cache included where the runtime has one.
 * Targets: one-shot ≤ 1.6× `node -e 0`; cold start to `status` ≤ 1.5×.
 */
import { spawn } from 'node:child_process';
import { CLI_PATH, ensureBuilt, makeTempHome, removeTempHome, runOneShot, tetherEnv } from './lib/children.js';
import { LineClient, check, expectResult } from './lib/line-client.js';
import { formatInt, formatMs, formatRatio, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';

const WARMUP_RUNS = 3;
const RUNS = 15;
const TARGETS = { oneShot: 1.6, coldStatus: 1.5 };

async function nodeNothing(): Promise<number> {
  const start = process.hrtime.bigint();
  const result = await runOneShot(['-e', '0'], process.env);
  const ns = elapsedNs(start);
  check(result.code === 0, () => `node -e 0 exited with ${result.code}`);
  return ns;
}

async function oneShot(): Promise<number> {
  const home = makeTempHome();
  try {
    const start = process.hrtime.bigint();
    const result = await runOneShot([CLI_PATH, 'agent', '--message', 'hi', '--json'], tetherEnv(home));
    const ns = elapsedNs(start);
    check(result.code === 0, () => `tether agent exited with ${result.code}: ${result.stderr}`);
    const payload = JSON.parse(result.stdout) as { payloads: Array<{ text: string }> };
    check(payload.payloads[0]?.text === 'echo: hi', () => `tether agent printed ${result.stdout}`);
    return ns;
  } finally {
    removeTempHome(home);
  }
}

async function coldStatus(): Promise<number> {
  const home = makeTempHome();
  try {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI_PATH, 'rpc'], { env: tetherEnv(home), stdio: ['pipe', 'pipe', 'inherit'] });
    const client = new LineClient(child.stdout, child.stdin, () => `tether rpc (pid ${child.pid})`);
    child.once('exit', (code) => client.fail(new Error(`tether rpc exited (code ${code}) before answering status`)));
    const { response } = await client.exchange('{"type":"status","id":1}\n', 1, 'the first status', 10_000);
    const ns = elapsedNs(start);
    expectResult(response, 'the first status');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await exited;
    return ns;
  } finally {
    removeTempHome(home);
  }
}

/** Runs the figure and prints its table. */
export async function measureStartup(): Promise<SummaryRow[]> {
  ensureBuilt();
  const sides = [
    { label: 'node -e 0', run: nodeNothing, samples: [] as number[] },
    { label: 'tether agent --json (echo), one-shot', run: oneShot, samples: [] as number[] },
    { label: 'tether rpc, spawn → first status answer', run: coldStatus, samples: [] as number[] },
  ];
  for (let run = 0; run < WARMUP_RUNS; run++) for (const side of sides) await side.run();
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) side.samples.push(await side.run());
  }
  const [base, agent, cold] = sides.map((side) => distribution(side.samples)) as [ReturnType<typeof distribution>, ReturnType<typeof distribution>, ReturnType<typeof distribution>];
  const agentRatio = agent.p50 / base.p50;
  const coldRatio = cold.p50 / base.p50;
  printTable(
    `start-up: ${RUNS} runs each after ${WARMUP_RUNS} warm-up, alternating (node ${process.version})`,
    // The added milliseconds beside the ratio: on a loaded machine Node itself starts
    // slower and so does all of tether's own work, so the ratio moves less than either.
    ['process', 'runs', 'p50 ms', 'min ms', 'max ms', 'p50 / node -e 0', 'p50 − node -e 0 ms'],
    sides.map((side, i) => {
      const d = distribution(side.samples);
      return [side.label, formatInt(d.count), formatMs(d.p50), formatMs(d.min), formatMs(d.max), i === 0 ? '' : formatRatio(d.p50 / base.p50), i === 0 ? '' : formatMs(d.p50 - base.p50)];
    }),
  );
  return [
    { figure: 'one-shot tether agent p50 vs node -e 0', measured: `${formatRatio(agentRatio)} (${formatMs(agent.p50)} vs ${formatMs(base.p50)} ms)`, target: `≤ ${TARGETS.oneShot}×`, pass: agentRatio <= TARGETS.oneShot },
    { figure: 'cold start to first status p50 vs node -e 0', measured: `${formatRatio(coldRatio)} (${formatMs(cold.p50)} vs ${formatMs(base.p50)} ms)`, target: `≤ ${TARGETS.coldStatus}×`, pass: coldRatio <= TARGETS.coldStatus },
  ];
}

if (isEntryPoint(import.meta.url)) runStandalone('start-up', measureStartup);
