/**
 * What message identity costs: a `send` with an idempotency key against one
 * without, and a 1 MiB streamed reply with checkpoints against one without.
 *
 * **Key vs no key.** One `tether rpc` child (echo provider, no delay) takes small
 * sends in one session, one request in flight at a time, in alternating blocks of
 * 100: sends with a fresh key each (a UUID), then sends without, the order swapped
 * every round. One child rather than two side by side because the figure is a few
 * tens of microseconds on a round trip of a couple of hundred: two children would
 * add their own difference (which CPU each is woken on, JIT and heap state; see
 * status-roundtrip.ts), as large as what is measured, while one child gives both
 * kinds of send the same process, the same transcript at the same size and the
 * same machine noise. Blocks rather than strict turns because a keyed send's
 * look-up reads (and parses) whatever was appended to the transcript since the
 * previous look-up: with strict turns that would be two sends' records, the
 * unkeyed one's too, where a client that keys every send pays for one; in blocks
 * only a block's first send pays that extra. Every answer is checked: the echo,
 * the deltas spelling it, the key on `meta` and on every event of a keyed send
 * (and on none of an unkeyed one), no `meta.replayed`. Target: p50 within 1.05× of
 * the unkeyed send.
 *
 * **Checkpoints vs none.** Two children side by side (the interval is read once at
 * start), identical but for `TETHER_CHECKPOINT_MS`: 250 (the default, set
 * explicitly) and 0 (off). Both echo a 1 MiB text in 64 pieces of 16 KiB
 * (config.json `echo.chunkChars`; 64 is the most pieces echo streams, so this is
 * the finest split it allows for 1 MiB) with `TETHER_ECHO_DELAY_MS=16` before each
 * piece, so a reply streams for about a second: four checkpoint intervals, about
 * four fifths of the text checkpointed before the final record (the worst
 * case short of a reply written twice). A shorter delay leaves fewer intervals to
 * measure; a longer one only adds the same idle time to both sides and shrinks the
 * ratio. The clock runs from writing the send until its result is parsed, and
 * runs alternate between the two children. Every reply is checked in full (the
 * echo, the deltas spelling it) and so is the transcript each run wrote (each run
 * in its own session): on the checkpointing side, pieces that start where the
 * previous one ended and spell a prefix of the reply, then the whole reply; on the
 * other, no pieces. Target: p50 within 1.10× of the child without checkpoints.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTether, type BenchChild } from './lib/children.js';
import { check, expectResult, replyText, type WireMessage } from './lib/line-client.js';
import { formatInt, formatMs, formatRatio, formatUs, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs, percentile, type Distribution } from './lib/stats.js';

const KEY_WARMUP_SENDS = 1000;
const KEY_ROUNDS = 50;
const KEY_BLOCK = 100;
const KEY_TARGET_RATIO = 1.05;

const STREAM_TEXT_BYTES = 1024 * 1024;
const STREAM_CHUNK_CHARS = 16 * 1024;
const STREAM_DELAY_MS = 16;
const CHECKPOINT_MS = 250;
const STREAM_WARMUP_RUNS = 2;
const STREAM_RUNS = 20;
const STREAM_TARGET_RATIO = 1.1;

/** p50, p90 and p99 of samples, with the rest of their distribution. */
function summarize(samples: readonly number[]): Distribution & { p90: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { ...distribution(sorted), p90: percentile(sorted, 90) };
}

/** A difference in ms with its sign, from nanoseconds. */
function signedMs(ns: number): string {
  return `${ns >= 0 ? '+' : ''}${formatMs(ns)}`;
}

// ---------------------------------------------------------------------------
// Key vs no key

