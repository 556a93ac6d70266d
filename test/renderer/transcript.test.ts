/**
 * The transcript model: history pages, sends keyed by their idempotency key from
 * the moment Send is pressed, streamed deltas (repeats and late ones dropped, ones
 * after a gap held), final replies, CLI and heartbeat paths, and how replies end
 * (aborted, failed, interrupted, still streaming), from events and from history.
 */
import { describe, expect, it } from 'vitest';
import type { BridgeResult } from '../../main/bridge/contract.js';
import {
  emptyTranscript,
  failureLabel,
  isBusy,
  isStreamingSend,
  replyNotes,
  replyPath,
  sendAgainRows,
  transcriptReducer,
  type TranscriptAction,
  type TranscriptState,
} from '../../renderer/src/model/transcript.js';
import { newIdempotencyKey } from '../../renderer/src/model/idempotency-key.js';

type Message = BridgeResult<'get-history'>['messages'][number];
const run = (actions: TranscriptAction[], start: TranscriptState = emptyTranscript('main')) => actions.reduce(transcriptReducer, start);
const message = (index: number, role: 'user' | 'assistant', text: string, extra: Partial<Message> = {}): Message => ({ index, role, text, ts: 1000 + index, runId: `r${Math.floor(index / 2)}`, ...extra });
const page = (messages: Message[], total = messages.length, hasMore = false): TranscriptAction => ({ type: 'page', session: 'main', mode: 'replace', page: { session: 'main', messages, total, hasMore } });
const sent = (idempotencyKey: string, text: string, ts = 1): TranscriptAction => ({ type: 'sent', session: 'main', idempotencyKey, args: { text }, ts });
const delta = (runId: string, seq: number, text: string, idempotencyKey?: string): TranscriptAction => ({ type: 'delta', session: 'main', runId, seq, text, idempotencyKey, ts: 2 });
const answer = (idempotencyKey: string, runId: string, text: string, meta: Record<string, unknown> = {}, via: 'gateway' | 'cli' = 'gateway'): TranscriptAction => {
  // The companion's answer names the send's key too; the window matches by the key it made.
  const result = { via, idempotencyKey, payload: { payloads: [{ text }], meta: { session: 'main', runId, provider: 'echo', model: 'echo', durationMs: 3, ...meta } } };
  return { type: 'send-result', session: 'main', idempotencyKey, ts: 3, result };
};
const failed = (idempotencyKey: string, code: string, text = 'it failed', extra: Record<string, unknown> = {}): TranscriptAction => ({ type: 'send-failed', session: 'main', idempotencyKey, error: { code, message: text, ...extra } });
const rows = (state: TranscriptState) => state.items.map((item) => [item.role, item.text, item.state ?? (item.pending ? 'pending' : item.error ? `error:${item.error.code}` : '')]);

