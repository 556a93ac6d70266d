/**
 * Resident memory of an idle `tether rpc` child after 1,000 sends.
 *
 * The child lives as long as the desktop app, so what it holds after real use
 * matters more than its start-up size. The bench sends 1,000 messages one after
 * another (each reply checked), lets the child sit idle for about a second, and
 * reads RSS two ways: what the child reports (`status` verbose, `memory.rss`) and
 * what the kernel says (`VmRSS` in /proc/<pid>/status, Linux only). There is no
 * floor here: the target is absolute, and the start-up figure is shown so growth
 * can be told apart from the fixed cost of Node plus tether's modules.
 * Target: ≤ 80 MB (10^6 bytes) by both readings.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startTether, vmRss, type BenchChild } from './lib/children.js';
import { check, expectResult, replyText } from './lib/line-client.js';
import { formatInt, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';

const SENDS = 1000;
const IDLE_MS = 1000;
const TARGET_MB = 80;

interface MemoryReading {
  reportedRss: number;
  heapUsed: number;
  /** Kernel's VmRSS in bytes, or undefined off Linux. */
  vmRss: number | undefined;
}

/** Reads RSS from `status` verbose and from /proc. */
async function readMemory(child: BenchChild, id: string): Promise<MemoryReading> {
  const what = `verbose status (${id})`;
  const { response } = await child.client.exchange(`{"type":"status","verbose":true,"id":"${id}"}\n`, id, what);
  const memory = expectResult(response, what).memory as { rss?: unknown; heapUsed?: unknown } | undefined;
  check(typeof memory?.rss === 'number' && typeof memory.heapUsed === 'number', () => `${what}: no memory.rss/heapUsed in the payload`);
  return { reportedRss: memory.rss, heapUsed: memory.heapUsed, vmRss: vmRss(child.pid) };
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : (bytes / 1e6).toFixed(1);
}

/** Runs the figure and prints its table. */
export async function measureIdleRss(): Promise<SummaryRow[]> {
  const child = await startTether();
  try {
    await sleep(IDLE_MS);
    const atStart = await readMemory(child, 'start');
    for (let id = 1; id <= SENDS; id++) {
      const text = `message number ${id} from the idle-rss bench`;
      const what = `send #${id}`;
      const { response } = await child.client.exchange(JSON.stringify({ type: 'send', text, id }) + '\n', id, what);
      const reply = replyText(expectResult(response, what), what);
      check(reply === `echo: ${text}`, () => `${what}: expected "echo: ${text}", got ${JSON.stringify(reply)}`);
    }
    await sleep(IDLE_MS);
    const idle = await readMemory(child, 'idle');
    printTable(
      `idle RSS of tether rpc: after start-up, and ${formatInt(SENDS)} sequential sends plus ${IDLE_MS} ms idle (MB = 10^6 bytes)`,
      ['when', 'status memory.rss MB', '/proc VmRSS MB', 'heapUsed MB'],
      [
        ['1 s after start', megabytes(atStart.reportedRss), megabytes(atStart.vmRss), megabytes(atStart.heapUsed)],
        [`after ${formatInt(SENDS)} sends, idle`, megabytes(idle.reportedRss), megabytes(idle.vmRss), megabytes(idle.heapUsed)],
      ],
    );
    const worst = Math.max(idle.reportedRss, idle.vmRss ?? 0);
    return [
      {
        figure: `idle RSS after ${formatInt(SENDS)} sends`,
        measured: `${megabytes(worst)} MB (status ${megabytes(idle.reportedRss)}, VmRSS ${megabytes(idle.vmRss)})`,
        target: `≤ ${TARGET_MB} MB`,
        pass: worst <= TARGET_MB * 1e6,
      },
    ];
  } finally {
    await child.close();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('idle RSS', measureIdleRss);
