/**
 * Cost per message: `send` through the running `tether rpc` child versus one
 * `tether agent --json` process per message.
 *
 * This is the figure that justifies a long-lived child at all. The one-shot path
 * pays a Node start-up, module loading (zod, the gateway), a data-dir open and a
 * shutdown for every message; the running child pays only the turn itself. Both
 * use the echo provider with no delay, so the provider costs nothing and the ratio
 * is pure process overhead versus steady-state handling. Here the baseline is the
 * one-shot CLI rather than the echo floor, because the question is which of tether's
 * own paths a client should use. Every reply is checked (`echo: <text>`, with its
 * `reply.delta` and `reply` events on the child path). Target: the child ≥ 100×
 * faster per message (mean).
 */
import { CLI_PATH, ensureBuilt, makeTempHome, removeTempHome, runOneShot, startTether, tetherEnv, type BenchChild } from './lib/children.js';
import { check, clip, expectResult, parseMessage, replyText } from './lib/line-client.js';
import { formatInt, formatMs, formatRatio, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';

const CHILD_WARMUP = 50;
const CHILD_MESSAGES = 500;
const CLI_WARMUP = 2;
const CLI_MESSAGES = 20;
const TARGET_RATIO = 100;

/** One send through the running child; returns its round-trip time in ns. */
async function childSend(child: BenchChild, id: number): Promise<number> {
  const text = `hello ${id}`;
  const what = `send #${id}`;
  const line = JSON.stringify({ type: 'send', text, id }) + '\n';
  const start = process.hrtime.bigint();
  const { response, events } = await child.client.exchange(line, id, what);
  const ns = elapsedNs(start);
  const reply = replyText(expectResult(response, what), what);
  check(reply === `echo: ${text}`, () => `${what}: expected "echo: ${text}", got ${JSON.stringify(reply)}`);
  const streamed = events.filter((event) => event.event === 'reply.delta').map((event) => (event.payload as { text: string }).text);
  check(streamed.join('') === reply, () => `${what}: reply.delta events spell ${JSON.stringify(streamed.join(''))}, not the reply`);
  check(events.some((event) => event.event === 'reply'), () => `${what}: no reply event`);
  return ns;
}

/** One `tether agent --json` process; returns its wall time in ns. */
async function cliSend(home: string, index: number): Promise<number> {
  const text = `hello ${index}`;
  const what = `tether agent #${index}`;
  const start = process.hrtime.bigint();
  const result = await runOneShot([CLI_PATH, 'agent', '--message', text, '--json'], tetherEnv(home));
  const ns = elapsedNs(start);
  check(result.code === 0, () => `${what} exited with ${result.code ?? result.signal}: ${clip(result.stderr || result.stdout)}`);
  const reply = replyText(parseMessage(result.stdout.trim()) as Record<string, unknown>, what);
  check(reply === `echo: ${text}`, () => `${what}: expected "echo: ${text}", got ${JSON.stringify(reply)}`);
  return ns;
}

/** Runs the figure and prints its table. */
export async function measureSendVsCli(): Promise<SummaryRow[]> {
  ensureBuilt();
  const childSamples: number[] = [];
  const child = await startTether();
  try {
    for (let id = 1; id <= CHILD_WARMUP; id++) await childSend(child, id);
    for (let id = CHILD_WARMUP + 1; id <= CHILD_WARMUP + CHILD_MESSAGES; id++) childSamples.push(await childSend(child, id));
  } finally {
    await child.close();
  }

  const cliSamples: number[] = [];
  const home = makeTempHome(); // its own data dir: the CLI does not read the child's transcript
  try {
    for (let index = 1; index <= CLI_WARMUP; index++) await cliSend(home, index);
    for (let index = CLI_WARMUP + 1; index <= CLI_WARMUP + CLI_MESSAGES; index++) cliSamples.push(await cliSend(home, index));
  } finally {
    removeTempHome(home);
  }

  const mine = distribution(childSamples);
  const cli = distribution(cliSamples);
  const ratio = cli.mean / mine.mean;
  printTable(
    `send (echo, no delay): per message, sequential`,
    ['path', 'messages', 'mean ms', 'p50 ms', 'p99 ms', 'max ms'],
    [
      ['running child (tether rpc)', formatInt(mine.count), formatMs(mine.mean), formatMs(mine.p50), formatMs(mine.p99), formatMs(mine.max)],
      ['one process per message (tether agent --json)', formatInt(cli.count), formatMs(cli.mean), formatMs(cli.p50), formatMs(cli.p99), formatMs(cli.max)],
      ['child speed-up (cli / child)', '', formatRatio(ratio), formatRatio(cli.p50 / mine.p50), '', ''],
    ],
  );
  return [
    {
      figure: 'send: child vs one process per message',
      measured: `${formatRatio(ratio)} faster (${formatMs(mine.mean)} vs ${formatMs(cli.mean)} ms)`,
      target: `≥ ${TARGET_RATIO}×`,
      pass: ratio >= TARGET_RATIO,
    },
  ];
}

if (isEntryPoint(import.meta.url)) runStandalone('send vs cli', measureSendVsCli);
