/**
 * The session store's in-memory fold of a transcript (kept up to date from its own
 * appends and from what other processes append) against a fresh read of the file:
 * for random sequences of messages, reply pieces, compactions, writes by another
 * store and torn lines, both give the same history and provider context.
 */
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../../rpc-host/core/session-store.js';
import type { TranscriptRecord } from '../../../rpc-host/core/transcript-file.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { plainContext } from '../../helpers/plain-context.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tether-tail-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** What a store that never read the session before makes of it. */
function fresh() {
  const store = new SessionStore(dataDir, 0);
  return { history: store.history('main', { limit: 1000 }), context: plainContext(store.context('main')) };
}

describe('the in-memory fold of a transcript', () => {
  it('shows a message another process appended in the next send context, and in history', () => {
    const gateway = new SessionStore(dataDir, 0);
    gateway.appendMessage('main', { type: 'message', role: 'user', text: 'first', ts: 1, runId: 'r1' });
    gateway.appendMessage('main', { type: 'message', role: 'assistant', text: 'echo: first', ts: 2, runId: 'r1', state: 'complete' });
    expect(plainContext(gateway.context('main')).messages).toHaveLength(2); // now held in memory

    const cli = new SessionStore(dataDir, 0); // a one-shot CLI on the same data dir
    cli.appendMessage('main', { type: 'message', role: 'user', text: 'from the cli', ts: 3, runId: 'r2' });
    cli.appendMessage('main', { type: 'message', role: 'assistant', text: 'echo: from the cli', ts: 4, runId: 'r2', state: 'complete' });

    expect(plainContext(gateway.context('main')).messages.map((message) => message.text)).toEqual(['first', 'echo: first', 'from the cli', 'echo: from the cli']);
    expect(gateway.history('main').total).toBe(4);
  });

  // Seeds 9 and up keep only a few messages in memory, so the reads that reach past them (old pages, context, replies) go to the file.
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`equals a fresh read after every step of a random sequence (seed ${seed}${seed > 8 ? ', little held' : ''})`, () => {
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const ours = seed > 8 ? new SessionStore(dataDir, 0, { messages: 2, chars: 30 }) : new SessionStore(dataDir, 0);
      const theirs = new SessionStore(dataDir, 0);
      const path = ours.transcriptPath('main');
      let ts = 1;
      let run = 0;
      /** Runs streaming in pieces, and how much text each has written. */
      const streaming = new Map<string, number>();

      for (let step = 0; step < 120; step++) {
        const writer = random() < 0.75 ? ours : theirs;
        const roll = random();
        let record: TranscriptRecord | undefined;
        if (roll < 0.25) {
          record = { type: 'message', role: 'user', text: `question ${step}`, ts: ts++, runId: `r${++run}` };
        } else if (roll < 0.45) {
          const runId = streaming.size > 0 && random() < 0.7 ? pick([...streaming.keys()]) : `r${++run}`;
          const from = streaming.get(runId) ?? 0;
          const text = `piece${step} `;
          // Now and then a piece is lost (a gap), or the first one is.
          const lost = random() < 0.08;
          record = { type: 'checkpoint', ts: ts++, runId, from: lost ? from + 3 : from, text, seq: step };
          if (!lost) streaming.set(runId, from + text.length);
        } else if (roll < 0.65) {
          const runId = streaming.size > 0 && random() < 0.6 ? pick([...streaming.keys()]) : `r${++run}`;
          streaming.delete(runId);
          const state = pick(['complete', 'complete', 'aborted', 'failed'] as const);
          record = { type: 'message', role: 'assistant', text: `answer ${step}`, ts: ts++, runId, state, ...(state === 'failed' ? { error: 'boom' } : {}) };
        } else if (roll < 0.72) {
          record = { type: 'compaction', ts: ts++, upTo: writer.history('main').total, summary: `summary ${step}` };
        } else if (roll < 0.78) {
          appendFileSync(path, '{"type":"message","role":"user","te'); // a writer that died mid-line
        } else if (roll < 0.82) {
          record = { type: 'delivery', ts: ts++, runId: `r${run}`, delivered: random() < 0.5 };
        } else {
          // Only a read: the fold catches up on what the others wrote.
        }
        if (record?.type === 'message') writer.appendMessage('main', record);
        else if (record?.type === 'compaction') writer.appendCompaction('main', record.upTo, record.summary);
        else if (record !== undefined) writer.appendRunRecord('main', record);

        const expected = fresh();
        expect(ours.history('main', { limit: 1000 }), `step ${step}`).toEqual(expected.history);
        expect(plainContext(ours.context('main')), `step ${step}`).toEqual(expected.context);
        // Pages from the newest back, some of them older than what is held.
        const reader = new SessionStore(dataDir, 0);
        for (let before = expected.history.total; before > 0; before -= 3) {
          expect(ours.history('main', { limit: 3, before }), `step ${step}, page before ${before}`).toEqual(reader.history('main', { limit: 3, before }));
        }
        const someRun = `r${1 + Math.floor(random() * run)}`;
        expect(ours.replyText('main', someRun), `step ${step}, reply of ${someRun}`).toBe(reader.replyText('main', someRun));
      }
      // The little-held stores did let messages go (else the reads past them went untested).
      const held = (ours as unknown as { folds: Map<string, { folder: { firstHeld: number } }> }).folds.get('main')!.folder;
      if (seed > 8) expect(held.firstHeld).toBeGreaterThan(0);
      else expect(held.firstHeld).toBe(0);
    });
  }
});
