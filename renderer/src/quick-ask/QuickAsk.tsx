/**
 * Quick ask: one question without the chat window around it. A composer, a
 * session chooser, the streamed reply, and "Open in Chat" to carry on there.
 *
 * Shown by the desktop app's always-on-top window (global shortcut) and by the
 * web mode on `/quick`. Rows come from the chat's transcript model, so a reply
 * streams, ends and fails here exactly as it does in the chat.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { BridgeClient } from '../bridge/bridge-client.js';
import { Markdown } from '../components/Markdown.js';
import { adviceForFailure } from '../model/format.js';
import { displayName } from '../model/sessions.js';
import { failureLabel, type TranscriptItem } from '../model/transcript.js';
import { useQuickAsk } from './use-quick-ask.js';
import { ApprovalCard } from '../components/ApprovalCard.js';
import { useApprovals } from '../components/use-approvals.js';
import { approvalsOf } from '../model/approvals.js';

export interface QuickAskProps {
  client: BridgeClient;
  /** Opens the chat on `session` (web: this tab goes to the chat; desktop: the chat window). */
  onOpenChat: (session: string) => void;
  /** Opens a link from a reply. */
  onOpenLink: (url: string) => void;
}

/** What a reply row says about how it ended, when not simply complete. */
function replyEnd(item: TranscriptItem): string | null {
  switch (item.state) {
    case 'streaming':
      return 'Answering…';
    case 'aborted':
      return 'Stopped.';
    case 'failed':
      return `Failed: ${item.failure ?? 'the gateway gave no reason'}`;
    case 'interrupted':
      return 'Cut off: the gateway stopped while answering.';
    default:
      return null;
  }
}

function QuickRow({ item, onOpenLink }: { item: TranscriptItem; onOpenLink: (url: string) => void }) {
  if (item.role === 'user') {
    return (
      <div className="quick-question">
        <p>{item.text}</p>
        {item.error && (
          <p className="message-error" role="alert">
            {failureLabel(item.error)}: {item.error.message}. {adviceForFailure(item.error)}
          </p>
        )}
      </div>
    );
  }
  const end = replyEnd(item);
  return (
    <article className="quick-reply" aria-busy={item.state === 'streaming'} data-state={item.state}>
      <Markdown text={item.text} onOpenLink={onOpenLink} />
      {end && <p className="quick-reply-end">{end}</p>}
    </article>
  );
}

export function QuickAsk({ client, onOpenChat, onOpenLink }: QuickAskProps) {
  const quick = useQuickAsk(client);
  // A run asked from here may wait for a tool approval: the same card as the chat's, for this session.
  const approvals = useApprovals(client, quick.connection === 'open');
  const waiting = approvalsOf(approvals.pending, quick.session);
  const [text, setText] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), [quick.session]);
  const reason = quick.blockedReason ?? (quick.busy ? 'A reply is on its way; wait for it or press Stop.' : null);
  const canSend = reason === null && text.trim() !== '';

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return; // the reason is on screen
    quick.send(text);
    setText('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <div className="quick-ask" data-testid="quick-ask">
      <header className="quick-header">
        <label htmlFor="quick-session">Session</label>
        <select id="quick-session" value={quick.session} onChange={(event) => quick.chooseSession(event.target.value)}>
          {quick.sessions.map((session) => (
            <option key={session.key} value={session.key}>
              {displayName(session)}
            </option>
          ))}
        </select>
        <a
          className="quick-open-chat"
          href="./"
          onClick={(event) => {
            event.preventDefault();
            onOpenChat(quick.session);
          }}
        >
          Open in Chat
        </a>
      </header>
      <form className="quick-composer" onSubmit={submit} aria-label="Quick ask">
        <label className="visually-hidden" htmlFor="quick-text">
          Ask {quick.session}
        </label>
        <textarea id="quick-text" ref={box} rows={2} value={text} placeholder="Ask anything…" onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} aria-describedby={reason ? 'quick-reason' : undefined} />
        {quick.busy ? (
          <button type="button" className="button" onClick={quick.abort}>
            Stop
          </button>
        ) : (
          <button type="submit" className="button button-primary" disabled={!canSend}>
            Ask
          </button>
        )}
      </form>
      {reason && quick.blockedReason && (
        <p id="quick-reason" className="quick-reason" role="status">
          {quick.connection === 'open' ? reason : 'Connecting to Tether…'}
        </p>
      )}
      {waiting.length > 0 && (
        <div className="approval-cards">
          {waiting.map((approval) => (
            <ApprovalCard key={approval.callId} approval={approval} onAnswer={approvals.answer} />
          ))}
        </div>
      )}
      <section className="quick-answer" aria-label="Reply" aria-live="polite">
        {quick.rows.map((item) => (
          <QuickRow key={item.key} item={item} onOpenLink={onOpenLink} />
        ))}
      </section>
    </div>
  );
}
