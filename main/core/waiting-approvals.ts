/**
 * The tool calls waiting for the user's approval, counted from the gateway's
 * events, for the tray's badge.
 *
 * `approval.requested` adds a call and `approval.resolved` removes it (answered,
 * timed out, or its run ended); a gateway that stops takes its waiting calls
 * with it. The chat window shows the cards themselves; the tray only says how
 * many are waiting while the window may be hidden.
 */
import type { Event } from '../../rpc-host/protocol/index.js';

export class WaitingApprovals {
  private readonly calls = new Set<string>();

  /** Notes one gateway event; true when the count changed. */
  note(event: Event): boolean {
    if (event.event === 'approval.requested') {
      const before = this.calls.size;
      this.calls.add(event.payload.callId);
      return this.calls.size !== before;
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

  get count(): number {
    return this.calls.size;
  }
}
