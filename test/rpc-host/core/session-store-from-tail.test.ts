/**
 * A long session folded from the anchor its index entry keeps (`foldFromTail`)
 * against the same session folded from its start: for random transcripts of sends (with
 * pieces, tool calls, replies that never finished, lost pieces), runs of stored
 * sends resumed, compactions, tool choices, deliveries, torn lines and records of
 * runs that never began in the file, both give the same history pages, provider
 * context, tool choice and replies, before and after more is appended by the
 * store itself and by another process.
 */
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionStore, type Retention } from '../../../rpc-host/core/session-store.js';
import type { TranscriptRecord } from '../../../rpc-host/core/transcript-file.js';
import { FoldAnchors, standsAlone } from '../../../rpc-host/core/transcript-window.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { plainContext } from '../../helpers/plain-context.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tether-from-tail-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const RETENTION: Retention = { messages: 6, chars: 120 };
/** Every session is folded from its anchor when it has one. */
const FROM_TAIL = 0;
/** Never from an anchor. */
const WHOLE = Number.POSITIVE_INFINITY;

type Writer = SessionStore;

/** Writes one random step through `writer`; `state` carries the runs under way. */
function randomStep(writer: Writer, random: () => number, state: { run: number; ts: number; runs: string[] }, path: string): void {
  const roll = random();
  const ts = () => state.ts++;
  const newRun = () => `r${++state.run}`;
  if (roll < 0.5) {
    // A send: its prompt, maybe tool calls, then a reply whole or in pieces, which may never finish.
    const runId = newRun();
    state.runs.push(runId);
    const tools = random() < 0.2 ? [random() < 0.5 ? 'notes/*' : 'calc/add'] : undefined;
    writer.appendMessage('main', { type: 'message', role: 'user', text: `question ${runId} ${'words '.repeat(Math.floor(random() * 5))}`, ts: ts(), runId, ...(tools ? { tools } : {}) });
    const calls = Math.floor(random() * 2.5);
    for (let call = 0; call < calls; call++) {
      const callId = `${runId}-c${call}`;
      writer.appendRunRecord('main', { type: 'tool-call', ts: ts(), runId, callId, step: call + 1, server: 'calc', tool: 'add', arguments: '{"a":1}' });
      if (random() < 0.85) writer.appendRunRecord('main', { type: 'tool-result', ts: ts(), runId, callId, ok: true, content: `${call}` });
    }
    let text = '';
    if (random() < 0.5) {
      const pieces = 1 + Math.floor(random() * 3);
      for (let piece = 0; piece < pieces; piece++) {
        const next = `piece${piece} `;
        const lost = random() < 0.05;
        writer.appendRunRecord('main', { type: 'checkpoint', ts: ts(), runId, from: lost ? text.length + 2 : text.length, text: next, seq: piece });
        if (!lost) text += next;
      }
    }
    if (random() < 0.85) {
      const state_ = random() < 0.8 ? 'complete' : 'failed';
      writer.appendMessage('main', { type: 'message', role: 'assistant', text: `${text}answer ${runId}`, ts: ts(), runId, state: state_, ...(state_ === 'failed' ? { error: 'boom' } : {}) });
      if (random() < 0.2) writer.appendRunRecord('main', { type: 'delivery', ts: ts(), runId, delivered: random() < 0.5 });
    }
  } else if (roll < 0.6) {
    // A stored send run again: a resume record begins its run.
    const runId = newRun();
    writer.appendRunRecord('main', { type: 'resume', ts: ts(), runId, idempotencyKey: `key-${runId}`, pid: process.pid });
    writer.appendMessage('main', { type: 'message', role: 'assistant', text: `again ${runId}`, ts: ts(), runId, state: 'complete' });
  } else if (roll < 0.68) {
    writer.appendCompaction('main', Math.max(0, writer.history('main').total - Math.floor(random() * 4)), `summary at ${state.ts}`);
  } else if (roll < 0.72) {
    appendFileSync(path, '{"type":"message","role":"user","te'); // a writer that died mid-line
  } else if (roll < 0.76) {
    // A record of a run that never began in this file (an older writer's, or one whose prompt line was torn).
    writer.appendMessage('main', { type: 'message', role: 'assistant', text: `orphan ${state.ts}`, ts: ts(), runId: `orphan-${state.run}`, state: 'complete' });
  } else if (roll < 0.8 && state.runs.length > 0) {
    // A late record of an earlier run.
    writer.appendRunRecord('main', { type: 'delivery', ts: ts(), runId: state.runs[Math.floor(random() * state.runs.length)]!, delivered: true });
  } else {
    const runId = newRun();
    state.runs.push(runId);
    writer.appendMessage('main', { type: 'message', role: 'user', text: `short ${runId}`, ts: ts(), runId });
    writer.appendMessage('main', { type: 'message', role: 'assistant', text: `reply ${runId}`, ts: ts(), runId, state: 'complete' });
  }
}

/** Everything a reader sees of the session, through `store`. */
function view(store: SessionStore, runs: readonly string[]) {
  const last = store.history('main', { limit: 4 });
  const pages = [last];
  for (let before = last.total - 4; before > 0 && pages.length < 6; before -= 5) pages.push(store.history('main', { limit: 5, before }));
  return {
    pages,
    context: plainContext(store.context('main')),
    toolChoice: store.toolChoice('main'),
    replies: runs.slice(-8).map((runId) => store.replyText('main', runId)),
  };
}

