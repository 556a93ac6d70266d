import { describe, expect, it } from 'vitest';
import { approvalNotice, gatewayFailedNotice, NOTICE_BODY_MAX, replyNotice, sendFailedNotice, summarize } from '../../../main/bridge/notices.js';
import type { Event } from '../../../rpc-host/protocol/schemas.js';
import { stateWith } from '../../helpers/companion-state.js';

function reply(fields: Partial<{ text: string; session: string; source: 'rpc' | 'cli' | 'heartbeat'; aborted: boolean }> = {}): Event {
  return {
    type: 'event',
    event: 'reply',
    payload: { session: 'main', runId: 'r1', text: 'Build is green.', source: 'rpc', provider: 'echo', model: 'echo', ...fields },
  } as Event;
}

describe('replyNotice', () => {
  it('notifies a reply while the window is hidden, naming heartbeats and sessions', () => {
    expect(replyNotice(reply(), false)).toEqual({ title: 'Tether', body: 'Build is green.', session: 'main' });
    expect(replyNotice(reply({ source: 'heartbeat', text: 'Your CI failed' }), false)).toEqual({ title: 'Tether · heartbeat', body: 'Your CI failed', session: 'main' });
    expect(replyNotice(reply({ session: 'ci', source: 'cli' }), false)?.title).toBe('Tether · ci');
  });

  it('stays quiet while the window shows, and for deltas, heartbeat outcomes, aborted and empty replies', () => {
    expect(replyNotice(reply(), true)).toBeNull();
    expect(replyNotice(reply({ aborted: true }), false)).toBeNull();
    expect(replyNotice(reply({ text: '  \n ' }), false)).toBeNull();
    const delta = { type: 'event', event: 'reply.delta', payload: { session: 'main', runId: 'r1', seq: 0, text: 'Bu' } } as Event;
    expect(replyNotice(delta, false)).toBeNull();
    const heartbeat = { type: 'event', event: 'heartbeat', payload: { outcome: 'ok', at: 1, session: 'main' } } as Event;
    expect(replyNotice(heartbeat, false)).toBeNull();
  });
});

describe('summarize', () => {
  it('flattens markdown to one line and keeps link text', () => {
    expect(summarize('# Done\n\n**All** tests [pass](https://x.test).\n```sh\nnpm test\n```')).toBe('Done All tests pass. npm test');
  });
  it('cuts long text on a code point with an ellipsis', () => {
    const long = '😀'.repeat(300);
    const cut = summarize(long);
    expect([...cut]).toHaveLength(NOTICE_BODY_MAX);
    expect(cut.endsWith('😀…')).toBe(true);
  });
});

describe('sendFailedNotice', () => {
  it('names the session and says why, only while the window is not seen', () => {
    expect(sendFailedNotice('ci', 'the gateway refused: unknown model "gpt-9"', false)).toEqual({ title: 'Tether · ci · not sent', body: 'the gateway refused: unknown model "gpt-9"', session: 'ci' });
    expect(sendFailedNotice('main', 'x', false)?.title).toBe('Tether · not sent');
    expect(sendFailedNotice('ci', 'x', true)).toBeNull();
  });
});

describe('gatewayFailedNotice', () => {
  const failed = stateWith({ state: 'failed', reason: 'the gateway crashed 5 times in 60 s' });
  it('notifies the moment the gateway fails, with its reason and what to do', () => {
    expect(gatewayFailedNotice(stateWith({ state: 'restarting' }), failed, false)).toEqual({ title: 'Tether · the gateway failed', body: 'the gateway crashed 5 times in 60 s. Open Tether and press Restart.', session: null });
    expect(gatewayFailedNotice(null, failed, false)).not.toBeNull();
  });
  it('stays quiet while it stays failed, for other states, and while the window is seen', () => {
    expect(gatewayFailedNotice(failed, failed, false)).toBeNull();
    expect(gatewayFailedNotice(failed, stateWith({ state: 'restarting' }), false)).toBeNull();
    expect(gatewayFailedNotice(stateWith({}), failed, true)).toBeNull();
  });
});

describe('approvalNotice', () => {
  const asked = (session = 'main', server = 'notes'): Event => ({
    type: 'event',
    event: 'approval.requested',
    payload: { session, runId: 'r1', callId: 'c1', server, tool: 'write_note', arguments: '{"text":"buy milk"}', expiresAt: 1 },
  });

  it('says a tool call waits, naming the tool and opening its session, while the window is hidden', () => {
    expect(approvalNotice(asked(), false)).toEqual({ title: 'Tether · approval needed', body: 'Allow the tool call notes/write_note? Open Tether to answer.', session: 'main' });
    expect(approvalNotice(asked('ci'), false)?.title).toBe('Tether · ci · approval needed');
    expect(approvalNotice(asked('main', ''), false)?.body).toContain('call write_note?');
  });

  it('stays quiet while the window shows, and for every other event', () => {
    expect(approvalNotice(asked(), true)).toBeNull();
    expect(approvalNotice(reply(), false)).toBeNull();
  });
});