/** Checks a small send's answer and events; `key` is the key it was sent with, if any. */
function verifyKeyedSend(response: WireMessage, events: WireMessage[], text: string, key: string | undefined, what: string): void {
  const payload = expectResult(response, what);
  const reply = replyText(payload, what);
  check(reply === `echo: ${text}`, () => `${what}: expected "echo: ${text}", got ${JSON.stringify(reply)}`);
  const meta = payload.meta as { idempotencyKey?: unknown; replayed?: unknown };
  check(meta.idempotencyKey === key, () => `${what}: meta.idempotencyKey is ${JSON.stringify(meta.idempotencyKey)}, expected ${JSON.stringify(key)}`);
  check(meta.replayed === undefined, () => `${what}: a fresh key was answered with meta.replayed`);
  const streamed = events.filter((event) => event.event === 'reply.delta').map((event) => (event.payload as { text: string }).text);
  check(streamed.join('') === reply, () => `${what}: reply.delta events spell ${JSON.stringify(streamed.join(''))}, not the reply`);
  check(events.some((event) => event.event === 'reply'), () => `${what}: no reply event`);
  for (const event of events) {
    const eventKey = (event.payload as { idempotencyKey?: unknown }).idempotencyKey;
    check(eventKey === key, () => `${what}: its ${String(event.event)} event carries idempotencyKey ${JSON.stringify(eventKey)}, expected ${JSON.stringify(key)}`);
  }
}

/** One small send, with a fresh key or without; returns its round trip in ns. */
async function smallSend(child: BenchChild, id: number, keyed: boolean): Promise<number> {
  const text = `hello ${id}`;
  const key = keyed ? randomUUID() : undefined;
  const what = `send #${id} ${keyed ? 'with' : 'without'} a key`;
  const line = JSON.stringify(key === undefined ? { type: 'send', id, text } : { type: 'send', id, text, idempotencyKey: key }) + '\n';
  const start = process.hrtime.bigint();
  const { response, events } = await child.client.exchange(line, id, what);
  const ns = elapsedNs(start);
  verifyKeyedSend(response, events, text, key, what);
  return ns;
}

/** Round trips of small sends with and without a key, in one child, alternating. */
async function measureKeyCost(): Promise<SummaryRow> {
  const child = await startTether();
  try {
    const samples = { keyed: [] as number[], plain: [] as number[] };
    let id = 1;
    const block = async (keyed: boolean, count: number, record: boolean) => {
      for (let i = 0; i < count; i++) {
        const ns = await smallSend(child, id++, keyed);
        if (record) (keyed ? samples.keyed : samples.plain).push(ns);
      }
    };
    for (const keyed of [true, false]) await block(keyed, KEY_WARMUP_SENDS, false);
    for (let round = 0; round < KEY_ROUNDS; round++) {
      for (const keyed of round % 2 === 0 ? [true, false] : [false, true]) await block(keyed, KEY_BLOCK, true);
    }
    const keyed = summarize(samples.keyed);
    const plain = summarize(samples.plain);
    const ratio = keyed.p50 / plain.p50;
    const row = (label: string, d: typeof keyed) => [label, formatInt(d.count), formatUs(d.p50), formatUs(d.p90), formatUs(d.p99), formatUs(d.mean), formatUs(d.min), formatUs(d.max)];
    printTable(
      `send round trip (echo, no delay, one session, one child): ${formatInt(keyed.count)} of each after ${formatInt(KEY_WARMUP_SENDS)} warm-up each, alternating blocks of ${KEY_BLOCK}`,
      ['send', 'sends', 'p50 µs', 'p90 µs', 'p99 µs', 'mean µs', 'min µs', 'max µs'],
      [
        row('with a fresh idempotencyKey', keyed),
        row('without a key', plain),
        ['with / without', '', formatRatio(ratio), formatRatio(keyed.p90 / plain.p90), formatRatio(keyed.p99 / plain.p99), formatRatio(keyed.mean / plain.mean), '', ''],
      ],
    );
    return {
      figure: 'send round trip p50, with a key vs without',
      measured: `${formatRatio(ratio)} (${formatUs(keyed.p50)} vs ${formatUs(plain.p50)} µs; p90 ${formatRatio(keyed.p90 / plain.p90)})`,
      target: `≤ ${KEY_TARGET_RATIO}×`,
      pass: ratio <= KEY_TARGET_RATIO,
    };
  } finally {
    await child.close();
  }
}

