/**
 * A send through a real provider, against the floor, and whether it stays flat as
 * a session grows.
 *
 * A fake OpenAI-compatible server (bench/fixtures/instant-openai.mjs, its own
 * process) answers every chat completion at once. The `tether rpc` child is
 * configured with it as an `openai` provider; the clock runs from writing the
 * `send` line until its `result` is parsed. The floor is this same harness
 * POSTing the same kind of request to the same server over a keep-alive
 * connection and reading the SSE stream to its end: what any client must pay to
 * get an answer from that server. The ratio is what the gateway adds: framing,
 * validation, the session's context, two transcript appends, events, and its own
 * HTTP client.
 * A second floor is printed beside it, for scale: a bare Node child that relays
 * each `send` line to the same server and writes a result line
 * (bench/fixtures/relay-openai.mjs), the least any gateway in a process of its own
 * pays, since each send then crosses two pipes and wakes a second process.
 *
 * Then the session grows: one session is filled to 10,000 turns, and sends to it
 * are timed in alternating blocks against sends to sessions of about 10 turns.
 * What a send to a long session costs has two parts: the gateway's own work
 * (finding the context, appending, indexing), which should not grow, and the
 * request itself, which grows with the context sent until the provider's budget
 * (`contextChars`, 48,000 characters by default) is full: at ~10 turns of short
 * messages the request is tiny, at 10,000 turns it carries 48,000 characters. So
 * the flatness target is measured through a second provider whose budget a
 * 10-turn session already fills (`contextChars` 200), and the default budget's
 * rows are printed beside it.
 * The child's CPU per send comes from /proc (user + system ticks over thousands
 * of sends), and its RSS is read after 1,000 and after 10,000 sends: at once
 * (busy) and after two quiet seconds (settled: the gateway collects its garbage
 * after a quiet second, see rpc-host/core/idle-collector.ts; settled is what a
 * desktop app's child spends most of its life at).
 * Targets: p50 ≤ 1.5× the floor; CPU ≤ 0.6 ms per send; p50 at 10,000 turns
 * ≤ 1.1× p50 at 10 turns; no RSS growth from 1,000 to 10,000 sends, ≤ 90 MB.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, cpuMs, startNodeScript, startTether, vmRss, type BenchChild } from './lib/children.js';
import { check, expectResult, replyText } from './lib/line-client.js';
import { formatInt, formatMs, formatRatio, isEntryPoint, printTable, runStandalone, type SummaryRow } from './lib/report.js';
import { distribution, elapsedNs } from './lib/stats.js';

const WARMUP_SENDS = 1500;
const BLOCKS = 10;
const SENDS_PER_BLOCK = 100;
const LONG_TURNS = 10_000;
const SHORT_SESSIONS = 40;
const SHORT_TURNS = 10;
const CPU_SENDS = 2000;
const TARGETS = { floorRatio: 1.5, cpuMs: 0.6, flatRatio: 1.1, rssMb: 90 };
const REPLY = 'instant answer';

/** The fake provider's process and its port. */
interface InstantServer {
  port: number;
  close(): void;
}

async function startInstantServer(): Promise<InstantServer> {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'fixtures', 'instant-openai.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the instant OpenAI server exited (code ${code}) before printing its port`)));
  });
  const port = (JSON.parse(first) as { port: number }).port;
  return { port, close: () => child.kill('SIGKILL') };
}

