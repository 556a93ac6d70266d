/**
 * Runs every tether benchmark in sequence and prints one summary table.
 *
 * Each figure's own table is printed as it finishes; the summary at the end lists
 * figure, measured value, target and pass/fail. Exit code: 0 when every target is
 * met, 1 when one is missed, 2 when a bench could not produce a trustworthy figure
 * (a wrong answer, a dead child, a timeout); the remaining benches still run.
 * `npm run bench` builds the child first.
 */
import { availableParallelism } from 'node:os';
import { measureCrashRecovery } from './crash-recovery.js';
import { measureFailFast } from './fail-fast.js';
import { measureFlood } from './flood.js';
import { measureIdentity } from './identity.js';
import { measureHistoryTail } from './history-tail.js';
import { measureIdleRss } from './idle-rss.js';
import { measureOrphans } from './orphans.js';
import { printSummary, type SummaryRow } from './lib/report.js';
import { measureSend1Mib } from './send-1mib.js';
import { measureSendFloor } from './send-floor.js';
import { measureSearch } from './search.js';
import { measureSendVsCli } from './send-vs-cli.js';
import { measureSocket } from './socket.js';
import { measureStartup } from './startup.js';
import { measureStatusRoundTrip } from './status-roundtrip.js';
import { measureStatusThroughput } from './status-throughput.js';
import { measureStreamOverhead } from './stream-overhead.js';
import { measureTools } from './tools.js';
import { measureWebUi } from './web-ui.js';
import { measureQuickAsk } from './quick-ask.js';

const BENCHES: ReadonlyArray<{ name: string; measure: () => Promise<SummaryRow[]> }> = [
  { name: 'status round trip', measure: measureStatusRoundTrip },
  { name: 'send vs cli', measure: measureSendVsCli },
  { name: 'send vs floor, flat with session length', measure: measureSendFloor },
  { name: 'start-up', measure: measureStartup },
  { name: 'history tail', measure: measureHistoryTail },
  { name: 'status throughput', measure: measureStatusThroughput },
  { name: '1 MiB send', measure: measureSend1Mib },
  { name: 'message identity', measure: measureIdentity },
  { name: 'idle RSS', measure: measureIdleRss },
  { name: 'garbage flood', measure: measureFlood },
  { name: 'crash recovery', measure: measureCrashRecovery },
  { name: 'fail fast', measure: measureFailFast },
  { name: 'orphans', measure: measureOrphans },
  { name: 'streaming overhead', measure: measureStreamOverhead },
  { name: 'web UI', measure: measureWebUi },
  { name: 'quick ask', measure: measureQuickAsk },
  { name: 'socket', measure: measureSocket },
  { name: 'search', measure: measureSearch },
  { name: 'tool calls', measure: measureTools },
];

async function main(): Promise<number> {
  const started = process.hrtime.bigint();
  const rows: SummaryRow[] = [];
  let broken = false;
  for (const bench of BENCHES) {
    try {
      rows.push(...(await bench.measure()));
    } catch (error) {
      broken = true;
      process.stderr.write(`\n${bench.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      rows.push({ figure: bench.name, measured: 'error (see above)', target: '', pass: false });
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  printSummary(`summary (node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} CPUs, ${seconds.toFixed(1)} s)`, rows);
  if (broken) return 2;
  return rows.every((row) => row.pass) ? 0 : 1;
}

main().then((code) => (process.exitCode = code));
