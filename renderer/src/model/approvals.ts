/**
 * The tool calls that wait for the user's answer, across every session.
 *
 * The gateway tells the app about every approval (`approval.requested`) and about
 * its end (`approval.resolved`: answered here or by another client, timed out, or
 * gone with an aborted run). A pure reducer, so the card's life is unit-tested
 * without a browser; kept apart from the transcript because an approval belongs
 * to a run that may be in a session that is not open.
 */
import type { BridgeEvents } from '../../../main/bridge/contract.js';

type GatewayEvent = BridgeEvents['gateway-event'];

/** A call waiting for Allow or Deny, as `approval.requested` describes it. */
export type PendingApproval = Extract<GatewayEvent, { event: 'approval.requested' }>['payload'];

/** How an approval ended, as `approval.resolved` says. */
export type ResolvedApproval = Extract<GatewayEvent, { event: 'approval.resolved' }>['payload'];

/** The answers a card offers, as the `approve` request takes them. */
export type ApprovalDecision = ResolvedApproval['decision'];

/** Everything that changes the waiting approvals. */
export type ApprovalsAction =
  | { type: 'requested'; approval: PendingApproval }
  | { type: 'resolved'; callId: string }
  /** The gateway stopped: every call that waited went with it. */
  | { type: 'cleared' };

/** Waiting approvals in the order they were asked. */
export function approvalsReducer(state: readonly PendingApproval[], action: ApprovalsAction): readonly PendingApproval[] {
  switch (action.type) {
    case 'requested':
      if (state.some((known) => known.callId === action.approval.callId)) return state; // told twice
      return [...state, action.approval];
    case 'resolved':
      return state.some((known) => known.callId === action.callId) ? state.filter((known) => known.callId !== action.callId) : state;
    case 'cleared':
      return state.length === 0 ? state : [];
  }
}

/** The waiting approvals of one session. */
export function approvalsOf(state: readonly PendingApproval[], session: string): PendingApproval[] {
  return state.filter((approval) => approval.session === session);
}
