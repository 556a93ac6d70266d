/**
 * One transcript row: who, when, the text (markdown for replies, plain for the
 * user), badges for how it ended or came (CLI fallback, heartbeat, aborted,
 * interrupted, failed, streaming), the model that answered and the ones the
 * fallback chain skipped, the tool calls of its run (as tool output, apart from the
 * reply's words), what to do about a failure, and the message actions
 * (copy, edit, regenerate, continue).
 */
import { memo, useState } from 'react';
import type { MessageAction, RowActions } from '../model/message-actions.js';
import { failureLabel, replyPath, type TranscriptItem } from '../model/transcript.js';
import { adviceForFailure, formatTimestamp } from '../model/format.js';
import { ErrorText } from './ErrorText.js';
import { Markdown } from './Markdown.js';
import { MessageActions } from './MessageActions.js';
import { MessageEditor } from './MessageEditor.js';
import { ToolCalls } from './ToolCalls.js';

/** What one row needs. */
export interface MessageViewProps {
  item: TranscriptItem;
  now: number;
  /** This row offers "Send again" (see `sendAgainRows`). */
  canRetry: boolean;
  onOpenLink: (url: string) => void;
  /** Sends the row's send again, under the same key. */
  onRetry: (item: TranscriptItem) => void;
  /** Edit, Regenerate and Continue, where the transcript offers them (Copy is always there). */
  actions?: RowActions | undefined;
  /** Why a follow-up cannot be sent now, or null. */
  blockedReason?: string | null | undefined;
  /** Hands an action to the app, which sends it. */
  onAction?: ((action: MessageAction) => void) | undefined;
}

/** One message row. */
export const MessageView = memo(function MessageView({ item, now, canRetry, onOpenLink, onRetry, actions, blockedReason = null, onAction }: MessageViewProps) {
  const [editing, setEditing] = useState(false);
  const path = replyPath(item);
  const fromHeartbeat = item.source === 'heartbeat';
  const streaming = item.state === 'streaming';
  const failed = item.error !== undefined || item.state === 'failed';
  const sendAgain = canRetry && (
    <div className="message-actions">
      <button type="button" className="button" onClick={() => onRetry(item)}>
        Send again
      </button>
    </div>
  );
  return (
    <article
      className={`message message-${item.role}${streaming ? ' is-streaming' : ''}${item.state === 'aborted' ? ' is-aborted' : ''}${item.state === 'interrupted' ? ' is-interrupted' : ''}${failed ? ' is-failed' : ''}`}
      data-role={item.role}
      data-run-id={item.runId ?? undefined}
      data-state={item.state}
      aria-busy={streaming ? true : undefined}
    >
      <header className="message-meta">
        <span className="message-author">{item.role === 'user' ? (fromHeartbeat ? 'Heartbeat' : 'You') : 'Assistant'}</span>
        <time dateTime={new Date(item.ts).toISOString()}>{formatTimestamp(item.ts, now)}</time>
        {path === 'cli' && <span className="badge badge-cli" title="The gateway was down; the one-shot CLI answered">via CLI fallback</span>}
        {path === 'heartbeat' && <span className="badge badge-heartbeat">heartbeat</span>}
        {item.state === 'aborted' && <span className="badge badge-aborted">aborted</span>}
        {item.state === 'interrupted' && <span className="badge badge-interrupted">interrupted</span>}
        {item.state === 'failed' && <span className="badge badge-failed">failed</span>}
        {streaming && <span className="badge badge-streaming">streaming…</span>}
        {item.pending && <span className="badge badge-pending">sending…</span>}
        {item.role === 'assistant' && item.provider !== undefined && (
          <span className="message-model" title={`Answered by ${item.provider}/${item.model ?? ''}`} data-testid="answered-by">
            {item.provider}/{item.model}
          </span>
        )}
      </header>
      {editing ? (
        <MessageEditor
          initialText={item.text}
          blockedReason={blockedReason}
          onCancel={() => setEditing(false)}
          onSend={(text) => {
            setEditing(false);
            onAction?.({ kind: 'edit', item, text });
          }}
        />
      ) : item.role === 'user' ? (
        <p className="message-plain">{item.text}</p>
      ) : (
        (item.text !== '' || streaming) && <Markdown text={item.text} onOpenLink={onOpenLink} />
      )}
      {item.toolCalls !== undefined && item.toolCalls.length > 0 && <ToolCalls calls={item.toolCalls} />}
      {item.failures !== undefined && item.failures.length > 0 && (
        <p className="message-skipped" data-testid="skipped-models">
          Skipped:{' '}
          {item.failures.map((failure, i) => (
            <span key={i} className="skipped-model" title={failure.error}>
              {i > 0 ? ', ' : ''}
              {failure.provider}/{failure.model} ({failure.error.length > 80 ? `${failure.error.slice(0, 79)}…` : failure.error})
            </span>
          ))}
        </p>
      )}
      {item.notes && item.notes.length > 0 && (
        <ul className="message-notes">
          {item.notes.map((note, i) => (
            <li key={i} className={`note note-${note.tone}`}>
              {note.text}
            </li>
          ))}
        </ul>
      )}
      {item.state === 'interrupted' && (
        <div className="message-interrupted">
          <p className="message-state-note">The gateway stopped while this reply streamed; the text up to then is kept.</p>
          {sendAgain}
        </div>
      )}
      {item.state === 'failed' && (item.failure !== undefined || canRetry) && (
        <div className="message-error" role="alert">
          {item.failure !== undefined && (
            <>
              <strong>{item.text !== '' ? 'The reply broke off: ' : 'No reply: '}</strong>
              <ErrorText message={item.failure} />
            </>
          )}
          {sendAgain}
        </div>
      )}
      {item.error && (
        <div className="message-error" role="alert">
          <strong>{failureLabel(item.error)}: </strong>
          <ErrorText message={item.error.message} />
          <div className="advice">{adviceForFailure(item.error)}</div>
          {sendAgain}
        </div>
      )}
      {!editing && !streaming && !item.pending && onAction !== undefined && (
        <MessageActions
          text={item.text}
          role={item.role}
          actions={actions}
          blockedReason={blockedReason}
          onEdit={() => setEditing(true)}
          onRegenerate={() => onAction({ kind: 'regenerate', item })}
          onContinue={() => onAction({ kind: 'continue', item })}
        />
      )}
    </article>
  );
});