/** The floor: one chat completion straight from the server, stream read to its end. */
function floorCall(agent: Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const ns = elapsedNs(start);
          const pieces = text
            .split('\n\n')
            .filter((event) => event.startsWith('data: {'))
            .map((event) => (JSON.parse(event.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '');
          if (pieces.join('') !== REPLY) reject(new Error(`the floor read ${JSON.stringify(pieces.join(''))} from the server`));
          else resolve(ns);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One send through the child to `session`; returns its time in ns. */
async function send(child: BenchChild, id: number, session: string, model?: string): Promise<number> {
  const what = `send #${id} to session ${session}`;
  const line = JSON.stringify({ type: 'send', id, session, text: `message ${id}`, ...(model === undefined ? {} : { model }) }) + '\n';
  const start = process.hrtime.bigint();
  const { response } = await child.client.exchange(line, id, what);
  const ns = elapsedNs(start);
  const reply = replyText(expectResult(response, what), what);
  check(reply === REPLY, () => `${what}: expected ${JSON.stringify(REPLY)}, got ${JSON.stringify(reply)}`);
  return ns;
}

/** RSS at once, and again after two quiet seconds (the gateway collects after one). */
async function readRss(pid: number): Promise<{ busy: number | undefined; settled: number | undefined }> {
  const busy = vmRss(pid);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { busy, settled: vmRss(pid) };
}

const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 1e6).toFixed(1));

/** Runs the figure and prints its tables. */
export async function measureSendFloor(): Promise<SummaryRow[]> {
  const server = await startInstantServer();
  const baseUrl = `http://127.0.0.1:${server.port}/v1`;
  const config = {
    provider: 'instant',
    providers: { instant: { type: 'openai', baseUrl, model: 'instant' }, tight: { type: 'openai', baseUrl, model: 'instant', contextChars: 200 } },
  };
  const tether = await startTether([], config);
  const relay = startNodeScript('relay child (relay-openai)', join(ROOT, 'bench', 'fixtures', 'relay-openai.mjs'), [`${baseUrl}/chat/completions`]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const floorBody = JSON.stringify({ model: 'instant', stream: true, messages: [{ role: 'user', content: 'message' }] });
  let id = 0;
  let sends = 0;
  let rssAt1k: { busy: number | undefined; settled: number | undefined } | undefined;
  const counted = async (session: string, model?: string) => {
    sends++;
    const ns = await send(tether, ++id, session, model);
    if (sends === 1000) rssAt1k = await readRss(tether.pid);
    return ns;
  };
  try {
    for (let i = 0; i < WARMUP_SENDS; i++) {
      await counted('warmup');
      await floorCall(agent, server.port, floorBody);
      await send(relay, ++id, 'warmup');
    }
    // Send → answer against the floor and the relay child, in blocks whose order alternates.
    const mine: number[] = [];
    const floor: number[] = [];
    const relayed: number[] = [];
    for (let block = 0; block < BLOCKS; block++) {
      const runTether = async () => {
        for (let i = 0; i < SENDS_PER_BLOCK; i++) mine.push(await counted(`floor-${block}`));
      };
      const runFloor = async () => {
        for (let i = 0; i < SENDS_PER_BLOCK; i++) floor.push(await floorCall(agent, server.port, floorBody));
      };
      const runRelay = async () => {
        for (let i = 0; i < SENDS_PER_BLOCK; i++) relayed.push(await send(relay, ++id, 'relay'));
      };
      const order = block % 2 === 0 ? [runTether, runFloor, runRelay] : [runRelay, runFloor, runTether];
      for (const run of order) await run();
    }
    const cpuBefore = cpuMs(tether.pid);
    for (let i = 0; i < CPU_SENDS; i++) await counted(`cpu-${i % 20}`);
    const cpuAfter = cpuMs(tether.pid);
    const cpuPerSend = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / CPU_SENDS;
    const relayBefore = cpuMs(relay.pid);
    for (let i = 0; i < CPU_SENDS; i++) await send(relay, ++id, 'relay');
    const relayAfter = cpuMs(relay.pid);
    const relayCpuPerSend = relayBefore === undefined || relayAfter === undefined ? undefined : (relayAfter - relayBefore) / CPU_SENDS;

    // Flat with session length: fill one session, keep the short ones short.
    for (let s = 0; s < SHORT_SESSIONS; s++) for (let i = 0; i < SHORT_TURNS; i++) await counted(`short-${s}`);
    while (sends < LONG_TURNS + 4000) await counted('long'); // ≥ 10,000 turns in "long" (4,000+ went elsewhere)
    const short: number[] = [];
    const long: number[] = [];
    const shortTight: number[] = [];
    const longTight: number[] = [];
    // Each kind of send runs in a block of its own, the short and long blocks of a kind
    // back to back in alternating order: a tight send timed right after a default-budget
    // send to the long session (48,000 characters out) would pay for that send's garbage,
    // while one after a short session's default send would not.
    const shortAndLongBlocks = async (block: number, shortInto: number[], longInto: number[], model?: string) => {
      const runShort = async () => {
        for (let i = 0; i < SENDS_PER_BLOCK / 2; i++) shortInto.push(await counted(`short-${(block * 5 + i) % SHORT_SESSIONS}`, model));
      };
      const runLong = async () => {
        for (let i = 0; i < SENDS_PER_BLOCK / 2; i++) longInto.push(await counted('long', model));
      };
      if (block % 2 === 0) await runShort().then(runLong);
      else await runLong().then(runShort);
    };
    for (let block = 0; block < BLOCKS; block++) {
      await shortAndLongBlocks(block, shortTight, longTight, 'tight');
      await shortAndLongBlocks(block, short, long);
    }
    const rssAtEnd = await readRss(tether.pid);
    const longTurns = await turnsIn(tether, ++id, 'long');

    type D = ReturnType<typeof distribution>;
    const [m, f, r, s, l, st, lt] = [mine, floor, relayed, short, long, shortTight, longTight].map(distribution) as [D, D, D, D, D, D, D];
    const floorRatio = m.p50 / f.p50;
    const flatRatio = lt.p50 / st.p50;
    printTable(
      `send → final answer through an OpenAI-compatible server that answers at once: ${formatInt(m.count)} per side after ${WARMUP_SENDS} warm-up, alternating blocks`,
      ['path', 'count', 'p50 ms', 'p99 ms', 'mean ms', 'min ms'],
      [
        ['tether rpc send', formatInt(m.count), formatMs(m.p50), formatMs(m.p99), formatMs(m.mean), formatMs(m.min)],
        ['floor (harness → server, keep-alive)', formatInt(f.count), formatMs(f.p50), formatMs(f.p99), formatMs(f.mean), formatMs(f.min)],
        ['tether / floor', '', formatRatio(floorRatio), formatRatio(m.p99 / f.p99), formatRatio(m.mean / f.mean), ''],
        ['relay child (stdin → server → stdout, nothing else)', formatInt(r.count), formatMs(r.p50), formatMs(r.p99), formatMs(r.mean), formatMs(r.min)],
        ['relay child / floor', '', formatRatio(r.p50 / f.p50), formatRatio(r.p99 / f.p99), formatRatio(r.mean / f.mean), ''],
        ['tether / relay child', '', formatRatio(m.p50 / r.p50), formatRatio(m.p99 / r.p99), formatRatio(m.mean / r.mean), ''],
        [`~${SHORT_TURNS} turns, contextChars 200`, formatInt(st.count), formatMs(st.p50), formatMs(st.p99), formatMs(st.mean), formatMs(st.min)],
        [`${formatInt(longTurns)} turns, contextChars 200`, formatInt(lt.count), formatMs(lt.p50), formatMs(lt.p99), formatMs(lt.mean), formatMs(lt.min)],
        ['long / short (same request size)', '', formatRatio(flatRatio), formatRatio(lt.p99 / st.p99), formatRatio(lt.mean / st.mean), ''],
        [`~${SHORT_TURNS} turns, default budget`, formatInt(s.count), formatMs(s.p50), formatMs(s.p99), formatMs(s.mean), formatMs(s.min)],
        [`${formatInt(longTurns)} turns, default budget (48,000 chars sent)`, formatInt(l.count), formatMs(l.p50), formatMs(l.p99), formatMs(l.mean), formatMs(l.min)],
        ['long / short (default budget)', '', formatRatio(l.p50 / s.p50), formatRatio(l.p99 / s.p99), formatRatio(l.mean / s.mean), ''],
      ],
    );
    printTable('the gateway child over the run', ['figure', 'value'], [
      [`CPU per send (user + system, over ${formatInt(CPU_SENDS)} sends)`, cpuPerSend === undefined ? 'n/a' : `${cpuPerSend.toFixed(3)} ms`],
      ['the relay child\'s CPU per send, for scale', relayCpuPerSend === undefined ? 'n/a' : `${relayCpuPerSend.toFixed(3)} ms`],
      ['RSS after 1,000 sends: busy, settled', `${mb(rssAt1k?.busy)}, ${mb(rssAt1k?.settled)} MB`],
      [`RSS after ${formatInt(sends)} sends: busy, settled`, `${mb(rssAtEnd.busy)}, ${mb(rssAtEnd.settled)} MB`],
    ]);
    const [before, after] = [rssAt1k?.settled, rssAtEnd.settled];
    const rssGrowth = before === undefined || after === undefined ? undefined : after - before;
    return [
      { figure: 'send → answer p50 vs floor (fake provider)', measured: `${formatRatio(floorRatio)} (${formatMs(m.p50)} vs ${formatMs(f.p50)} ms)`, target: `≤ ${TARGETS.floorRatio}×`, pass: floorRatio <= TARGETS.floorRatio },
      { figure: 'gateway CPU per send', measured: cpuPerSend === undefined ? 'n/a' : `${cpuPerSend.toFixed(3)} ms`, target: `≤ ${TARGETS.cpuMs} ms`, pass: cpuPerSend !== undefined && cpuPerSend <= TARGETS.cpuMs },
      { figure: `send p50 at ${formatInt(longTurns)} turns vs ~10 (same request size)`, measured: `${formatRatio(flatRatio)} (${formatMs(lt.p50)} vs ${formatMs(st.p50)} ms)`, target: `≤ ${TARGETS.flatRatio}×`, pass: flatRatio <= TARGETS.flatRatio },
      {
        figure: `settled RSS after 1,000 → ${formatInt(sends)} sends`,
        measured: `${mb(before)} → ${mb(after)} MB`,
        target: `no growth, ≤ ${TARGETS.rssMb} MB`,
        // "No growth" with 5 MB of slack for the garbage collector's timing.
        pass: rssGrowth !== undefined && rssGrowth <= 5e6 && after! <= TARGETS.rssMb * 1e6,
      },
    ];
  } finally {
    agent.destroy();
    await Promise.all([tether.close(), relay.close()]);
    server.close();
  }
}

/** How many turns (user messages) a session holds, from `sessions`. */
async function turnsIn(child: BenchChild, id: number, session: string): Promise<number> {
  const { response } = await child.client.exchange(JSON.stringify({ type: 'sessions', id }) + '\n', id, 'sessions');
  const payload = expectResult(response, 'sessions') as { sessions: Array<{ key: string; messageCount: number }> };
  const entry = payload.sessions.find((s) => s.key === session);
  check(entry !== undefined, () => `session ${session} is missing from sessions`);
  return Math.floor(entry.messageCount / 2);
}

if (isEntryPoint(import.meta.url)) runStandalone('send vs floor, flat with session length', measureSendFloor);
