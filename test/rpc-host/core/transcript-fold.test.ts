/**
 * Folding a transcript's records into messages: a run's checkpoint pieces become one
 * message at the place of its first piece, its final reply record replaces them
 * there, a gap or a lost first piece stops the fold, older records without `state`
 * still say how they ended, and a compaction counts folded messages.
 */
import { describe, expect, it } from 'vitest';
import type { CheckpointRecord, MessageRecord, TranscriptRecord } from '../../../rpc-host/core/transcript-file.js';
import { MAX_FINISHED_RUNS, TranscriptFolder, foldTranscript, replyStateOf } from '../../../rpc-host/core/transcript-fold.js';

let clock = 1_700_000_000_000;

function user(text: string, runId: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return { type: 'message', role: 'user', text, ts: clock++, runId, ...extra };
}

function reply(text: string, runId: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return { type: 'message', role: 'assistant', text, ts: clock++, runId, provider: 'echo', model: 'echo', state: 'complete', ...extra };
}

function piece(runId: string, from: number, text: string, seq: number, extra: Partial<CheckpointRecord> = {}): CheckpointRecord {
  return { type: 'checkpoint', ts: clock++, runId, from, text, seq, source: 'rpc', provider: 'echo', model: 'echo-1', ...extra };
}

/** `role:text:state` of each message, which is what most tests are about. */
function shown(records: TranscriptRecord[]): string[] {
  return foldTranscript(records).messages.map((m) => `${m.role}:${m.text}${m.state !== undefined ? `:${m.state}` : ''}`);
}

describe('foldTranscript pieces', () => {
  it('joins a run\'s pieces in order into one interrupted message with the last seq, and lists the run as open', () => {
    const first = piece('r1', 0, 'Hel', 2, { idempotencyKey: 'K' });
    const folded = foldTranscript([user('hi', 'r1'), first, piece('r1', 3, 'lo, ', 4), piece('r1', 7, 'world', 9)]);
    expect(folded.messages).toEqual([
      { role: 'user', text: 'hi', ts: expect.any(Number), runId: 'r1' },
      { role: 'assistant', text: 'Hello, world', ts: first.ts, runId: 'r1', state: 'interrupted', seq: 9, source: 'rpc', provider: 'echo', model: 'echo-1', idempotencyKey: 'K' },
    ]);
    expect([...folded.openRuns]).toEqual([['r1', 1]]);
    expect(folded.compaction).toBeUndefined();
  });

  it('puts the final reply record in the place of the pieces, so later messages keep their indices', () => {
    const records: TranscriptRecord[] = [
      user('q1', 'r1'),
      piece('r1', 0, 'par', 0),
      // Another writer's messages land between the pieces and the final record.
      user('q2', 'r2'),
      reply('a2', 'r2'),
      piece('r1', 3, 'tial', 1),
      reply('partial and done', 'r1', { idempotencyKey: 'K1' }),
      user('q3', 'r3'),
    ];
    const folded = foldTranscript(records);
    expect(folded.messages.map((m) => `${m.runId}:${m.role}:${m.text}`)).toEqual(['r1:user:q1', 'r1:assistant:partial and done', 'r2:user:q2', 'r2:assistant:a2', 'r3:user:q3']);
    // The final record's fields replace the piece's: no seq, its own state and key.
    expect(folded.messages[1]).toEqual({ role: 'assistant', text: 'partial and done', ts: expect.any(Number), runId: 'r1', provider: 'echo', model: 'echo', state: 'complete', idempotencyKey: 'K1' });
    expect(folded.openRuns.size).toBe(0);
  });

  it('ignores pieces that come after the run\'s final record', () => {
    expect(shown([user('q', 'r1'), piece('r1', 0, 'ab', 0), reply('abc', 'r1'), piece('r1', 2, 'c', 1)])).toEqual(['user:q', 'assistant:abc:complete']);
  });

  it('remembers the latest MAX_FINISHED_RUNS finished runs, so a long-lived fold does not grow by a run id a turn', () => {
    const runs = MAX_FINISHED_RUNS + 10;
    const folder = new TranscriptFolder();
    for (let i = 0; i < runs; i++) {
      folder.apply(user(`q${i}`, `r${i}`));
      folder.apply(reply(`a${i}`, `r${i}`));
      folder.releaseBefore(folder.total - 4); // a store keeps a window, as a gateway does
    }
    // A stray first piece of a recent run is still dropped …
    folder.apply(piece(`r${runs - MAX_FINISHED_RUNS}`, 0, 'late', 0));
    expect(folder.total).toBe(2 * runs);
    // … while one of a run finished more than MAX_FINISHED_RUNS runs ago is no longer known.
    folder.apply(piece('r0', 0, 'very late', 0));
    expect(folder.total).toBe(2 * runs + 1);
    expect(folder.messages.at(-1)).toMatchObject({ runId: 'r0', text: 'very late', state: 'interrupted' });
  });

  it('stops a run\'s fold at a gap: the text before it stays, later pieces are dropped', () => {
    const records = [user('q', 'r1'), piece('r1', 0, 'abc', 0), piece('r1', 5, 'fg', 2), piece('r1', 3, 'de', 1), piece('r1', 7, 'hi', 3)];
    const folded = foldTranscript(records);
    expect(folded.messages.map((m) => [m.text, m.state, m.seq])).toEqual([
      ['q', undefined, undefined],
      ['abc', 'interrupted', 0],
    ]);
    expect([...folded.openRuns]).toEqual([['r1', 1]]);
  });

  it('lets the final record of a run with a gap replace its partial message', () => {
    expect(shown([user('q', 'r1'), piece('r1', 0, 'abc', 0), piece('r1', 9, 'x', 4), user('q2', 'r2'), reply('abcdefghijx', 'r1')])).toEqual([
      'user:q',
      'assistant:abcdefghijx:complete',
      'user:q2',
    ]);
  });

  it('shows no message for a run whose first piece is lost, until its final record comes', () => {
    const lost = [user('q', 'r1'), piece('r1', 4, 'tail', 1), piece('r1', 8, ' more', 2)];
    const folded = foldTranscript(lost);
    expect(folded.messages.map((m) => m.text)).toEqual(['q']);
    expect(folded.openRuns.size).toBe(0);
    // The final record has no pieces to replace: it is appended where it was written.
    expect(shown([...lost, user('q2', 'r2'), reply('head tail more', 'r1')])).toEqual(['user:q', 'user:q2', 'assistant:head tail more:complete']);
  });

  it('folds interleaved runs independently', () => {
    const folded = foldTranscript([piece('a', 0, 'A1', 0), piece('b', 0, 'B1', 0), piece('a', 2, 'A2', 1), piece('b', 2, 'B2', 1), reply('B1B2!', 'b')]);
    expect(folded.messages.map((m) => `${m.runId}:${m.text}:${m.state}`)).toEqual(['a:A1A2:interrupted', 'b:B1B2!:complete']);
    expect([...folded.openRuns]).toEqual([['a', 0]]);
  });

  it('skips delivery records', () => {
    expect(shown([user('q', 'r1'), reply('a', 'r1'), { type: 'delivery', ts: clock++, runId: 'r1', delivered: true }])).toEqual(['user:q', 'assistant:a:complete']);
  });
});

