/**
 * Exactly once through crashes, end to end: 300 sends with `retry: true`, several at
 * a time across three sessions, while the real compiled gateway is SIGKILLed 20
 * times (mid-stream, or right as it records a message). Every send must resolve
 * with its own echo, and a fresh companion reading the transcripts afterwards must
 * find each key exactly once as a user message, with exactly one `complete` reply
 * (the one the caller got). Replies cut short by a kill may remain, marked
 * `interrupted`. Again with the CLI fallback on, where the resends made while the
 * gateway restarts go to the one-shot CLI, which reads the keys from the same
 * transcripts. The kills are triggered by the gateway's own events, not by time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CompanionError, SendResult } from '../../main/core/index.js';
import type { RecordingLogger } from '../helpers/companion.js';
import type { Event, HistoryMessage } from '../../rpc-host/protocol/schemas.js';
import { cleanupCompanions, makeCompanion, waitForRunning } from '../helpers/companion.js';
import { cleanupRpcChildren } from '../helpers/rpc-child.js';
import { seededRandom } from '../helpers/seeded-random.js';

afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
});

const AT_A_TIME = 6;
const SESSIONS = ['s0', 's1', 's2'];

/** One logical send and what it resolved with. */
interface Sent {
  text: string;
  session: string;
  result: SendResult;
}


/** Every message of a session, oldest first, paging back from the newest. */
async function wholeHistory(companion: ReturnType<typeof makeCompanion>['companion'], session: string): Promise<HistoryMessage[]> {
  const pages: HistoryMessage[][] = [];
  let before: number | undefined;
  for (;;) {
    const page = await companion.history(session, { limit: 1000, ...(before !== undefined ? { before } : {}) });
    pages.unshift(page.messages);
    if (!page.hasMore || page.messages.length === 0) break;
    before = page.messages[0]!.index;
  }
  return pages.flat();
}

/**
 * Sends `sends` messages with `retry: true`, AT_A_TIME at once across SESSIONS,
 * while the gateway is SIGKILLed `kills` times; asserts that every send resolved
 * with its own echo and returns them with the data dir.
 */
async function sendThroughKills(options: { sends: number; kills: number; fallback: boolean; restartDelayMs?: number }): Promise<{ sent: Sent[]; dataDir: string; logger: RecordingLogger }> {
  const restartDelayMs = options.restartDelayMs ?? 10;
  const { companion, dataDir, logger } = makeCompanion({
    // A few ms per streamed piece: a reply streams for tens of ms, so kills land mid-stream.
    extraEnv: { TETHER_ECHO_DELAY_MS: '3' },
    restartPolicy: { initialDelayMs: restartDelayMs, maxDelayMs: Math.max(50, restartDelayMs), maxCrashes: 1000, jitterRatio: 0 },
  });
  await companion.setFallback(options.fallback);
  await companion.start();
  const first = await waitForRunning(companion);

  // The killer: armed on each running child, it fires after a drawn number of reply
  // deltas, or at the next message the child records; then waits for the next child.
  const random = seededRandom(20_261_206);
  let kills = 0;
  let armed: { pid: number; on: 'reply.delta' | 'session.updated'; left: number } | undefined;
  const killedPids = new Set<number>();
  const arm = (pid: number | null): void => {
    if (pid === null || kills >= options.kills || killedPids.has(pid) || armed?.pid === pid) return;
    const on = kills === 0 || random() < 0.7 ? 'reply.delta' : 'session.updated';
    armed = { pid, on, left: on === 'reply.delta' ? 1 + Math.floor(random() * 40) : 1 };
  };
  companion.onDidChangeState((state) => {
    if (state.gateway.state === 'running' && !state.gateway.stopping) arm(state.gateway.pid);
  });
  companion.onDidReceiveEvent((event: Event) => {
    if (armed === undefined || event.event !== armed.on || --armed.left > 0) return;
    const { pid } = armed;
    armed = undefined;
    killedPids.add(pid);
    kills += 1;
    process.kill(pid, 'SIGKILL');
  });
  arm(first.gateway.pid);

  // The senders: AT_A_TIME at once, each taking the next message until all are sent.
  const sent: Sent[] = [];
  const failed: CompanionError[] = [];
  let next = 0;
  const sender = async (): Promise<void> => {
    for (let i = next++; i < options.sends; i = next++) {
      const session = SESSIONS[i % SESSIONS.length]!;
      // Mostly short replies; every tenth streams long enough (> 250 ms) to be checkpointed before a kill.
      const words = i % 10 === 0 ? 90 : 6 + (i % 9);
      const text = `message ${i}: ${Array.from({ length: words }, (_, w) => `w${w}`).join(' ')}`;
      try {
        sent.push({ text, session, result: await companion.send({ text, session }, { retry: true, maxAttempts: 50 }) });
      } catch (error) {
        failed.push(error as CompanionError);
      }
    }
  };
  await Promise.all(Array.from({ length: AT_A_TIME }, () => sender()));

  expect(failed.map((error) => error.message)).toEqual([]);
  expect(kills).toBe(options.kills);
  expect(sent).toHaveLength(options.sends);
  for (const { text, session, result } of sent) {
    expect(result.payload.payloads[0]!.text).toBe(`echo: ${text}`);
    expect(result.payload.meta).toMatchObject({ session, idempotencyKey: result.idempotencyKey });
  }
  expect(new Set(sent.map(({ result }) => result.idempotencyKey)).size).toBe(options.sends);
  await companion.shutdown();
  return { sent, dataDir, logger };
}

