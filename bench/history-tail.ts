/**
 * The last page of `history` in a 100,000-message session.
 *
 * The session is written straight into a fresh data dir (the store's own file
 * format, test/e2e/long-session.ts) before `tether rpc` starts. Its first read
 * folds the whole transcript: no gateway has read it before. After that the
 * gateway keeps the session's fold in memory and folds in what is appended, so
 * the figure that matters for a chat window is the steady one: the last page,
 * read again after each new turn. Then the data dir is copied, as it is on disk
 * now, and a second gateway started on the copy: a restart. Its first read
 * starts from the anchor the first gateway kept in the session index (see
 * rpc-host/core/transcript-window.ts), not from the start of the file. All three
 * are printed.
 * Target: steady p50 of the last page within 5 ms, and the first read after a
 * restart too.
 */
import { cpSync } from 'node:fs';
import { writeLongSession } from '../test/e2e/long-session.js';
import { makeTempHome, startTetherIn, type BenchChild } from './lib/children.js';
import { check, expectResult } from './lib/line-client.js';
import { formatInt, formatMs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';

const MESSAGES = 100_000;
const PAGE = 50;
const ROUNDS = 200;
const TARGET_MS = 5;

/** Runs the figure and prints its table. */
export async function measureHistoryTail(): Promise<SummaryRow[]> {
  const home = makeTempHome();
  writeLongSession(home, 'long', MESSAGES);
  const tether = await startTetherIn(home);
  let restarted: BenchChild | undefined;
  let id = 0;
  const lastPage = async (child: BenchChild = tether): Promise<{ ns: number; total: number }> => {
    const rid = ++id;
    const start = process.hrtime.bigint();
    const { response } = await child.client.exchange(JSON.stringify({ type: 'history', id: rid, session: 'long', limit: PAGE }) + '\n', rid, 'history');
    const ns = elapsedNs(start);
    const payload = expectResult(response, 'history') as { total: number; messages: Array<{ index: number }> };
    check(payload.messages.length === PAGE && payload.messages.at(-1)!.index === payload.total - 1, () => `history did not answer the last ${PAGE} messages`);
    return { ns, total: payload.total };
  };
  try {
    const first = await lastPage();
    check(first.total === MESSAGES, () => `the session has ${first.total} messages, expected ${MESSAGES}`);
    const steady: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sid = ++id;
      expectResult((await tether.client.exchange(JSON.stringify({ type: 'send', id: sid, session: 'long', text: `turn ${round}` }) + '\n', sid, 'send')).response, 'send');
      steady.push((await lastPage()).ns);
    }
    const d = distribution(steady);

    // A restart: a second gateway on a copy of the data dir as it is now (the index is written within 100 ms of a change).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const copy = makeTempHome();
    cpSync(home, copy, { recursive: true });
    restarted = await startTetherIn(copy);
    const afterRestart = await lastPage(restarted);
    check(afterRestart.total === MESSAGES + ROUNDS * 2, () => `after the restart the session has ${afterRestart.total} messages, expected ${MESSAGES + ROUNDS * 2}`);
    printTable(
      `history, last page of ${PAGE} in a session of ${formatInt(MESSAGES)} messages`,
      ['read', 'count', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['first, never read by a gateway (folds the whole transcript)', '1', formatMs(first.ns), '', ''],
        ['after each new turn (steady)', formatInt(d.count), formatMs(d.p50), formatMs(d.p99), formatMs(d.max)],
        ['first after a restart (from the kept anchor)', '1', formatMs(afterRestart.ns), '', ''],
      ],
    );
    return [
      { figure: `history last page, ${formatInt(MESSAGES)}-message session (steady)`, measured: `${formatMs(d.p50)} ms (first read ${formatMs(first.ns)} ms)`, target: `≤ ${TARGET_MS} ms`, pass: d.p50 / 1e6 <= TARGET_MS },
      { figure: `history last page, first read after a restart`, measured: `${formatMs(afterRestart.ns)} ms`, target: `≤ ${TARGET_MS} ms`, pass: afterRestart.ns / 1e6 <= TARGET_MS },
    ];
  } finally {
    await restarted?.close();
    await tether.close();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('history tail', measureHistoryTail);
