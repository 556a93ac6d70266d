/**
 * The approvals waiting for the user, kept from the gateway's events, and the way
 * to answer one.
 *
 * Every session's approvals are kept (the app hears them all), so opening the
 * session of a waiting run shows its card. A window that opens, or reloads, while
 * calls wait asks main for them (it missed their events). They are dropped when
 * the gateway says an approval ended, and all at once when the gateway stops (the
 * calls went with it).
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
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
  /** Calls resolved while the list of waiting ones was on its way: that list may still name them. */
  const resolvedMeanwhile = useRef<Set<string> | undefined>(undefined);

  useEffect(
    () =>
      client.on('gateway-event', (event) => {
        if (event.event === 'approval.requested') dispatch({ type: 'requested', approval: event.payload });
        if (event.event === 'approval.resolved') {
          resolvedMeanwhile.current?.add(event.payload.callId);
          dispatch({ type: 'resolved', callId: event.payload.callId });
        }
      }),
    [client],
  );

  useEffect(() => {
    if (!running) {
      dispatch({ type: 'cleared' });
      return;
    }
    // The calls that were already waiting when this window started listening.
    let current = true;
    const resolved = new Set<string>();
    resolvedMeanwhile.current = resolved;
    client.call('list-approvals', {}).then(
      ({ approvals }) => {
        if (!current) return;
        for (const approval of approvals) if (!resolved.has(approval.callId)) dispatch({ type: 'requested', approval });
        resolvedMeanwhile.current = undefined;
      },
      () => {}, // main could not say (the window is closing): the events that come still show new calls
    );
    return () => {
      current = false;
      if (resolvedMeanwhile.current === resolved) resolvedMeanwhile.current = undefined;
    };
  }, [client, running]);

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
