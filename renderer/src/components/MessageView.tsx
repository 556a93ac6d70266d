/**
 * One transcript row: who, when, the text (markdown for replies, plain for the
 * user), and badges for how it ended or came (CLI fallback, heartbeat, aborted,
 * streaming, failed with what to do).
 */
import { memo } from 'react';
import { replyPath, type TranscriptItem } from '../model/transcript.js';
import { adviceFor, formatTimestamp } from '../model/format.js';
import { ErrorText } from './ErrorText.js';
import { Markdown } from './Markdown.js';

export interface MessageViewProps {
  item: TranscriptItem;
  now: number;
  onOpenLink: (url: string) => void;
  /** Sends a failed message again. */
  onRetry: (item: TranscriptItem) => void;
}

export const MessageView = memo(function MessageView({ item, now, onOpenLink, onRetry }: MessageViewProps) {
  const path = replyPath(item);
  const fromHeartbeat = item.source === 'heartbeat';
  return (
    <article
      className={`message message-${item.role}${item.streaming ? ' is-streaming' : ''}${item.aborted ? ' is-aborted' : ''}${item.error ? ' is-failed' : ''}`}
      data-role={item.role}
      data-run-id={item.runId ?? undefined}
      aria-busy={item.streaming ? true : undefined}
    >
      <header className="message-meta">
        <span className="message-author">{item.role === 'user' ? (fromHeartbeat ? 'Heartbeat' : 'You') : 'Assistant'}</span>
        <time dateTime={new Date(item.ts).toISOString()}>{formatTimestamp(item.ts, now)}</time>
        {path === 'cli' && <span className="badge badge-cli" title="The gateway was down; the one-shot CLI answered">via CLI fallback</span>}
        {path === 'heartbeat' && <span className="badge badge-heartbeat">heartbeat</span>}
        {item.aborted && <span className="badge badge-aborted">aborted</span>}
        {item.streaming && <span className="badge badge-streaming">streaming…</span>}
        {item.pending && <span className="badge badge-pending">sending…</span>}
      </header>
      {item.role === 'assistant' ? <Markdown text={item.text} onOpenLink={onOpenLink} /> : <p className="message-plain">{item.text}</p>}
      {item.notes && item.notes.length > 0 && (
        <ul className="message-notes">
          {item.notes.map((note, i) => (
            <li key={i} className={`note note-${note.tone}`}>
              {note.text}
            </li>
          ))}
        </ul>
      )}
      {item.error && (
        <div className="message-error" role="alert">
          <strong>{item.error.code === 'gateway_exited' || item.error.code === 'timeout' ? 'No reply: ' : 'Not sent: '}</strong>
          <ErrorText message={item.error.message} />
          <div className="advice">{adviceFor(item.error.code)}</div>
          <button type="button" className="button" onClick={() => onRetry(item)}>
            Send again
          </button>
        </div>
      )}
    </article>
  );
});
