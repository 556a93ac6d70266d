/**
 * The tool calls waiting for approval (the tray's count, and the cards a window
 * that opens late shows) follow the gateway's approval events, and a stopped
 * gateway clears them.
 */
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../rpc-host/protocol/index.js';
import { WaitingApprovals } from '../../../main/core/waiting-approvals.js';

const requested = (callId: string) =>
  ({ type: 'event', event: 'approval.requested', payload: { session: 'main', runId: 'r-1', callId, server: 'notes', tool: 'write_note', arguments: '{}', expiresAt: 1 } }) as unknown as Event;
const resolved = (callId: string) => ({ type: 'event', event: 'approval.resolved', payload: { session: 'main', runId: 'r-1', callId, decision: 'deny', by: 'user' } }) as unknown as Event;

describe('WaitingApprovals', () => {
  it('counts requested calls until each is resolved, and says when the count changed', () => {
    const waiting = new WaitingApprovals();
    expect(waiting.note(requested('c1'))).toBe(true);
    expect(waiting.note(requested('c2'))).toBe(true);
    expect(waiting.note(requested('c2'))).toBe(false); // the same call again
    expect(waiting.count).toBe(2);
    expect(waiting.note(resolved('c1'))).toBe(true);
    expect(waiting.note(resolved('c1'))).toBe(false);
    expect(waiting.note({ type: 'event', event: 'heartbeat', payload: {} } as unknown as Event)).toBe(false);
    expect(waiting.count).toBe(1);
    expect(waiting.list().map((call) => call.callId)).toEqual(['c2']);
  });

  it('keeps what each waiting call asked, in the order asked', () => {
    const waiting = new WaitingApprovals();
    waiting.note(requested('c2'));
    waiting.note(requested('c1'));
    expect(waiting.list()).toEqual([(requested('c2') as { payload: unknown }).payload, (requested('c1') as { payload: unknown }).payload]);
  });

  it('forgets every waiting call when the gateway stops', () => {
    const waiting = new WaitingApprovals();
    waiting.note(requested('c1'));
    expect(waiting.clear()).toBe(true);
    expect(waiting.count).toBe(0);
    expect(waiting.list()).toEqual([]);
    expect(waiting.clear()).toBe(false);
  });
});
