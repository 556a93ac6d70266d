/**
 * Calls while the gateway is down: how fast the companion refuses or answers
 * without it, and what the one-shot CLI fallback costs per message.
 *
 * One companion supervises the compiled `tether rpc` child with a 30 s restart
 * delay and no jitter (`restartPolicy: { initialDelayMs: 30_000, random: () => 0.5 }`),
 * so after a SIGKILL the gateway stays `restarting` for the whole measurement; the
 * bench checks it still is after each part and ends the window itself with
 * `restartGateway()`. With the child running it first times sends through it (the
 * comparison for the fallback). Then, with the child killed:
 * (a) fallback off: `send` is refused at once with `gateway_unavailable`; 1,000
 *     sequential calls, each timed from the call to its rejection (the first call
 *     shown apart: it is the one a user meets right after a crash);
 * (c) `status()` answers from the supervisor's state (`via: 'supervisor'`,
 *     `gateway: null`); 1,000 sequential calls;
 * (b) fallback on: `send` runs one `tether agent --json` process per message
 *     (`via: 'cli'`), 20 timed after 2 warm-up, against the sends through the
 *     running child measured before the kill.
 * Every reply is checked (`echo: <text>`, the right `via`), every rejection's code.
 * Targets: send refused while down p99 ≤ 5 ms; status while down p99 ≤ 5 ms (the
 * same fail-fast bound; the spec sets none of its own). The fallback ratio is
 * shown for information.
 */
import type { Companion } from '../main/core/index.js';
import { check, replyText } from './lib/line-client.js';
import { crashGateway, describeSnapshot, errorCode, startCompanion, waitForState } from './lib/companions.js';
import { formatInt, formatMs, formatRatio, formatUs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs, spread } from './lib/stats.js';

const DOWN_CALLS = 1000;
const GATEWAY_WARMUP = 10;
const GATEWAY_SENDS = 100;
const CLI_WARMUP = 2;
const CLI_SENDS = 20;
const SEND_TIMEOUT_MS = 30_000;
/** Long enough that the gateway stays down through every part; the bench restarts it by hand. */
const RESTART_DELAY_MS = 30_000;
const TARGET_MS = 5;

/** One send that must be served by `via`; returns its latency in ns. */
async function timedSend(companion: Companion, via: 'gateway' | 'cli', index: number): Promise<number> {
  const text = `fail-fast ${via} ${index}`;
  const what = `send #${index} (expected via ${via})`;
  const start = process.hrtime.bigint();
  const result = await companion.send({ text }, { timeoutMs: SEND_TIMEOUT_MS });
  const ns = elapsedNs(start);
  check(result.via === via, () => `${what}: served via ${result.via}`);
  const reply = replyText(result.payload as unknown as Record<string, unknown>, what);
  check(reply === `echo: ${text}`, () => `${what}: expected "echo: ${text}", got ${JSON.stringify(reply)}`);
  return ns;
}

/** One send that must be refused with `gateway_unavailable`; returns the time to the rejection in ns. */
async function timedRefusal(companion: Companion, index: number): Promise<number> {
  const start = process.hrtime.bigint();
  let outcome: unknown;
  try {
    outcome = await companion.send({ text: `refused ${index}` }, { timeoutMs: SEND_TIMEOUT_MS });
  } catch (error) {
    const ns = elapsedNs(start);
    check(errorCode(error) === 'gateway_unavailable', () => `refused send #${index}: expected gateway_unavailable, got ${errorCode(error)}`);
    return ns;
  }
  throw new Error(`refused send #${index}: the send succeeded (via ${(outcome as { via?: string }).via}) while the gateway was down with the fallback off`);
}

/** One `status()` that must come from the supervisor; returns its latency in ns. */
async function timedDownStatus(companion: Companion, index: number): Promise<number> {
  const start = process.hrtime.bigint();
  const status = await companion.status();
  const ns = elapsedNs(start);
  check(
    status.via === 'supervisor' && status.gateway === null && status.state.gateway.state === 'restarting',
    () => `status #${index} while down: expected via supervisor, gateway null, state restarting; got via ${status.via}, state ${describeSnapshot(status.state.gateway)}`,
  );
  return ns;
}

/** Throws unless the gateway is still down and waiting for its (long) restart. */
function assertStillDown(companion: Companion, part: string): void {
  const { gateway } = companion.state();
  check(gateway.state === 'restarting' && gateway.pid === null, () => `after ${part}: the gateway should still be restarting, it is ${describeSnapshot(gateway)}`);
}