describe('a long session folded from its anchor', () => {
  let foldedFromTail = 0;
  const foldFromTail = vi.spyOn(SessionStore.prototype as unknown as { foldFromTail: (...args: unknown[]) => unknown }, 'foldFromTail');
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]) {
    it(`reads as the whole file does, before and after more is appended (seed ${seed})`, () => {
      const random = seededRandom(seed);
      const writer = new SessionStore(dataDir, 0, RETENTION, WHOLE);
      const path = writer.transcriptPath('main');
      const state = { run: 0, ts: 1, runs: [] as string[] };
      for (let step = 0; step < 120; step++) randomStep(writer, random, state, path);
      writer.history('main'); // the writer's fold keeps its anchor in the index

      const fromTail = new SessionStore(dataDir, 0, RETENTION, FROM_TAIL);
      foldFromTail.mockClear();
      expect(view(fromTail, state.runs), 'first read').toEqual(view(new SessionStore(dataDir, 0, RETENTION, WHOLE), state.runs));
      if (foldFromTail.mock.results.some((result) => result.value !== undefined)) foldedFromTail++;

      // More turns, by the store that folded from the tail and by another process.
      const other = new SessionStore(dataDir, 0, RETENTION, WHOLE);
      for (let step = 0; step < 30; step++) {
        randomStep(random() < 0.7 ? fromTail : other, random, state, path);
        expect(view(fromTail, state.runs), `step ${step} after`).toEqual(view(new SessionStore(dataDir, 0, RETENTION, WHOLE), state.runs));
      }
    });
  }

  it('folded most of those sessions from their end (else the comparison tested nothing)', () => {
    expect(foldedFromTail).toBeGreaterThanOrEqual(10);
  });
});

describe('standsAlone', () => {
  const user = (runId: string): TranscriptRecord => ({ type: 'message', role: 'user', text: 'q', ts: 1, runId });
  const reply = (runId: string): TranscriptRecord => ({ type: 'message', role: 'assistant', text: 'a', ts: 1, runId, state: 'complete' });
  const piece = (runId: string): TranscriptRecord => ({ type: 'checkpoint', ts: 1, runId, from: 0, text: 'p', seq: 0 });

  it('holds for records that begin a run and belong only to runs begun among them', () => {
    expect(standsAlone([user('b'), piece('b'), reply('b'), user('c'), reply('c')])).toBe(true);
    expect(standsAlone([{ type: 'resume', ts: 1, runId: 'r', idempotencyKey: 'k', pid: 1 }, reply('r')])).toBe(true);
  });

  it('fails for records that do not begin with a run, or hold a record of an earlier run', () => {
    expect(standsAlone([reply('a'), user('b')])).toBe(false);
    expect(standsAlone([user('b'), reply('a')])).toBe(false);
    expect(standsAlone([user('b'), reply('a'), user('a')])).toBe(false); // 'a' begins after its reply
    expect(standsAlone([])).toBe(false);
  });
});

describe('FoldAnchors', () => {
  const fold = (total: number) => ({ total, compaction: undefined, toolChoice: undefined });
  const user = (runId: string): TranscriptRecord => ({ type: 'message', role: 'user', text: 'q', ts: 1, runId });
  const reply = (runId: string): TranscriptRecord => ({ type: 'message', role: 'assistant', text: 'a', ts: 1, runId, state: 'complete' });

  it('keeps the latest anchor at or before the first message held', () => {
    const anchors = new FoldAnchors();
    for (let run = 0; run < 5; run++) {
      anchors.note(user(`r${run}`), run * 100, fold(run * 2));
      anchors.note(reply(`r${run}`), run * 100 + 50, fold(run * 2 + 1));
    }
    anchors.trim(5); // messages 5 and later held: message 5 is r2's reply, so r2's prompt (message 4) is where to fold from
    expect(anchors.oldest).toMatchObject({ at: 200, runId: 'r2', before: 4 });
  });

  it('keeps a few dozen anchors over thousands of runs, the oldest still among them', () => {
    const anchors = new FoldAnchors();
    for (let run = 0; run < 5000; run++) anchors.note(user(`r${run}`), run * 100, fold(run));
    const kept = (anchors as unknown as { anchors: unknown[] }).anchors;
    expect(kept.length).toBeLessThanOrEqual(33);
    expect(anchors.oldest).toMatchObject({ runId: 'r0' });
    anchors.trim(4000);
    expect(anchors.oldest!.before).toBeLessThanOrEqual(4000);
    expect(anchors.oldest!.before).toBeGreaterThan(3500);
  });

  it('drops the anchors a record of an earlier run makes useless', () => {
    const anchors = new FoldAnchors();
    anchors.note(user('a'), 0, fold(0));
    anchors.note(user('b'), 100, fold(1));
    anchors.note(reply('a'), 200, fold(2)); // a reply of 'a' after 'b' began: folding from 'b' would miss where 'a' began
    expect(anchors.oldest).toMatchObject({ runId: 'a' });
    anchors.trim(2);
    expect(anchors.oldest).toMatchObject({ runId: 'a' }); // still the only one
    anchors.note(reply('z'), 300, fold(3)); // a run that never began here: no anchor can fold it
    expect(anchors.oldest).toBeUndefined();
  });
});
