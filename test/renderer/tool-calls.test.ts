/**
 * Tool calls and approvals as the window keeps them: a call makes its run's reply
 * row when the model called a tool before writing a word, a result lands on its
 * call (once, whatever the order), history brings the calls back, arguments are
 * indented only when they are JSON, and waiting approvals come and go by call id.
 */
import { describe, expect, it } from 'vitest';
import { approvalsOf, approvalsReducer, type PendingApproval } from '../../renderer/src/model/approvals.js';
import { formatToolArguments, toolCallOutcome, type ToolResultPayload } from '../../renderer/src/model/tool-calls.js';
import { emptyTranscript, fromHistory, isBusy, transcriptReducer, type TranscriptAction } from '../../renderer/src/model/transcript.js';

const call = (callId: string, runId = 'r1'): TranscriptAction => ({ type: 'tool-call', session: 'main', runId, idempotencyKey: 'K1', call: { callId, step: 1, server: 'notes', tool: 'add', arguments: '{"a":1}' }, ts: 5 });
const result = (callId: string, extra: Partial<ToolResultPayload> = {}): TranscriptAction => ({
  type: 'tool-result',
  session: 'main',
  result: { session: 'main', runId: 'r1', callId, server: 'notes', tool: 'add', ok: true, content: '2', chars: 1, ...extra },
  ts: 6,
});
const run = (actions: TranscriptAction[]) => actions.reduce(transcriptReducer, emptyTranscript('main'));

describe('tool calls in the transcript', () => {
  it('a call before any text makes the run a streaming reply row that carries it', () => {
    const state = run([call('c1')]);
    expect(state.items).toHaveLength(1);
    expect(state.items[0]).toMatchObject({ key: 'r:r1', role: 'assistant', text: '', state: 'streaming', idempotencyKey: 'K1' });
    expect(state.items[0]!.toolCalls?.map((c) => [c.callId, toolCallOutcome(c)])).toEqual([['c1', 'running']]);
    expect(isBusy(state)).toBe(true);
  });

  it('results land on their calls; a repeated call is kept once; deltas and the reply keep the calls', () => {
    const state = run([
      call('c1'),
      call('c2'),
      call('c1'),
      result('c2', { ok: false, content: 'denied by the user', denied: true }),
      result('c1'),
      { type: 'delta', session: 'main', runId: 'r1', seq: 0, text: 'It is 2.', ts: 7 },
      { type: 'reply', session: 'main', runId: 'r1', text: 'It is 2.', source: 'rpc', ts: 8 },
    ]);
    const reply = state.items[0]!;
    expect(reply).toMatchObject({ text: 'It is 2.', state: 'complete' });
    expect(reply.toolCalls?.map((c) => [c.callId, toolCallOutcome(c), c.content])).toEqual([
      ['c1', 'ok', '2'],
      ['c2', 'denied', 'denied by the user'],
    ]);
  });

  it('a call waiting for approval says so until its approval ends', () => {
    const waiting = (flag: boolean): TranscriptAction => ({ type: 'tool-waiting', session: 'main', runId: 'r1', callId: 'c1', waiting: flag });
    const outcome = (actions: TranscriptAction[]) => toolCallOutcome(run(actions).items[0]!.toolCalls![0]!);
    expect(outcome([call('c1'), waiting(true)])).toBe('waiting');
    expect(outcome([call('c1'), waiting(true), waiting(false)])).toBe('running');
    expect(outcome([call('c1'), waiting(true), result('c1', { ok: false, denied: true })])).toBe('denied');
    expect(run([waiting(true)]).items).toEqual([]); // no call seen: nothing to mark
  });

  it('a result whose call was missed (the window opened mid-run) still shows, arguments unknown', () => {
    const state = run([result('c9', { truncated: true, chars: 9000 })]);
    expect(state.items[0]!.toolCalls).toEqual([{ callId: 'c9', step: 1, server: 'notes', tool: 'add', arguments: '', ok: true, content: '2', denied: undefined, truncated: true, chars: 9000, waiting: false }]);
  });

  it('ignores the tool events of another session', () => {
    const state = run([{ ...call('c1'), session: 'other' } as TranscriptAction]);
    expect(state.items).toEqual([]);
  });

  it('history gives a reply its calls', () => {
    const toolCalls = [{ callId: 'c1', step: 1, server: 'notes', tool: 'add', arguments: '{}', ok: true, content: '5' }];
    expect(fromHistory({ index: 1, role: 'assistant', text: 'five', ts: 1, runId: 'r1', state: 'complete', toolCalls }).toolCalls).toEqual(toolCalls);
    expect(fromHistory({ index: 1, role: 'assistant', text: 'five', ts: 1, runId: 'r1', state: 'complete' }).toolCalls).toBeUndefined();
  });
});

describe('formatToolArguments', () => {
  it('indents JSON and leaves anything else exactly as written', () => {
    expect(formatToolArguments('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(formatToolArguments('{"a": 1')).toBe('{"a": 1');
    expect(formatToolArguments('')).toBe('');
  });
});

describe('approvalsReducer', () => {
  const asked = (callId: string, session = 'main'): PendingApproval => ({ session, runId: 'r1', callId, server: 'notes', tool: 'write_note', arguments: '{}', expiresAt: 1 });

  it('keeps waiting approvals in order, once each, until resolved or the gateway stops', () => {
    let state = approvalsReducer([], { type: 'requested', approval: asked('c1') });
    state = approvalsReducer(state, { type: 'requested', approval: asked('c2', 'ci') });
    state = approvalsReducer(state, { type: 'requested', approval: asked('c1') });
    expect(state.map((a) => a.callId)).toEqual(['c1', 'c2']);
    expect(approvalsOf(state, 'ci').map((a) => a.callId)).toEqual(['c2']);
    const unchanged = approvalsReducer(state, { type: 'resolved', callId: 'c-unknown' });
    expect(unchanged).toBe(state);
    state = approvalsReducer(state, { type: 'resolved', callId: 'c1' });
    expect(state.map((a) => a.callId)).toEqual(['c2']);
    expect(approvalsReducer(state, { type: 'cleared' })).toEqual([]);
  });
});