/**
 * Reads every session through a fresh companion on `dataDir` and asserts exactly
 * once: each key one user message (its text) and one `complete` reply (the one its
 * caller got); other replies only `interrupted` ones; no message without a sent key.
 */
async function expectExactlyOnce(dataDir: string, sent: Sent[]): Promise<void> {
  const { companion: reader } = makeCompanion({ dataDir });
  await reader.setFallback(false);
  await reader.start();
  await waitForRunning(reader);
  for (const session of SESSIONS) {
    const messages = await wholeHistory(reader, session);
    const expected = new Map(sent.filter((send) => send.session === session).map((send) => [send.result.idempotencyKey, send]));
    const users = new Map<string, number>();
    const complete = new Map<string, HistoryMessage[]>();
    for (const message of messages) {
      expect(message.idempotencyKey, `${session} #${message.index} has no key: ${JSON.stringify(message)}`).toBeDefined();
      const key = message.idempotencyKey!;
      expect(expected.has(key), `${session} #${message.index} has a key no send used: ${key}`).toBe(true);
      if (message.role === 'user') {
        users.set(key, (users.get(key) ?? 0) + 1);
        expect(message.text).toBe(expected.get(key)!.text);
      } else if (message.state === 'complete') {
        complete.set(key, [...(complete.get(key) ?? []), message]);
      } else {
        expect(message.state, `${session} #${message.index}: ${JSON.stringify(message)}`).toBe('interrupted');
      }
    }
    for (const [key, { text, result }] of expected) {
      expect(users.get(key), `user messages of ${key} in ${session}`).toBe(1);
      const replies = complete.get(key) ?? [];
      expect(replies.map((reply) => reply.text), `complete replies of ${key} in ${session}`).toEqual([`echo: ${text}`]);
      expect(replies[0]!.runId).toBe(result.payload.meta.runId);
    }
  }
}

describe('sends with retry while the gateway is killed again and again', () => {
  it('runs every send exactly once: one user message and one complete reply per key', { timeout: 240_000 }, async () => {
    // Fallback off: every resend waits for, and meets, a restarted child.
    const { sent, dataDir, logger } = await sendThroughKills({ sends: 300, kills: 20, fallback: false });
    expect(sent.every(({ result }) => result.via === 'gateway')).toBe(true);
    // Sends were cut short and sent again, among them ones the gateway had already started on.
    const resends = logger.lines.filter((line) => line.includes('the gateway exited under attempt'));
    expect(resends.length).toBeGreaterThan(0);
    expect(resends.some((line) => line.includes('reached: yes'))).toBe(true);
    await expectExactlyOnce(dataDir, sent);
  });

  it('still exactly once with the fallback on, the one-shot CLI taking the resends while the gateway restarts', { timeout: 240_000 }, async () => {
    // The gateway stays down a while after each kill: a cold start takes about 100 ms,
    // and resends must meet it down (not already back) for the CLI to take them.
    const { sent, dataDir } = await sendThroughKills({ sends: 120, kills: 8, fallback: true, restartDelayMs: 300 });
    expect(sent.some(({ result }) => result.via === 'cli')).toBe(true);
    await expectExactlyOnce(dataDir, sent);
  });
});
