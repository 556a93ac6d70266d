/**
 * `search` over 1,000 sessions and 100,000 messages through the real `tether rpc`
 * child.
 *
 * The transcripts are written straight into the child's data dir (as a script or an
 * older CLI would), 100 messages each, user and assistant in turn, of 10 to 60
 * words drawn from a 2,000-word vocabulary with a seeded generator, so every run
 * searches the same text (about 30 MB of transcripts). A tenth of the sessions get a
 * title. The first search is timed on its own (cold: it folds every transcript and
 * lists the sessions for the first time); then 60 searches of 15 queries: rare
 * words, common words, two-word queries, a title, and a word that is in no message,
 * each answered with a first page of 20 hits whose snippets contain the query.
 * Target: the warm p50 at most 300 ms (issue 18).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTether } from './lib/children.js';
import { check, expectResult } from './lib/line-client.js';
import { formatInt, formatMs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';
import { seededRandom } from '../test/helpers/seeded-random.js';

const SESSIONS = 1000;
const MESSAGES_PER_SESSION = 100;
const ROUNDS = 4;
const TARGET_P50_MS = 300;

/** Pronounceable made-up words; the first ones are drawn far more often (a Zipf-like mix). */
function vocabulary(random: () => number): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'so', 'vi', 'pe', 'dan', 'lor', 'mek', 'zu', 'fa', 'gri', 'bo'];
  const words = new Set<string>();
  while (words.size < 2000) {
    const count = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < count; i++) word += syllables[Math.floor(random() * syllables.length)];
    words.add(word);
  }
  return [...words];
}

/** Writes the transcripts into `home/sessions`; returns the total bytes written. */
export function writeCorpus(home: string): { bytes: number; words: string[] } {
  const random = seededRandom(18); // every run searches the same text
  const words = vocabulary(random);
  const pick = () => words[Math.floor(words.length * random() ** 3)]!; // skewed toward the start
  const dir = join(home, 'sessions');
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  let ts = 1_790_000_000_000;
  const titles: Record<string, { title: string }> = {};
  for (let s = 0; s < SESSIONS; s++) {
    const key = `bench-${s}`;
    const lines: string[] = [];
    for (let m = 0; m < MESSAGES_PER_SESSION; m++) {
      const length = 10 + Math.floor(random() * 51);
      const text = Array.from({ length }, pick).join(' ');
      const runId = `r-${s}-${m >> 1}`;
      const role = m % 2 === 0 ? 'user' : 'assistant';
      const record = role === 'user'
        ? { type: 'message', role, text, ts: ts++, runId, source: 'rpc' }
        : { type: 'message', role, text, ts: ts++, runId, source: 'rpc', provider: 'echo', model: 'echo', state: 'complete' };
      lines.push(JSON.stringify(record));
    }
    const data = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(data);
    writeFileSync(join(dir, `${key}.jsonl`), data);
    if (s % 10 === 0) titles[key] = { title: `Project ${words[s % words.length]} notes` };
  }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ version: 1, sessions: titles }));
  return { bytes, words };
}

/** Runs the figure and prints its table. */
export async function measureSearch(): Promise<SummaryRow[]> {
  const tether = await startTether();
  try {
    const { bytes, words } = writeCorpus(tether.home!);
    const queries = [
      words[0]!, words[3]!, words[40]!, words[400]!, words[1500]!, words[1999]!,
      `${words[1]} ${words[2]}`, `${words[10]} ${words[200]}`, `${words[5]} ${words[900]}`,
      words[0]!.toUpperCase(), 'project', `project ${words[30]}`, words[7]!.slice(0, 3), 'zzzqqq', `${words[60]} ${words[61]} ${words[62]}`,
    ];
    let id = 0;
    const search = async (query: string) => {
      const start = process.hrtime.bigint();
      const { response } = await tether.client.exchange(`${JSON.stringify({ type: 'search', id: ++id, query, limit: 20 })}\n`, id, `search ${JSON.stringify(query)}`, 60_000);
      const ns = elapsedNs(start);
      const payload = expectResult(response, `search ${JSON.stringify(query)}`) as { hits: Array<{ snippet: string }>; total: number };
      const firstWord = query.toLowerCase().split(' ')[0]!;
      for (const hit of payload.hits) check(hit.snippet.toLowerCase().includes(firstWord), () => `search ${JSON.stringify(query)}: snippet ${JSON.stringify(hit.snippet)} lacks the query`);
      check(payload.hits.length === Math.min(20, payload.total), () => `search ${JSON.stringify(query)}: ${payload.hits.length} hits on the first page of ${payload.total}`);
      return { ns, total: payload.total };
    };

    const cold = await search(words[100]!);
    const samples: number[] = [];
    const totals = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const query of queries) {
        const { ns, total } = await search(query);
        samples.push(ns);
        totals.set(query, total);
      }
    }
    check(totals.get('zzzqqq') === 0, () => 'a word in no message was found');
    check((totals.get(words[0]!) ?? 0) > 10_000, () => `the commonest word matched only ${totals.get(words[0]!)} messages`);
    const warm = distribution(samples);
    printTable(
      `search over ${formatInt(SESSIONS)} sessions, ${formatInt(SESSIONS * MESSAGES_PER_SESSION)} messages (${(bytes / 2 ** 20).toFixed(1)} MiB of transcripts), first page of 20`,
      ['search', 'p50 ms', 'p99 ms', 'max ms', 'searches'],
      [
        ['cold (first search)', formatMs(cold.ns), '', '', '1'],
        ['warm', formatMs(warm.p50), formatMs(warm.p99), formatMs(warm.max), String(samples.length)],
      ],
    );
    printTable('hits per query', ['query', 'hits'], [...totals].map(([query, total]) => [query, formatInt(total)]));
    return [
      { figure: 'search p50, 1,000 sessions / 100,000 messages', measured: `${formatMs(warm.p50)} ms`, target: `≤ ${TARGET_P50_MS} ms`, pass: warm.p50 / 1e6 <= TARGET_P50_MS },
    ];
  } finally {
    await tether.close();
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('search', measureSearch);
