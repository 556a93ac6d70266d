/**
 * Approvals: a tool call whose policy is `ask` waits here for a person (or a
 * script acting for one) to answer `approve` with `allow-once`, `allow-session`
 * or `deny`.
 *
 * Nobody answering is an answer too: after the timeout (config
 * `tools.approvalTimeoutMs`, 5 minutes by default) the call is denied, so a run
 * never hangs on a window nobody looks at; the model is told and the run goes on.
 * An aborted run takes its waiting approvals with it. `allow-session` is kept in
 * memory for the gateway's life: the session's later calls of that tool run
 * without asking.
 */
import type { ApprovalDecision, EventPayloadOf } from '../protocol/schemas.js';

/** What the person is asked about. */
export type ApprovalQuestion = Omit<EventPayloadOf<'approval.requested'>, 'expiresAt'>;

/** How an approval ended, and who ended it. */
export interface ApprovalAnswer {
  decision: ApprovalDecision;
  by: 'user' | 'timeout' | 'abort';
}

/** Where the approval events go (the run's requesters, and the app). */
export interface ApprovalEvents {
  requested(payload: EventPayloadOf<'approval.requested'>): void;
  resolved(payload: EventPayloadOf<'approval.resolved'>): void;
}

interface Waiting {
  question: ApprovalQuestion;
  qualified: string;
  settle(answer: ApprovalAnswer): void;
}

/** The approvals waiting in a gateway, by call id. */
export class Approvals {
  private readonly waiting = new Map<string, Waiting>();
  /** Per session, the tools allowed for the rest of the session. */
  private readonly allowedInSession = new Map<string, Set<string>>();

  constructor(private readonly timeoutMs: number) {}

  /** True when the session's user allowed this tool (`server/tool`) for the session. */
  allowedForSession(session: string, qualified: string): boolean {
    return this.allowedInSession.get(session)?.has(qualified) === true;
  }

  /** Asks, and resolves with the answer: the user's, a deny at the timeout, or a deny at abort. */
  ask(question: ApprovalQuestion, qualified: string, events: ApprovalEvents, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return Promise.resolve({ decision: 'deny', by: 'abort' });
    return new Promise((resolve) => {
      const expiresAt = Date.now() + this.timeoutMs;
      const onAbort = () => settle({ decision: 'deny', by: 'abort' });
      const timer = setTimeout(() => settle({ decision: 'deny', by: 'timeout' }), this.timeoutMs);
      const settle = (answer: ApprovalAnswer) => {
        if (this.waiting.get(question.callId)?.settle !== settle) return; // answered already
        this.waiting.delete(question.callId);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (answer.decision === 'allow-session') this.allowForSession(question.session, qualified);
        const { session, runId, callId, idempotencyKey } = question;
        events.resolved({ session, runId, callId, decision: answer.decision, by: answer.by, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
        resolve(answer);
      };
      this.waiting.set(question.callId, { question, qualified, settle });
      signal.addEventListener('abort', onAbort, { once: true });
      events.requested({ ...question, expiresAt });
    });
  }

  /** Answers a waiting approval; false when no call with that id is waiting (answered, timed out, or never asked). */
  answer(callId: string, decision: ApprovalDecision): boolean {
    const waiting = this.waiting.get(callId);
    if (!waiting) return false;
    waiting.settle({ decision, by: 'user' });
    return true;
  }

  /** The call ids waiting now (for error messages). */
  pending(): string[] {
    return [...this.waiting.keys()];
  }

  private allowForSession(session: string, qualified: string): void {
    let allowed = this.allowedInSession.get(session);
    if (!allowed) this.allowedInSession.set(session, (allowed = new Set()));
    allowed.add(qualified);
  }
}
