/**
 * The transcript model: history pages, sends, streamed deltas (repeats and late
 * ones dropped), final replies, CLI and heartbeat paths, aborts and failures.
 */
import { describe, expect, it } from 'vitest';
import { emptyTranscript, isBusy, replyNotes, replyPath, transcriptReducer, type TranscriptAction, type TranscriptState } from '../../renderer/src/model/transcript.js';

const run = (actions: TranscriptAction[], start: TranscriptState = emptyTranscript('main')) => actions.reduce(transcriptReducer, start);
const message = (index: number, role: 'user' | 'assistant', text: string, extra: Record<string, unknown> = {}) => ({ index, role, text, ts: 1000 + index, runId: `r${Math.floor(index / 2)}`, ...extra });
const page = (messages: ReturnType<typeof message>[], total: number, hasMore: boolean) => ({ session: 'main', messages, total, hasMore });

describe('transcriptReducer', () => {
  it('streams a reply from deltas, in order, and settles it with the final text', () => {
    const state = run([
      { type: 'sent', session: 'main', key: 'local-1', text: 'hi there', ts: 1 },
      { type: 'delta', session: 'main', runId: 'A', seq: 0, text: 'echo: ', ts: 2 },
      { type: 'delta', session: 'main', runId: 'A', seq: 1, text: 'hi ', ts: 3 },
      { type: 'delta', session: 'main', runId: 'A', seq: 1, text: 'hi ', ts: 3 }, // repeated
      { type: 'delta', session: 'other', runId: 'B', seq: 0, text: 'elsewhere', ts: 3 }, // another session
    ]);
    expect(state.items.map((item) => [item.role, item.text, Boolean(item.streaming), Boolean(item.pending)])).toEqual([
      ['user', 'hi there', false, true],
      ['assistant', 'echo: hi ', true, false],
    ]);
    expect(isBusy(state)).toBe(true);

    const done = run(
      [
        { type: 'reply', session: 'main', runId: 'A', text: 'echo: hi there', source: 'rpc', ts: 4 },
        { type: 'delta', session: 'main', runId: 'A', seq: 2, text: 'late', ts: 5 }, // after the end
        { type: 'send-result', session: 'main', key: 'local-1', ts: 6, result: { via: 'gateway', payload: { payloads: [{ text: 'echo: hi there' }], meta: { session: 'main', runId: 'A', provider: 'echo', model: 'echo', durationMs: 3 } } } },
      ],
      state,
    );
    expect(done.items.map((item) => [item.role, item.text, item.runId])).toEqual([
      ['user', 'hi there', 'A'],
      ['assistant', 'echo: hi there', 'A'],
    ]);
    expect(isBusy(done)).toBe(false);
    expect(replyPath(done.items[1]!)).toBe('gateway');
  });

  it('marks a reply served by the one-shot CLI, even without any delta', () => {
    const state = run([
      { type: 'sent', session: 'main', key: 'local-1', text: 'while down', ts: 1 },
      { type: 'send-result', session: 'main', key: 'local-1', ts: 2, result: { via: 'cli', payload: { payloads: [{ text: 'echo: while down' }], meta: { session: 'main', runId: 'C', provider: 'echo', model: 'echo', durationMs: 90 } } } },
    ]);
    expect(state.items[1]).toMatchObject({ role: 'assistant', text: 'echo: while down', source: 'cli' });
    expect(replyPath(state.items[1]!)).toBe('cli');
  });

  it('notes under a reply which model answered after others failed, and how delivery went', () => {
    const meta = {
      session: 'main', runId: 'F', provider: 'openai', model: 'backup', durationMs: 40, delivered: false, deliveryError: 'webhook answered 503',
      failures: [{ provider: 'openai', model: 'primary', error: 'connection refused' }],
    };
    const state = run([
      { type: 'sent', session: 'main', key: 'local-1', text: 'hi', ts: 1 },
      { type: 'send-result', session: 'main', key: 'local-1', ts: 2, result: { via: 'gateway', payload: { payloads: [{ text: 'hello' }], meta } } },
    ]);
    expect(state.items[1]!.notes).toEqual([
      { tone: 'warn', text: 'openai/primary failed: connection refused' },
      { tone: 'info', text: 'Answered by openai/backup' },
      { tone: 'warn', text: 'Not delivered: webhook answered 503 (the reply is kept here)' },
    ]);
    expect(replyNotes({ session: 'main', runId: 'G', provider: 'echo', model: 'echo', durationMs: 1, delivered: true })).toEqual([{ tone: 'info', text: 'Delivered' }]);
    expect(replyNotes({ session: 'main', runId: 'H', provider: 'echo', model: 'echo', durationMs: 1 })).toEqual([]);
  });

  it('notes a stored reply the provider broke off, with why', () => {
    const state = run([{ type: 'page', session: 'main', mode: 'replace', page: page([message(0, 'user', 'q'), message(1, 'assistant', 'half an', { error: 'the server closed the connection' })], 2, false) }]);
    expect(state.items[1]!.notes).toEqual([{ tone: 'warn', text: 'The reply broke off: the server closed the connection' }]);
    expect(state.items[0]!.notes).toBeUndefined();
  });

  it('keeps an aborted reply with its partial text', () => {
    const state = run([
      { type: 'sent', session: 'main', key: 'local-1', text: 'long one', ts: 1 },
      { type: 'delta', session: 'main', runId: 'A', seq: 0, text: 'echo: ', ts: 2 },
      { type: 'send-result', session: 'main', key: 'local-1', ts: 3, result: { via: 'gateway', payload: { payloads: [{ text: 'echo: ' }], meta: { session: 'main', runId: 'A', provider: 'echo', model: 'echo', durationMs: 3, aborted: true } } } },
    ]);
    expect(state.items[1]).toMatchObject({ text: 'echo: ', aborted: true, streaming: false });
  });

  it('adds heartbeat replies that arrive on their own, with their path', () => {
    const state = run([{ type: 'reply', session: 'main', runId: 'H', text: 'something needs you', source: 'heartbeat', ts: 1 }]);
    expect(replyPath(state.items[0]!)).toBe('heartbeat');
  });

  it('shows why a send failed on the message itself', () => {
    const state = run([
      { type: 'sent', session: 'main', key: 'local-1', text: 'hi', ts: 1 },
      { type: 'send-failed', session: 'main', key: 'local-1', error: { code: 'gateway_unavailable', message: 'down' } },
    ]);
    expect(state.items[0]).toMatchObject({ pending: false, error: { code: 'gateway_unavailable' } });
    expect(isBusy(state)).toBe(false);
  });

  it('ends a reply that was streaming when its send fails, keeping what arrived', () => {
    const state = run([
      { type: 'sent', session: 'main', key: 'local-1', text: 'slow one', ts: 1 },
      { type: 'delta', session: 'main', runId: 'A', seq: 0, text: 'echo: slow', ts: 2 },
      { type: 'send-failed', session: 'main', key: 'local-1', error: { code: 'gateway_exited', message: 'gateway pid 7 exited' } },
    ]);
    expect(state.items[1]).toMatchObject({ text: 'echo: slow', streaming: false, aborted: true });
    expect(isBusy(state)).toBe(false);
  });

  it('moves a failed send\'s error onto its stored message after a reload, and Send again clears it', () => {
    const failed = run([
      { type: 'sent', session: 'main', key: 'local-1', text: 'slow one', ts: 5_000 },
      { type: 'send-failed', session: 'main', key: 'local-1', error: { code: 'gateway_exited', message: 'gateway pid 7 exited' } },
      { type: 'sent', session: 'main', key: 'local-2', text: 'never stored', ts: 6_000 },
      { type: 'send-failed', session: 'main', key: 'local-2', error: { code: 'fallback_failed', message: 'no' } },
    ]);
    const reloaded = run([{ type: 'page', session: 'main', mode: 'replace', page: page([message(0, 'user', 'slow one', { ts: 5_010 })], 1, false) }], failed);
    expect(reloaded.items.map((item) => [item.text, item.error?.code, item.index])).toEqual([
      ['slow one', 'gateway_exited', 0],
      ['never stored', 'fallback_failed', undefined],
    ]);
    const retried = run([
      { type: 'retry', session: 'main', key: 'h0' },
      { type: 'retry', session: 'main', key: 'local-2' },
    ], reloaded);
    expect(retried.items.map((item) => [item.text, item.error])).toEqual([['slow one', undefined]]);
  });

  it('loads the last page, prepends older ones without duplicates, and keeps live rows on a reload', () => {
    let state = run([{ type: 'page', session: 'main', mode: 'replace', page: page([message(8, 'user', 'q4'), message(9, 'assistant', 'a4', { aborted: true })], 10, true) }]);
    expect(state).toMatchObject({ firstIndex: 8, total: 10, hasMore: true });
    expect(state.items[1]).toMatchObject({ aborted: true, key: 'h9' });

    state = run([{ type: 'page', session: 'main', mode: 'prepend', page: page([message(6, 'user', 'q3'), message(7, 'assistant', 'a3'), message(8, 'user', 'q4')], 10, false) }], state);
    expect(state.items.map((item) => item.text)).toEqual(['q3', 'a3', 'q4', 'a4']);
    expect(state).toMatchObject({ firstIndex: 6, hasMore: false });

    state = run([{ type: 'delta', session: 'main', runId: 'live', seq: 0, text: 'stream', ts: 5 }], state);
    state = run([{ type: 'page', session: 'main', mode: 'replace', page: page([message(9, 'assistant', 'a4')], 10, true) }], state);
    expect(state.items.map((item) => item.text)).toEqual(['a4', 'stream']);
  });

  it('ignores actions for another session and starts over on reset', () => {
    const state = run([{ type: 'sent', session: 'other', key: 'k', text: 'x', ts: 1 }]);
    expect(state.items).toEqual([]);
    expect(run([{ type: 'reset', session: 'other' }], state)).toEqual(emptyTranscript('other'));
  });
});