describe('transcriptReducer', () => {
  it('streams a reply from deltas, in order, and settles it with the final text', () => {
    const state = run([
      sent('K1', 'hi there'),
      delta('A', 0, 'echo: ', 'K1'),
      delta('A', 1, 'hi ', 'K1'),
      delta('A', 1, 'hi ', 'K1'), // repeated
      { type: 'delta', session: 'other', runId: 'B', seq: 0, text: 'elsewhere', ts: 3 }, // another session
    ]);
    expect(rows(state)).toEqual([
      ['user', 'hi there', 'pending'],
      ['assistant', 'echo: hi ', 'streaming'],
    ]);
    expect(state.items.map((item) => item.key)).toEqual(['k:K1', 'r:A']);
    expect(isBusy(state)).toBe(true);

    const done = run(
      [
        { type: 'reply', session: 'main', runId: 'A', text: 'echo: hi there', source: 'rpc', idempotencyKey: 'K1', ts: 4 },
        delta('A', 2, 'late', 'K1'), // after the end
        answer('K1', 'A', 'echo: hi there'),
      ],
      state,
    );
    expect(done.items.map((item) => [item.role, item.text, item.runId, item.state])).toEqual([
      ['user', 'hi there', 'A', undefined],
      ['assistant', 'echo: hi there', 'A', 'complete'],
    ]);
    expect(isBusy(done)).toBe(false);
    expect(replyPath(done.items[1]!)).toBe('gateway');
  });

  it('marks a reply served by the one-shot CLI, even without any delta', () => {
    const state = run([sent('K1', 'while down'), answer('K1', 'C', 'echo: while down', {}, 'cli')]);
    expect(state.items[1]).toMatchObject({ role: 'assistant', text: 'echo: while down', source: 'cli', state: 'complete', idempotencyKey: 'K1' });
    expect(replyPath(state.items[1]!)).toBe('cli');
  });

  it('keeps which model answered after others failed, and notes how delivery went', () => {
    const meta = { provider: 'openai', model: 'backup', delivered: false, deliveryError: 'webhook answered 503', failures: [{ provider: 'openai', model: 'primary', error: 'connection refused' }] };
    const state = run([sent('K1', 'hi'), answer('K1', 'F', 'hello', meta)]);
    expect(state.items[1]).toMatchObject({ provider: 'openai', model: 'backup', failures: [{ provider: 'openai', model: 'primary', error: 'connection refused' }] });
    expect(state.items[1]!.notes).toEqual([{ tone: 'warn', text: 'Not delivered: webhook answered 503 (the reply is kept here)' }]);
    expect(replyNotes({ session: 'main', runId: 'G', provider: 'echo', model: 'echo', durationMs: 1, delivered: true })).toEqual([{ tone: 'info', text: 'Delivered' }]);
    expect(replyNotes({ session: 'main', runId: 'H', provider: 'echo', model: 'echo', durationMs: 1 })).toEqual([]);
  });

  it('keeps who answered and whom the chain skipped from a reply event and from history', () => {
    const skipped = [{ provider: 'local', model: 'llama', error: 'connection refused' }];
    const live = run([sent('K1', 'hi'), delta('A', 0, 'echo: ', 'K1'), { type: 'reply', session: 'main', runId: 'A', text: 'echo: hi', source: 'rpc', idempotencyKey: 'K1', ts: 4, answeredBy: { provider: 'echo', model: 'echo', failures: skipped } }]);
    expect(live.items[1]).toMatchObject({ provider: 'echo', model: 'echo', failures: skipped });
    const loaded = run([page([message(0, 'user', 'hi'), message(1, 'assistant', 'echo: hi', { provider: 'echo', model: 'echo', state: 'complete', failures: skipped }), message(2, 'user', 'again'), message(3, 'assistant', 'echo: again', { provider: 'echo', model: 'echo', state: 'complete' })])]);
    expect(loaded.items[1]).toMatchObject({ provider: 'echo', model: 'echo', failures: skipped });
    expect(loaded.items[3]).toMatchObject({ provider: 'echo', model: 'echo' });
    expect(loaded.items[3]).not.toHaveProperty('failures');
  });

  it('keeps an aborted reply with its partial text', () => {
    const state = run([sent('K1', 'long one'), delta('A', 0, 'echo: ', 'K1'), answer('K1', 'A', 'echo: ', { aborted: true })]);
    expect(state.items[1]).toMatchObject({ text: 'echo: ', state: 'aborted' });
    expect(isBusy(state)).toBe(false);
  });

  it('adds heartbeat replies that arrive on their own, with their path', () => {
    const state = run([{ type: 'reply', session: 'main', runId: 'H', text: 'something needs you', source: 'heartbeat', ts: 1 }]);
    expect(replyPath(state.items[0]!)).toBe('heartbeat');
  });

  it('shows why a send failed on the message itself, with Send again there', () => {
    const state = run([sent('K1', 'hi'), failed('K1', 'gateway_unavailable', 'down')]);
    expect(state.items[0]).toMatchObject({ pending: false, error: { code: 'gateway_unavailable' } });
    expect(isBusy(state)).toBe(false);
    expect(sendAgainRows(state.items)).toEqual(new Set(['k:K1']));
  });

  it('ends a reply that was streaming when its send fails, keeping what arrived', () => {
    const exited = run([sent('K1', 'slow one'), delta('A', 0, 'echo: slow', 'K1'), failed('K1', 'gateway_exited', 'gateway pid 7 exited', { reached: 'yes' })]);
    expect(exited.items[1]).toMatchObject({ text: 'echo: slow', state: 'interrupted' });
    expect(isBusy(exited)).toBe(false);
    // One Send again per send: on the row with this window's error.
    expect(sendAgainRows(exited.items)).toEqual(new Set(['k:K1']));

    const broke = run([sent('K1', 'slow one'), delta('A', 0, 'echo: slow', 'K1'), failed('K1', 'gateway_error', 'provider "x" broke off', { wireCode: 'provider_error' })]);
    expect(broke.items[1]).toMatchObject({ text: 'echo: slow', state: 'failed' });

    // A call that only lost sight of the run (the window's connection dropped) says nothing about how it ended.
    const lost = run([sent('K1', 'slow one'), delta('A', 0, 'echo: slow', 'K1'), failed('K1', 'disconnected', 'the connection closed')]);
    expect(lost.items[1]).toMatchObject({ state: 'streaming', lastSeq: 0 });
  });

  it('lets history that has a reply still streaming correct an end the window only inferred', () => {
    // Told the gateway stopped (say, a stale state after a reconnect), yet the page says the run goes on.
    const state = run([sent('K1', 'q'), delta('R1', 0, 'a', 'K1'), { type: 'gateway-stopped', session: 'main' }]);
    expect(state.items[1]!.state).toBe('interrupted');
    const stored = [message(0, 'user', 'q', { idempotencyKey: 'K1', runId: 'R1' }), message(1, 'assistant', 'ab', { idempotencyKey: 'K1', runId: 'R1', state: 'streaming', seq: 1 })];
    const corrected = run([page(stored), delta('R1', 2, 'c', 'K1')], state);
    expect(corrected.items[1]).toMatchObject({ state: 'streaming', text: 'abc' });
  });

  it('marks what was streaming interrupted when the gateway process goes away', () => {
    const state = run([sent('K1', 'q'), delta('A', 0, 'half', 'K1'), { type: 'gateway-stopped', session: 'main' }]);
    expect(rows(state)).toEqual([
      ['user', 'q', 'pending'],
      ['assistant', 'half', 'interrupted'],
    ]);
    // The send itself is still on its way (the companion resends it after the restart).
    expect(sendAgainRows(state.items)).toEqual(new Set());
  });

  it('replaces the row made when Send was pressed by the stored row with the same key, in its stored place', () => {
    const state = run([page([message(0, 'user', 'older'), message(1, 'assistant', 'echo: older')]), sent('K1', 'hi', 50_000), sent('K2', 'hi', 50_001)]);
    // The stored message of K2 only (K1 is still queued): the same text, yet not K1's row.
    const reloaded = run([page([message(0, 'user', 'older'), message(1, 'assistant', 'echo: older'), message(2, 'user', 'hi', { idempotencyKey: 'K2', ts: 49_000 })])], state);
    expect(reloaded.items.map((item) => [item.key, item.text, item.index, item.ts, item.pending])).toEqual([
      ['h0', 'older', 0, 1000, undefined],
      ['r:r0', 'echo: older', 1, 1001, undefined],
      ['k:K1', 'hi', undefined, 50_000, true], // still only here, where it was
      ['k:K2', 'hi', 2, 49_000, true], // the stored row, still waiting for its answer
    ]);
    // The send's answer finds it by key, and settles it.
    const answered = run([answer('K2', 'r1', 'echo: hi')], reloaded);
    expect(answered.items.filter((item) => item.idempotencyKey !== undefined && item.role === 'user').map((item) => [item.key, item.pending, item.runId])).toEqual([
      ['k:K1', true, null],
      ['k:K2', false, 'r1'],
    ]);
  });

  it('keeps a failed send in its place after a reload, with the stored failure on its reply', () => {
    const state = run([
      page([message(0, 'user', 'before'), message(1, 'assistant', 'echo: before')]),
      sent('KF', 'this fails'),
      failed('KF', 'gateway_error', 'provider "dead" cannot reach http://127.0.0.1:9/v1', { wireCode: 'provider_error' }),
      sent('KN', 'never stored'),
      failed('KN', 'gateway_unavailable', 'down'),
    ]);
    expect(failureLabel(state.items[2]!.error!)).toBe('No reply');
    expect(failureLabel(state.items[3]!.error!)).toBe('Not sent');

    // History: the failed send, then a later one from elsewhere. The failure is the stored reply's.
    const reloaded = run(
      [
        page([
          message(0, 'user', 'before'),
          message(1, 'assistant', 'echo: before'),
          message(2, 'user', 'this fails', { idempotencyKey: 'KF', runId: 'RF' }),
          message(3, 'assistant', '', { idempotencyKey: 'KF', runId: 'RF', state: 'failed', error: 'provider "dead" cannot reach http://127.0.0.1:9/v1' }),
          message(4, 'user', 'later', { idempotencyKey: 'KL', runId: 'RL' }),
          message(5, 'assistant', 'echo: later', { idempotencyKey: 'KL', runId: 'RL', state: 'complete' }),
        ]),
      ],
      state,
    );
    expect(rows(reloaded)).toEqual([
      ['user', 'before', ''],
      ['assistant', 'echo: before', 'complete'],
      ['user', 'this fails', ''], // this window's error gave way to what history says
      ['assistant', '', 'failed'],
      ['user', 'never stored', 'error:gateway_unavailable'], // only here: next to the row it followed
      ['user', 'later', ''],
      ['assistant', 'echo: later', 'complete'],
    ]);
    expect(reloaded.items[3]).toMatchObject({ failure: 'provider "dead" cannot reach http://127.0.0.1:9/v1' });
    expect(sendAgainRows(reloaded.items)).toEqual(new Set(['r:RF', 'k:KN']));
  });

  it('keeps a row that was only on screen next to the row it followed', () => {
    const state = run([page([message(0, 'user', 'a'), message(1, 'assistant', 'echo: a')]), sent('KN', 'never stored'), failed('KN', 'gateway_unavailable')]);
    const reloaded = run([page([message(0, 'user', 'a'), message(1, 'assistant', 'echo: a'), message(2, 'user', 'b', { idempotencyKey: 'KB' })])], state);
    expect(reloaded.items.map((item) => item.text)).toEqual(['a', 'echo: a', 'never stored', 'b']);
    // After the whole send it followed, when the page brings more of that send.
    const mid = run([sent('KA', 'a'), sent('KN', 'never stored'), failed('KN', 'gateway_unavailable')]);
    const stored = run([page([message(0, 'user', 'a', { idempotencyKey: 'KA', runId: 'RA' }), message(1, 'assistant', 'echo: a', { idempotencyKey: 'KA', runId: 'RA' }), message(2, 'user', 'b', { idempotencyKey: 'KB' })])], mid);
    expect(stored.items.map((item) => item.text)).toEqual(['a', 'echo: a', 'never stored', 'b']);
  });

  it('shows an interrupted reply from history, with Send again while it is the last reply of its send', () => {
    const interrupted = message(1, 'assistant', 'echo: one two', { idempotencyKey: 'K1', runId: 'R1', state: 'interrupted' });
    const state = run([page([message(0, 'user', 'one two three', { idempotencyKey: 'K1', runId: 'R1' }), interrupted])]);
    expect(state.items[1]).toMatchObject({ key: 'r:R1', text: 'echo: one two', state: 'interrupted' });
    expect(isBusy(state)).toBe(false);
    expect(sendAgainRows(state.items)).toEqual(new Set(['r:R1']));
    // Pressed: the same row goes out again, keeping its key and its place; no second row.
    const again = run([{ type: 'retry', session: 'main', idempotencyKey: 'K1' }], state);
    expect(again.items.map((item) => [item.key, item.pending])).toEqual([
      ['k:K1', true],
      ['r:R1', undefined],
    ]);
    expect(sendAgainRows(again.items)).toEqual(new Set());
  });

  it('follows an interrupted reply with the resumed run\'s reply, one user row throughout', () => {
    // The window sent K1; the gateway died while R1 streamed; the companion resent K1 after the restart.
    let state = run([sent('K1', 'one two three'), delta('R1', 0, 'echo: ', 'K1'), delta('R1', 1, 'one ', 'K1'), delta('R1', 2, 'two ', 'K1'), { type: 'gateway-stopped', session: 'main' }]);
    // History after the restart: the checkpoint of R1 (a little shorter than what was on screen).
    state = run([page([message(0, 'user', 'one two three', { idempotencyKey: 'K1', runId: 'R1' }), message(1, 'assistant', 'echo: one ', { idempotencyKey: 'K1', runId: 'R1', state: 'interrupted' })])], state);
    expect(rows(state)).toEqual([
      ['user', 'one two three', 'pending'],
      ['assistant', 'echo: one ', 'interrupted'],
    ]);
    // The resent send runs anew under the same key (a new run id) and follows.
    state = run([delta('R2', 0, 'echo: one two three', 'K1'), answer('K1', 'R2', 'echo: one two three')], state);
    expect(rows(state)).toEqual([
      ['user', 'one two three', ''],
      ['assistant', 'echo: one ', 'interrupted'],
      ['assistant', 'echo: one two three', 'complete'],
    ]);
    expect(sendAgainRows(state.items)).toEqual(new Set()); // the last reply of K1 is complete
    // A reload shows the same.
    const reloaded = run(
      [
        page([
          message(0, 'user', 'one two three', { idempotencyKey: 'K1', runId: 'R1' }),
          message(1, 'assistant', 'echo: one ', { idempotencyKey: 'K1', runId: 'R1', state: 'interrupted' }),
          message(2, 'assistant', 'echo: one two three', { idempotencyKey: 'K1', runId: 'R2', state: 'complete' }),
        ]),
      ],
      emptyTranscript('main'),
    );
    expect(rows(reloaded)).toEqual(rows(state));
  });

  it('continues a reply history shows streaming with the deltas after its seq, and the final reply replaces it', () => {
    let state = run([page([message(0, 'user', 'q', { idempotencyKey: 'K1', runId: 'R1' }), message(1, 'assistant', 'echo: a b', { idempotencyKey: 'K1', runId: 'R1', state: 'streaming', seq: 2 })])]);
    expect(state.items[1]).toMatchObject({ state: 'streaming', lastSeq: 2 });
    expect(isBusy(state)).toBe(true);
    state = run([delta('R1', 1, 'a ', 'K1'), delta('R1', 2, 'b', 'K1'), delta('R1', 3, ' c', 'K1'), delta('R1', 4, ' d', 'K1')], state);
    expect(state.items[1]!.text).toBe('echo: a b c d');
    state = run([{ type: 'reply', session: 'main', runId: 'R1', text: 'echo: a b c d e', source: 'rpc', idempotencyKey: 'K1', ts: 9 }], state);
    expect(state.items[1]).toMatchObject({ text: 'echo: a b c d e', state: 'complete' });
    expect(isBusy(state)).toBe(false);
  });

  it('holds deltas that arrive before the history page of a reply already under way, and joins them to it', () => {
    // Reloaded mid-reply: deltas 5 and 6 arrive before the page, whose checkpoint reaches seq 4.
    let state = run([delta('R1', 5, ' f', 'K1'), delta('R1', 6, ' g', 'K1')]);
    expect(state.items[0]).toMatchObject({ text: '', state: 'streaming' }); // nothing shown out of order
    state = run([page([message(0, 'user', 'q', { idempotencyKey: 'K1', runId: 'R1' }), message(1, 'assistant', 'echo: a b c d e', { idempotencyKey: 'K1', runId: 'R1', state: 'streaming', seq: 4 })])], state);
    expect(state.items[1]).toMatchObject({ text: 'echo: a b c d e f g', lastSeq: 6 });
    state = run([delta('R1', 7, ' h', 'K1')], state);
    expect(state.items[1]!.text).toBe('echo: a b c d e f g h');
  });

  it('keeps the text of a reply that streamed further here than history\'s checkpoint, and one that ended here', () => {
    const live = run([sent('K1', 'q'), delta('R1', 0, 'a', 'K1'), delta('R1', 1, 'b', 'K1'), delta('R1', 2, 'c', 'K1')]);
    const stored = [message(0, 'user', 'q', { idempotencyKey: 'K1', runId: 'R1' }), message(1, 'assistant', 'a', { idempotencyKey: 'K1', runId: 'R1', state: 'streaming', seq: 0 })];
    expect(run([page(stored)], live).items[1]).toMatchObject({ text: 'abc', state: 'streaming', index: 1 });
    const ended = run([{ type: 'reply', session: 'main', runId: 'R1', text: 'abcd', source: 'rpc', ts: 5 }], live);
    expect(run([page(stored)], ended).items[1]).toMatchObject({ text: 'abcd', state: 'complete', index: 1 });
  });

  it('sends a failed reply again under its key, from the failed reply, and never adds a user row', () => {
    let state = run([
      page([message(0, 'user', 'try me', { idempotencyKey: 'K1', runId: 'R1' }), message(1, 'assistant', '', { idempotencyKey: 'K1', runId: 'R1', state: 'failed', error: 'HTTP 500' })]),
    ]);
    expect(sendAgainRows(state.items)).toEqual(new Set(['r:R1']));
    state = run([{ type: 'retry', session: 'main', idempotencyKey: 'K1' }, delta('R2', 0, 'hello', 'K1'), answer('K1', 'R2', 'hello')], state);
    expect(rows(state)).toEqual([
      ['user', 'try me', ''],
      ['assistant', '', 'failed'],
      ['assistant', 'hello', 'complete'],
    ]);
    expect(state.items.filter((item) => item.role === 'user')).toHaveLength(1);
    expect(sendAgainRows(state.items)).toEqual(new Set()); // the failed reply is no longer the last of its send
  });

  it('knows which sends still stream here (a session.updated about one means its reply was stored unannounced)', () => {
    const state = run([sent('K1', 'q'), delta('R1', 0, 'a', 'K1')]);
    expect(isStreamingSend(state, 'K1')).toBe(true);
    expect(isStreamingSend(state, 'K2')).toBe(false);
    expect(isStreamingSend(run([{ type: 'reply', session: 'main', runId: 'R1', text: 'ab', source: 'rpc', idempotencyKey: 'K1', ts: 3 }], state), 'K1')).toBe(false);
  });

  it('clears a stale error when the send\'s reply shows up after all', () => {
    const state = run([sent('K1', 'q'), failed('K1', 'disconnected', 'the window lost its connection')]);
    expect(state.items[0]!.error).toBeDefined();
    const replied = run([{ type: 'reply', session: 'main', runId: 'R1', text: 'echo: q', source: 'rpc', idempotencyKey: 'K1', ts: 5 }], state);
    expect(replied.items[0]!.error).toBeUndefined();
    expect(sendAgainRows(replied.items)).toEqual(new Set());
  });

  it('reads transcripts written before reply states: aborted and broken-off replies', () => {
    const state = run([page([message(0, 'user', 'q'), message(1, 'assistant', 'half an', { error: 'the server closed the connection' }), message(2, 'user', 'q2'), message(3, 'assistant', 'x', { aborted: true })])]);
    expect(state.items[1]).toMatchObject({ state: 'failed', failure: 'the server closed the connection' });
    expect(state.items[3]).toMatchObject({ state: 'aborted' });
    expect(sendAgainRows(state.items)).toEqual(new Set()); // no key: sending again would store the message twice
  });

  it('loads the last page, prepends older ones without duplicates, and keeps live rows on a reload', () => {
    let state = run([page([message(8, 'user', 'q4'), message(9, 'assistant', 'a4', { aborted: true })], 10, true)]);
    expect(state).toMatchObject({ firstIndex: 8, total: 10, hasMore: true });
    expect(state.items[1]).toMatchObject({ state: 'aborted', key: 'r:r4' });

    state = run([{ type: 'page', session: 'main', mode: 'prepend', page: { session: 'main', messages: [message(6, 'user', 'q3'), message(7, 'assistant', 'a3'), message(8, 'user', 'q4')], total: 10, hasMore: false } }], state);
    expect(state.items.map((item) => item.text)).toEqual(['q3', 'a3', 'q4', 'a4']);
    expect(state).toMatchObject({ firstIndex: 6, hasMore: false });

    state = run([delta('live', 0, 'stream')], state);
    state = run([page([message(9, 'assistant', 'a4')], 10, true)], state);
    expect(state.items.map((item) => item.text)).toEqual(['a4', 'stream']);
  });

  it('ignores actions for another session and starts over on reset', () => {
    const state = run([{ type: 'sent', session: 'other', idempotencyKey: 'k', args: { text: 'x' }, ts: 1 }]);
    expect(state.items).toEqual([]);
    expect(run([{ type: 'reset', session: 'other' }], state)).toEqual(emptyTranscript('other'));
  });
});

