/**
 * The approvals waiting for the user, kept from the gateway's events, and the way
 * to answer one.
 *
 * Every session's approvals are kept (the app hears them all), so opening the
 * session of a waiting run shows its card. They are dropped when the gateway says
 * an approval ended, and all at once when the gateway stops (the calls went with it).
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { BridgeClient } from '../bridge/bridge-client.js';
import { approvalsReducer, type ApprovalDecision, type PendingApproval } from '../model/approvals.js';

/** What the window shows and calls. */
export interface Approvals {
  pending: readonly PendingApproval[];
  /** Answers one; rejects with the bridge's error when the gateway did not take it. */
  answer: (callId: string, decision: ApprovalDecision) => Promise<void>;
}

const NONE: readonly PendingApproval[] = [];

/** Waiting approvals of every session; `running` false (the gateway is down) clears them. */
export function useApprovals(client: BridgeClient, running: boolean): Approvals {
  const [pending, dispatch] = useReducer(approvalsReducer, NONE);

  useEffect(
    () =>
      client.on('gateway-event', (event) => {
        if (event.event === 'approval.requested') dispatch({ type: 'requested', approval: event.payload });
        if (event.event === 'approval.resolved') dispatch({ type: 'resolved', callId: event.payload.callId });
      }),
    [client],
  );

  useEffect(() => {
    if (!running) dispatch({ type: 'cleared' });
  }, [running]);

  const answer = useCallback(
    async (callId: string, decision: ApprovalDecision) => {
      try {
        await client.call('approve', { callId, decision });
      } catch (error) {
        // The call no longer waits (answered elsewhere, timed out): its card has nothing left to ask.
        if (isNotWaiting(error)) {
          dispatch({ type: 'resolved', callId });
          return;
        }
        throw error;
      }
    },
    [client],
  );

  return { pending, answer };
}

/** True for the gateway's `not_found` answer to `approve`. */
function isNotWaiting(error: unknown): boolean {
  const details = (error as { details?: { wireCode?: unknown } } | null)?.details;
  return details?.wireCode === 'not_found';
}
