/**
 * The actions under a message: Copy (with "Copied"), and where the transcript
 * offers them Edit, Regenerate and Continue. Plain buttons in the tab order, so
 * each is reachable by keyboard; the row's text names what they act on.
 */
import type { RowActions } from '../model/message-actions.js';
import { copyLabel, useCopy } from './use-copy.js';

export interface MessageActionsProps {
  text: string;
  /** Who wrote the row, for the buttons' names ("Copy reply"). */
  role: 'user' | 'assistant';
  actions: RowActions | undefined;
  /** Why a follow-up cannot go now, or null (shown as the disabled buttons' title). */
  blockedReason: string | null;
  onEdit: () => void;
  onRegenerate: () => void;
  onContinue: () => void;
}

/** The action bar of one message. */
export function MessageActions({ text, role, actions, blockedReason, onEdit, onRegenerate, onContinue }: MessageActionsProps) {
  const [copied, copy] = useCopy();
  const what = role === 'user' ? 'message' : 'reply';
  const blocked = blockedReason !== null;
  return (
    <div className="message-toolbar" role="toolbar" aria-label={`Actions on this ${what}`}>
      {text !== '' && (
        <button type="button" className={`action${copied === 'done' ? ' is-done' : ''}`} onClick={() => void copy(text)} aria-label={copied === 'idle' ? `Copy ${what}` : copyLabel(copied)}>
          {copyLabel(copied)}
        </button>
      )}
      {actions?.edit && (
        <button type="button" className="action" onClick={onEdit} aria-label="Edit and send as a new message">
          Edit
        </button>
      )}
      {actions?.regenerate && (
        <button type="button" className="action" onClick={onRegenerate} disabled={blocked} title={blockedReason ?? 'Ask for this reply again, as a new run'}>
          Regenerate
        </button>
      )}
      {actions?.continue && (
        <button type="button" className="action" onClick={onContinue} disabled={blocked} title={blockedReason ?? 'Carry on from where the reply was stopped'}>
          Continue
        </button>
      )}
      <span className="visually-hidden" role="status">
        {copied === 'done' ? `${role === 'user' ? 'Message' : 'Reply'} copied` : ''}
      </span>
    </div>
  );
}