describe('foldTranscript reply states', () => {
  it.each([
    ['state complete', { state: 'complete' as const }, 'complete'],
    ['state aborted', { state: 'aborted' as const, aborted: true }, 'aborted'],
    ['state failed', { state: 'failed' as const, error: 'boom' }, 'failed'],
    ['legacy: no marks', {}, 'complete'],
    ['legacy: aborted alone', { aborted: true }, 'aborted'],
    ['legacy: error alone', { error: 'provider "x" failed: boom' }, 'failed'],
    ['legacy: aborted and error', { aborted: true, error: 'boom' }, 'failed'],
  ])('reads %s as %s', (_label, marks, state) => {
    const record: MessageRecord = { type: 'message', role: 'assistant', text: 't', ts: clock++, runId: 'r1', ...marks };
    expect(replyStateOf(record)).toBe(state);
    expect(foldTranscript([record]).messages[0]?.state).toBe(state);
  });

  it('keeps a legacy error on the message and gives user messages no state', () => {
    const folded = foldTranscript([user('q', 'r1'), { type: 'message', role: 'assistant', text: 'half', ts: clock++, runId: 'r1', error: 'timed out' }]);
    expect(folded.messages[0]).not.toHaveProperty('state');
    expect(folded.messages[1]).toMatchObject({ text: 'half', state: 'failed', error: 'timed out' });
  });
});

describe('foldTranscript compaction', () => {
  it('counts a run\'s pieces as one message in firstIndex', () => {
    const folded = foldTranscript([
      user('q1', 'r1'),
      piece('r1', 0, 'a', 0),
      piece('r1', 1, 'b', 1),
      piece('r1', 2, 'c', 2),
      reply('abc', 'r1'),
      { type: 'compaction', ts: clock++, upTo: 2, summary: 'first exchange' },
      user('q2', 'r2'),
      piece('r2', 0, 'x', 0),
    ]);
    expect(folded.compaction).toEqual({ summary: 'first exchange', firstIndex: 2 });
    expect(folded.messages.slice(2).map((m) => m.text)).toEqual(['q2', 'x']);
  });

  it('caps firstIndex at the messages there were when the compaction was written', () => {
    const folded = foldTranscript([user('q', 'r1'), piece('r1', 0, 'a', 0), piece('r1', 1, 'b', 1), { type: 'compaction', ts: clock++, upTo: 4, summary: 's' }, user('later', 'r2')]);
    expect(folded.compaction).toEqual({ summary: 's', firstIndex: 2 });
  });
});

describe('foldTranscript resumed sends', () => {
  it('shows an interrupted run and the run that resumed its key as two replies, one interrupted and one complete', () => {
    // r1 was cut off by a stopped gateway; a send with the same key ran again as r2
    // on the stored user message (no second user message is written).
    const folded = foldTranscript([
      user('write a poem', 'r1', { idempotencyKey: 'K' }),
      piece('r1', 0, 'Roses are', 3, { idempotencyKey: 'K' }),
      piece('r2', 0, 'Violets', 1, { idempotencyKey: 'K' }),
      reply('Violets are blue', 'r2', { idempotencyKey: 'K' }),
    ]);
    expect(folded.messages.map((m) => [m.role, m.runId, m.text, m.state, m.idempotencyKey])).toEqual([
      ['user', 'r1', 'write a poem', undefined, 'K'],
      ['assistant', 'r1', 'Roses are', 'interrupted', 'K'],
      ['assistant', 'r2', 'Violets are blue', 'complete', 'K'],
    ]);
    expect([...folded.openRuns]).toEqual([['r1', 1]]);
  });

  it('shows a failed run and its successful re-run without pieces as two replies', () => {
    expect(
      shown([user('q', 'r1', { idempotencyKey: 'K' }), reply('', 'r1', { state: 'failed', error: 'down', idempotencyKey: 'K' }), reply('answer', 'r2', { idempotencyKey: 'K' })]),
    ).toEqual(['user:q', 'assistant::failed', 'assistant:answer:complete']);
  });
});
