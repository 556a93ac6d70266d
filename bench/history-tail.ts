/**
 * The last page of `history` in a 100,000-message session.
 *
 * The session is written straight into a fresh data dir (the store's own file
 * format, test/e2e/long-session.ts) before `tether rpc` starts. The first read
 * folds the whole transcript (once per gateway, per session); after that the
 * gateway keeps the session's fold in memory and folds in what is appended, so
 * the figure that matters for a chat window is the steady one: the last page,
 * read again after each new turn. Both are printed.
 * Target: steady p50 of the last page within 5 ms.
 */
import { writeLongSession } from '../test/e2e/long-session.js';
import { makeTempHome, startTetherIn } from './lib/children.js';
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
  let id = 0;
  const lastPage = async (): Promise<{ ns: number; total: number }> => {
    const rid = ++id;
    const start = process.hrtime.bigint();
    const { response } = await tether.client.exchange(JSON.stringify({ type: 'history', id: rid, session: 'long', limit: PAGE }) + '\n', rid, 'history');
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
    printTable(
      `history, last page of ${PAGE} in a session of ${formatInt(MESSAGES)} messages`,
      ['read', 'count', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['first (folds the whole transcript)', '1', formatMs(first.ns), '', ''],
        ['after each new turn (steady)', formatInt(d.count), formatMs(d.p50), formatMs(d.p99), formatMs(d.max)],
      ],
    );
    return [
      { figure: `history last page, ${formatInt(MESSAGES)}-message session (steady)`, measured: `${formatMs(d.p50)} ms (first read ${formatMs(first.ns)} ms)`, target: `≤ ${TARGET_MS} ms`, pass: d.p50 / 1e6 <= TARGET_MS },
    ];
  } finally {
    await tether.close();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('history tail', measureHistoryTail);
