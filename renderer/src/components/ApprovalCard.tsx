/**
 * A tool call waiting for the user: which tool, its arguments in full, and the three
 * answers the gateway takes (Allow once, Allow for this session, Deny).
 *
 * The arguments are shown whole and as plain text, because they are what the user
 * approves: a card that cut or rendered them could hide what the call will do. The
 * card stays while the answer is on its way and shows why when it fails; the app
 * removes it when the gateway says the approval ended (`approval.resolved`).
 */
import { useEffect, useRef, useState } from 'react';
import type { ApprovalDecision, PendingApproval } from '../model/approvals.js';
import { formatToolArguments, toolCallName } from '../model/tool-calls.js';

/** What one card needs. */
export interface ApprovalCardProps {
  approval: PendingApproval;
  /** Sends the answer; rejects when the gateway did not take it. */
  onAnswer: (callId: string, decision: ApprovalDecision) => Promise<void>;
}

const ANSWERS: ReadonlyArray<{ decision: ApprovalDecision; label: string; className: string }> = [
  { decision: 'allow-once', label: 'Allow once', className: 'button button-primary' },
  { decision: 'allow-session', label: 'Allow for this session', className: 'button' },
  { decision: 'deny', label: 'Deny', className: 'button button-danger' },
];

/** One waiting approval, answered with a button (each reachable with Tab). */
export function ApprovalCard({ approval, onAnswer }: ApprovalCardProps) {
  const [sending, setSending] = useState<ApprovalDecision | null>(null);
  const [error, setError] = useState<string | null>(null);
  const card = useRef<HTMLElement>(null);
  const name = toolCallName(approval);

  // A new card is brought into view: the run waits for it.
  useEffect(() => {
    card.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);

  const answer = async (decision: ApprovalDecision) => {
    setSending(decision);
    setError(null);
    try {
      await onAnswer(approval.callId, decision);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setSending(null);
    }
  };

  return (
    <section ref={card} className="approval-card" role="group" aria-label={`Approve tool call ${name}`} data-testid="approval-card" data-call-id={approval.callId}>
      <header className="approval-title">
        <strong>Allow a tool call?</strong> <code className="tool-call-name">{name}</code>
      </header>
      <div className="tool-call-part-label">Arguments</div>
      <pre className="tool-call-text approval-arguments" data-testid="approval-arguments">{formatToolArguments(approval.arguments)}</pre>
      <p className="approval-expiry">Denied automatically at {new Date(approval.expiresAt).toLocaleTimeString()} if not answered.</p>
      <div className="approval-actions">
        {ANSWERS.map(({ decision, label, className }) => (
          <button key={decision} type="button" className={className} disabled={sending !== null} onClick={() => void answer(decision)}>
            {sending === decision ? `${label}…` : label}
          </button>
        ))}
      </div>
      {error !== null && (
        <p className="approval-error" role="alert">
          Not answered: {error}
        </p>
      )}
    </section>
  );
}