/** Runs the figure and prints its tables. */
export async function measureFailFast(): Promise<SummaryRow[]> {
  const { companion, close } = await startCompanion({ fallback: false, restartPolicy: { initialDelayMs: RESTART_DELAY_MS, random: () => 0.5 } });
  try {
    // The comparison for (b): sends through the running child.
    for (let index = 1; index <= GATEWAY_WARMUP; index++) await timedSend(companion, 'gateway', index);
    const gatewaySamples: number[] = [];
    for (let index = GATEWAY_WARMUP + 1; index <= GATEWAY_WARMUP + GATEWAY_SENDS; index++) gatewaySamples.push(await timedSend(companion, 'gateway', index));

    const down = await crashGateway(companion);
    check(down.gateway.state === 'restarting', () => `after the kill: expected restarting, the gateway is ${describeSnapshot(down.gateway)}`);
    check((down.gateway.retryInMs ?? 0) > RESTART_DELAY_MS / 2, () => `after the kill: the restart is due in ${down.gateway.retryInMs} ms, too soon to measure while down`);

    // (a) fallback off: refused at once.
    const refusals: number[] = [];
    for (let index = 1; index <= DOWN_CALLS; index++) refusals.push(await timedRefusal(companion, index));
    assertStillDown(companion, 'the refused sends');

    // (c) status from the supervisor's state.
    const statuses: number[] = [];
    for (let index = 1; index <= DOWN_CALLS; index++) statuses.push(await timedDownStatus(companion, index));
    assertStillDown(companion, 'the status calls');

    // (b) fallback on: one CLI process per message.
    await companion.setFallback(true);
    check(companion.state().fallbackActive, () => 'the fallback is on and the gateway down, but fallbackActive is false');
    for (let index = 1; index <= CLI_WARMUP; index++) await timedSend(companion, 'cli', index);
    const cliSamples: number[] = [];
    for (let index = CLI_WARMUP + 1; index <= CLI_WARMUP + CLI_SENDS; index++) cliSamples.push(await timedSend(companion, 'cli', index));
    assertStillDown(companion, 'the fallback sends');

    await companion.restartGateway(); // end the window; `close` then stops the child cleanly
    await waitForState(companion, (state) => state.gateway.state === 'running', 'the gateway running after the manual restart');

    const refused = distribution(refusals);
    const status = distribution(statuses);
    printTable(
      `calls while the gateway is restarting (SIGKILLed, restart due in ${formatInt(RESTART_DELAY_MS / 1000)} s): ${formatInt(DOWN_CALLS)} sequential calls each, no warm-up`,
      ['call', 'calls', 'first µs', 'p50 µs', 'p99 µs', 'mean µs', 'max µs'],
      [
        ['send, fallback off (refused: gateway_unavailable)', formatInt(refused.count), formatUs(refusals[0]!), formatUs(refused.p50), formatUs(refused.p99), formatUs(refused.mean), formatUs(refused.max)],
        ['status (via supervisor)', formatInt(status.count), formatUs(statuses[0]!), formatUs(status.p50), formatUs(status.p99), formatUs(status.mean), formatUs(status.max)],
      ],
    );

    const gateway = spread(gatewaySamples);
    const cli = spread(cliSamples);
    const gatewayMean = distribution(gatewaySamples).mean;
    const cliMean = distribution(cliSamples).mean;
    printTable(
      `send (echo, no delay): the running child vs the one-shot CLI fallback while the gateway is down, sequential`,
      ['path', 'messages', 'p50 ms', 'p90 ms', 'mean ms', 'max ms'],
      [
        [`gateway (running child), after ${GATEWAY_WARMUP} warm-up`, formatInt(gateway.count), formatMs(gateway.p50), formatMs(gateway.p90), formatMs(gatewayMean), formatMs(gateway.max)],
        [`cli fallback (tether agent --json), after ${CLI_WARMUP} warm-up`, formatInt(cli.count), formatMs(cli.p50), formatMs(cli.p90), formatMs(cliMean), formatMs(cli.max)],
        ['fallback cost (cli / gateway)', '', formatRatio(cli.p50 / gateway.p50), formatRatio(cli.p90 / gateway.p90), formatRatio(cliMean / gatewayMean), ''],
      ],
    );

    return [
      {
        figure: 'send refused while restarting (p99)',
        measured: `${formatUs(refused.p99)} µs (p50 ${formatUs(refused.p50)}, max ${formatUs(refused.max)})`,
        target: `≤ ${TARGET_MS} ms`,
        pass: refused.p99 <= TARGET_MS * 1e6,
      },
      {
        figure: 'status while down (p99)',
        measured: `${formatUs(status.p99)} µs (p50 ${formatUs(status.p50)}, max ${formatUs(status.max)})`,
        target: `≤ ${TARGET_MS} ms`,
        pass: status.p99 <= TARGET_MS * 1e6,
      },
      {
        figure: 'cli fallback vs gateway send (p50)',
        measured: `${formatRatio(cli.p50 / gateway.p50)} slower (${formatMs(cli.p50)} vs ${formatMs(gateway.p50)} ms)`,
        target: 'info',
        pass: true,
      },
    ];
  } finally {
    await close();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('fail fast', measureFailFast);
