import { describe, expect, it } from 'vitest';
import { NOTICE_BODY_MAX, replyNotice, summarize } from '../../../main/electron/reply-notice.js';
import type { Event } from '../../../rpc-host/protocol/schemas.js';

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