describe('failureLabel', () => {
  it('says "Not sent" only when the message cannot have reached the gateway', () => {
    expect(failureLabel({ code: 'gateway_exited', message: '', reached: 'no' })).toBe('Not sent');
    expect(failureLabel({ code: 'gateway_exited', message: '', reached: 'maybe' })).toBe('No reply');
    expect(failureLabel({ code: 'gateway_exited', message: '' })).toBe('No reply');
    expect(failureLabel({ code: 'timeout', message: '' })).toBe('No reply');
    expect(failureLabel({ code: 'gateway_error', message: '', wireCode: 'provider_error' })).toBe('No reply');
    expect(failureLabel({ code: 'gateway_error', message: '', wireCode: 'invalid_request' })).toBe('Not sent');
    expect(failureLabel({ code: 'gateway_unavailable', message: '' })).toBe('Not sent');
  });
});

describe('newIdempotencyKey', () => {
  it('uses crypto.randomUUID where there is one', () => {
    expect(newIdempotencyKey({ randomUUID: () => 'from-crypto', getRandomValues: (array) => array })).toBe('from-crypto');
  });

  it('builds a version-4 UUID from random bytes where randomUUID is missing', () => {
    const bytes = (array: Uint8Array) => {
      array.fill(0xff);
      return array;
    };
    expect(newIdempotencyKey({ getRandomValues: bytes as never })).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    const real = { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) };
    const a = newIdempotencyKey(real);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u);
    expect(newIdempotencyKey(real)).not.toBe(a);
  });
});
