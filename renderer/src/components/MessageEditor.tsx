/**
 * Edits a copy of a user message in place: the edit goes out as a new message
 * (the original stays in the transcript, as the gateway stored it).
 * Ctrl/Cmd+Enter sends, Escape cancels.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

export interface MessageEditorProps {
  initialText: string;
  /** Why it cannot send now (a reply on its way, the gateway down), or null. */
  blockedReason: string | null;
  onSend: (text: string) => void;
  onCancel: () => void;
}

/** The inline editor of one user message. */
export function MessageEditor({ initialText, blockedReason, onSend, onCancel }: MessageEditorProps) {
  const [text, setText] = useState(initialText);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return; // unmounted
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const canSend = blockedReason === null && text.trim() !== '';

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return; // the reason is on screen
    onSend(text);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault(); // cancels the edit, not the reply streaming elsewhere
      event.stopPropagation();
      onCancel();
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="message-editor" onSubmit={submit} aria-label="Edit message">
      <textarea ref={box} value={text} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} aria-label="Edited message" rows={Math.min(10, Math.max(2, text.split('\n').length))} />
      <div className="message-editor-controls">
        <span className="message-editor-hint">{blockedReason ?? 'Sent as a new message; the original stays. Ctrl+Enter sends, Escape cancels.'}</span>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={!canSend}>
          Send edit
        </button>
      </div>
    </form>
  );
}
