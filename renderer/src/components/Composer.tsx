/**
 * Where the user writes: Enter sends, Shift+Enter starts a new line. The model
 * picker, thinking level and delivery (with its target) sit beside it; Abort
 * (or Escape) stops a streaming reply. When nothing can serve a send, the box stays
 * usable for typing but Send is disabled and the reason is shown under it. The box
 * has focus when the window opens and when another session is opened.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import type { BridgeArgs } from '../../../main/bridge/contract.js';

type SendArgs = BridgeArgs<'send'>;
export type ThinkingLevel = NonNullable<SendArgs['thinking']>;
const THINKING_LEVELS: ThinkingLevel[] = ['off', 'minimal', 'low', 'medium', 'high'];

export interface ComposerProps {
  session: string;
  /** null when a send can go; otherwise why not. */
  blockedReason: string | null;
  /** A note about the path a send will take (e.g. through the CLI). */
  hint: string | null;
  busy: boolean;
  /** The app adds the session and the send's idempotency key. */
  onSend: (args: Omit<SendArgs, 'session' | 'idempotencyKey'>) => void;
  onAbort: () => void;
  /** The model picker, shown first among the controls. */
  picker?: ReactNode;
}

export function Composer({ session, blockedReason, hint, busy, onSend, onAbort, picker }: ComposerProps) {
  const [text, setText] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), [session]);
  const [thinking, setThinking] = useState<ThinkingLevel | ''>('');
  const [deliver, setDeliver] = useState(false);
  const [to, setTo] = useState('');
  const reason = blockedReason ?? (busy ? 'A reply is on its way; wait for it or press Abort.' : null);
  // An empty `to` is allowed: the gateway then delivers to its configured default
  // target, or refuses the send naming the missing `to` (shown on the message).
  const deliverHint = deliver && to.trim() === '' ? 'No "to": the reply goes to the default delivery target in the gateway config.' : null;
  const canSend = reason === null && text.trim() !== '';

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return; // the reason is on screen
    onSend({ text, ...(thinking ? { thinking } : {}), ...(deliver ? { deliver: true, ...(to.trim() !== '' ? { to: to.trim() } : {}) } : {}) });
    setText('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit} aria-label="Send a message">
      <label className="visually-hidden" htmlFor="composer-text">
        Message to {session}
      </label>
      <textarea
        ref={box}
        id="composer-text"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder={`Message ${session} (Enter sends)`}
        title="Enter sends, Shift+Enter starts a new line"
        rows={3}
        aria-describedby="composer-reason"
      />
      <div className="composer-controls">
        {picker}
        <label>
          Thinking
          <select value={thinking} onChange={(event) => setThinking(event.target.value as ThinkingLevel | '')}>
            <option value="">default</option>
            {THINKING_LEVELS.map((level) => (
              <option key={level} value={level}>
                {level}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={deliver} onChange={(event) => setDeliver(event.target.checked)} />
          Deliver
        </label>
        {deliver && (
          <label>
            to
            <input className="deliver-to" value={to} onChange={(event) => setTo(event.target.value)} placeholder="default target" maxLength={512} />
          </label>
        )}
        <span className="spacer" />
        {busy && (
          <button type="button" className="button button-danger" onClick={onAbort} title="Stop the reply (Escape)">
            Abort
          </button>
        )}
        <button type="submit" className="button button-primary" disabled={!canSend}>
          Send
        </button>
      </div>
      <p id="composer-reason" className={`composer-reason${blockedReason ? ' is-blocked' : ''}`} role="status">
        {reason ?? deliverHint ?? hint ?? ''}
      </p>
    </form>
  );
}