// ---------------------------------------------------------------------------
// Checkpoints vs none

/** 1 MiB of ASCII words. */
function makeText(): string {
  const words = 'the quick brown fox jumps over the lazy dog while a long reply streams back through tether ';
  return words.repeat(Math.ceil(STREAM_TEXT_BYTES / words.length)).slice(0, STREAM_TEXT_BYTES);
}

/** A child streaming echo replies, and what its runs wrote. */
interface StreamSide {
  label: string;
  child: BenchChild;
  checkpoints: boolean;
  samples: number[];
  /** Checkpoint records and their text's characters, over the measured runs. */
  pieces: number;
  pieceChars: number;
}

/** Starts the two streaming children; if either fails, the other is closed. */
async function startStreamChildren(): Promise<{ on: BenchChild; off: BenchChild }> {
  const config = { echo: { chunkChars: STREAM_CHUNK_CHARS } };
  const env = (checkpointMs: number) => ({ TETHER_CHECKPOINT_MS: String(checkpointMs), TETHER_ECHO_DELAY_MS: String(STREAM_DELAY_MS) });
  const [on, off] = await Promise.allSettled([startTether([], config, env(CHECKPOINT_MS)), startTether([], config, env(0))]);
  if (on.status === 'fulfilled' && off.status === 'fulfilled') return { on: on.value, off: off.value };
  for (const started of [on, off]) if (started.status === 'fulfilled') await started.value.close();
  throw on.status === 'rejected' ? on.reason : (off as PromiseRejectedResult).reason;
}

/**
 * Checks what one run wrote to its session's transcript: the user message, the
 * checkpoints (contiguous pieces spelling a prefix of the reply; none when off),
 * then the whole reply. Returns the pieces' count and characters.
 */
function verifyTranscript(side: StreamSide, session: string, runId: string, reply: string, what: string): { pieces: number; chars: number } {
  const path = join(side.child.home!, 'sessions', `${session}.jsonl`);
  const records = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; role?: string; runId?: string; from?: number; text?: string; state?: string });
  check(records.every((record) => record.runId === runId), () => `${what}: the transcript of session ${session} holds records of other runs`);
  const first = records[0];
  const last = records.at(-1);
  check(first?.type === 'message' && first.role === 'user', () => `${what}: the transcript does not start with the user message`);
  check(last?.type === 'message' && last.role === 'assistant' && last.text === reply && last.state === 'complete', () => `${what}: the transcript does not end with the whole reply, state complete`);
  const middle = records.slice(1, -1);
  check(middle.every((record) => record.type === 'checkpoint'), () => `${what}: records other than checkpoints between the prompt and the reply: ${middle.map((r) => r.type).join(', ')}`);
  let chars = 0;
  for (const piece of middle) {
    check(piece.from === chars && reply.startsWith(piece.text!, chars), () => `${what}: a checkpoint from ${piece.from} does not continue the reply at ${chars}`);
    chars += piece.text!.length;
  }
  if (side.checkpoints) check(middle.length > 0, () => `${what}: checkpoints on, but the run wrote none (did the reply stream for less than ${CHECKPOINT_MS} ms?)`);
  else check(middle.length === 0, () => `${what}: checkpoints off, but the run wrote ${middle.length}`);
  return { pieces: middle.length, chars };
}

