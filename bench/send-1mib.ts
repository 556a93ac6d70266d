/**
 * A 1 MiB `send` round trip through the `tether rpc` child, against the floor
 * echoing a 1 MiB line.
 *
 * The clock runs from writing the request line until its `result` line has been
 * received and parsed; the reply (`echo: <text>`) and its streamed `reply.delta`
 * events are then checked in full. The text is 1 MiB of plain ASCII words, like a
 * pasted document. The floor receives the identical request line and writes it
 * back, so both sides pay for moving 1 MiB through two pipes and for the client's
 * framing and JSON.parse of what comes back; the ratio is what tether adds for a
 * big message (decode, validate, transcript appends, streaming, serializing the
 * reply). Runs alternate between the children. A second tether child has said
 * `hello` with `events: ["reply"]` and `replyText: "in-result"`, as a script that
 * reads results does: the reply then crosses the pipe once, in the result, as it
 * does for the floor. Target: that child's p50 within 2× of the floor.
 */
import { startSideBySide, startTether, type BenchChild } from './lib/children.js';
import { check, expectResult, replyText, type Exchange } from './lib/line-client.js';
import { formatInt, formatMs, formatRatio, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';

const TEXT_BYTES = 1024 * 1024;
const WARMUP_RUNS = 3;
const RUNS = 20;
const TARGET_RATIO = 2;

/** 1 MiB of ASCII words. */
function makeText(): string {
  const words = 'the quick brown fox jumps over the lazy dog while a long pasted document travels through tether ';
  return words.repeat(Math.ceil(TEXT_BYTES / words.length)).slice(0, TEXT_BYTES);
}

/** Checks one exchange; throws when it is not the right answer. */
type Verify = (exchange: Exchange, text: string, what: string) => void;

const verifySend: Verify = ({ response, events }, text, what) => {
  const reply = replyText(expectResult(response, what), what);
  check(reply === `echo: ${text}`, () => `${what}: the reply is not "echo: " plus the 1 MiB text (${reply.length} chars)`);
  const streamed = events.filter((event) => event.event === 'reply.delta').map((event) => (event.payload as { text: string }).text);
  check(streamed.join('') === reply, () => `${what}: the ${streamed.length} reply.delta events do not spell the reply`);
};

/** A negotiated child: no deltas, a text-less `reply` event, the text in the result. */
const verifyBrief: Verify = ({ response, events }, text, what) => {
  const reply = replyText(expectResult(response, what), what);
  check(reply === `echo: ${text}`, () => `${what}: the reply is not "echo: " plus the 1 MiB text (${reply.length} chars)`);
  check(events.length === 1 && events[0]!.event === 'reply', () => `${what}: expected one reply event, got ${events.map((event) => String(event.event)).join(', ')}`);
  check((events[0]!.payload as { textInResult?: unknown }).textInResult === true, () => `${what}: the reply event still carries the text`);
};

const verifyEcho: Verify = ({ response }, text, what) => {
  check(response.type === 'send' && (response as { text?: unknown }).text === text, () => `${what}: the floor did not echo the request`);
};

/** Bytes of the lines an exchange received (JSON of ASCII text re-serializes byte for byte). */
function receivedBytes({ response, events }: Exchange): number {
  return [...events, response].reduce((total, message) => total + Buffer.byteLength(JSON.stringify(message)) + 1, 0);
}

/** One 1 MiB round trip; returns its time in ns and the bytes that came back. */
async function roundTrip(child: BenchChild, verify: Verify, text: string, id: number): Promise<{ ns: number; bytes: number }> {
  const what = `1 MiB send #${id} to ${child.name}`;
  const line = JSON.stringify({ type: 'send', text, id }) + '\n';
  const start = process.hrtime.bigint();
  const exchange = await child.client.exchange(line, id, what);
  const ns = elapsedNs(start);
  verify(exchange, text, what);
  return { ns, bytes: receivedBytes(exchange) };
}

/** Runs the figure and prints its table. */
export async function measureSend1Mib(): Promise<SummaryRow[]> {
  const text = makeText();
  const { tether, floor } = await startSideBySide();
  const brief = await startTether();
  try {
    const hello = JSON.stringify({ type: 'hello', id: 'hello', protocol: 1, events: ['reply'], replyText: 'in-result' }) + '\n';
    expectResult((await brief.client.exchange(hello, 'hello', 'hello')).response, 'hello');
    const sides = [
      { child: tether, label: 'tether rpc (send → result)', verify: verifySend, samples: [] as number[], bytes: 0 },
      { child: brief, label: 'tether rpc, hello replyText in-result', verify: verifyBrief, samples: [] as number[], bytes: 0 },
      { child: floor, label: 'floor (echo a 1 MiB line)', verify: verifyEcho, samples: [] as number[], bytes: 0 },
    ];
    let id = 1;
    for (const side of sides) for (let run = 0; run < WARMUP_RUNS; run++) await roundTrip(side.child, side.verify, text, id++);
    for (let run = 0; run < RUNS; run++) {
      for (const side of run % 2 === 0 ? sides : [...sides].reverse()) {
        const { ns, bytes } = await roundTrip(side.child, side.verify, text, id++);
        side.samples.push(ns);
        side.bytes = bytes;
      }
    }
    const [seed, mine, base] = sides.map((side) => distribution(side.samples)) as [ReturnType<typeof distribution>, ReturnType<typeof distribution>, ReturnType<typeof distribution>];
    const ratio = mine.p50 / base.p50;
    const request = Buffer.byteLength(JSON.stringify({ type: 'send', text, id: 1 })) + 1;
    printTable(
      `1 MiB send round trip: ${RUNS} runs per child after ${WARMUP_RUNS} warm-up, alternating; request line ${formatInt(request)} bytes`,
      ['child', 'runs', 'p50 ms', 'mean ms', 'min ms', 'max ms', 'bytes back'],
      [
        ...sides.map((side) => {
          const d = distribution(side.samples);
          return [side.label, formatInt(d.count), formatMs(d.p50), formatMs(d.mean), formatMs(d.min), formatMs(d.max), formatInt(side.bytes)];
        }),
        ['seed client / floor', '', formatRatio(seed.p50 / base.p50), formatRatio(seed.mean / base.mean), formatRatio(seed.min / base.min), '', formatRatio(sides[0]!.bytes / sides[2]!.bytes)],
        ['in-result client / floor', '', formatRatio(ratio), formatRatio(mine.mean / base.mean), formatRatio(mine.min / base.min), '', formatRatio(sides[1]!.bytes / sides[2]!.bytes)],
      ],
    );
    return [
      {
        figure: '1 MiB send round trip p50 vs floor (hello replyText in-result)',
        measured: `${formatRatio(ratio)} (${formatMs(mine.p50)} vs ${formatMs(base.p50)} ms)`,
        target: `≤ ${TARGET_RATIO}×`,
        pass: ratio <= TARGET_RATIO,
      },
    ];
  } finally {
    await Promise.all([tether.close(), brief.close(), floor.close()]);
  }
}

if (isEntryPoint(import.meta.url)) runStandalone('1 MiB send', measureSend1Mib);
