/**
 * The tool calls waiting for the user's approval, kept from the gateway's events:
 * for the tray's badge, and for a chat window that opens (or reloads) while a call
 * waits, which missed the event that asked.
 *
 * `approval.requested` adds a call and `approval.resolved` removes it (answered,
 * timed out, or its run ended); a gateway that stops takes its waiting calls
 * with it.
 */
import type { Event } from '../../rpc-host/protocol/index.js';

/** A call waiting for an answer, as `approval.requested` describes it. */
export type WaitingApproval = Extract<Event, { event: 'approval.requested' }>['payload'];

export class WaitingApprovals {
  private readonly calls = new Map<string, WaitingApproval>();

  /** Notes one gateway event; true when the waiting calls changed. */
  note(event: Event): boolean {
    if (event.event === 'approval.requested') {
      if (this.calls.has(event.payload.callId)) return false; // told twice
      this.calls.set(event.payload.callId, event.payload);
      return true;
    }
    if (event.event === 'approval.resolved') return this.calls.delete(event.payload.callId);
    return false;
  }

  /** Forgets every waiting call (the gateway stopped); true when there were any. */
  clear(): boolean {
    const had = this.calls.size > 0;
    this.calls.clear();
    return had;
  }

  /** The waiting calls, in the order they were asked. */
  list(): WaitingApproval[] {
    return [...this.calls.values()];
  }

  get count(): number {
    return this.calls.size;
  }
}