/** One 1 MiB streamed reply, in a session of its own, checked; its time is kept when `record`. */
async function streamRun(side: StreamSide, text: string, id: number, record: boolean): Promise<void> {
  const session = `stream-${id}`;
  const what = `1 MiB send #${id} to ${side.label}`;
  const line = JSON.stringify({ type: 'send', id, session, text }) + '\n';
  const start = process.hrtime.bigint();
  const { response, events } = await side.child.client.exchange(line, id, what);
  const ns = elapsedNs(start);
  const payload = expectResult(response, what);
  const reply = replyText(payload, what);
  check(reply === `echo: ${text}`, () => `${what}: the reply is not "echo: " plus the 1 MiB text (${reply.length} chars)`);
  const streamed = events.filter((event) => event.event === 'reply.delta').map((event) => (event.payload as { text: string }).text);
  check(streamed.join('') === reply, () => `${what}: the ${streamed.length} reply.delta events do not spell the reply`);
  check(streamed.length === Math.ceil(reply.length / Math.max(STREAM_CHUNK_CHARS, Math.ceil(reply.length / 64))), () => `${what}: ${streamed.length} deltas, expected 64 pieces`);
  const written = verifyTranscript(side, session, (payload.meta as { runId: string }).runId, reply, what);
  if (!record) return;
  side.samples.push(ns);
  side.pieces += written.pieces;
  side.pieceChars += written.chars;
}

/** 1 MiB streamed replies with checkpoints and without, two children, alternating. */
async function measureCheckpointCost(): Promise<SummaryRow> {
  const text = makeText();
  const { on, off } = await startStreamChildren();
  try {
    const sides: StreamSide[] = [
      { label: `checkpoints every ${CHECKPOINT_MS} ms`, child: on, checkpoints: true, samples: [], pieces: 0, pieceChars: 0 },
      { label: 'checkpoints off (0)', child: off, checkpoints: false, samples: [], pieces: 0, pieceChars: 0 },
    ];
    let id = 1;
    for (const side of sides) for (let run = 0; run < STREAM_WARMUP_RUNS; run++) await streamRun(side, text, id++, false);
    for (let run = 0; run < STREAM_RUNS; run++) {
      for (const side of run % 2 === 0 ? sides : [...sides].reverse()) await streamRun(side, text, id++, true);
    }
    const [mine, base] = sides.map((side) => summarize(side.samples)) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>];
    const ratio = mine.p50 / base.p50;
    const perRun = (side: StreamSide) => [(side.pieces / STREAM_RUNS).toFixed(1), formatInt(side.pieceChars / STREAM_RUNS / 1024)];
    printTable(
      `1 MiB reply streamed in 64 pieces, ${STREAM_DELAY_MS} ms apart: send → result, ${STREAM_RUNS} runs per child after ${STREAM_WARMUP_RUNS} warm-up, alternating`,
      ['child', 'runs', 'p50 ms', 'p90 ms', 'mean ms', 'min ms', 'max ms', 'checkpoints/reply', 'KiB checkpointed/reply'],
      [
        ...sides.map((side, index) => {
          const d = index === 0 ? mine : base;
          return [side.label, formatInt(d.count), formatMs(d.p50), formatMs(d.p90), formatMs(d.mean), formatMs(d.min), formatMs(d.max), ...perRun(side)];
        }),
        ['with / without', '', formatRatio(ratio), formatRatio(mine.p90 / base.p90), formatRatio(mine.mean / base.mean), formatRatio(mine.min / base.min), '', '', ''],
        ['added by checkpoints (differences)', '', signedMs(mine.p50 - base.p50), signedMs(mine.p90 - base.p90), signedMs(mine.mean - base.mean), '', '', '', ''],
      ],
    );
    return {
      figure: '1 MiB streamed reply p50, checkpoints vs none',
      measured: `${formatRatio(ratio)} (${formatMs(mine.p50)} vs ${formatMs(base.p50)} ms, ${signedMs(mine.p50 - base.p50)} ms)`,
      target: `≤ ${STREAM_TARGET_RATIO.toFixed(2)}×`,
      pass: ratio <= STREAM_TARGET_RATIO,
    };
  } finally {
    await Promise.all([on.close(), off.close()]);
  }
}

/** Runs both figures and prints their tables. */
export async function measureIdentity(): Promise<SummaryRow[]> {
  return [await measureKeyCost(), await measureCheckpointCost()];
}

if (isEntryPoint(import.meta.url)) runStandalone('message identity', measureIdentity);
