/**
 * What an empty session shows: which provider and model will answer (and what
 * the fallback chain tries next), three prompts to start with, and the quick-ask
 * shortcut.
 */
import { chainFor, type ModelList } from '../model/models.js';
import { isMac, keysText, QUICK_ASK_KEYS } from '../model/shortcuts.js';

/** Prompts that work with any model and show what the window does (markdown, code, streaming). */
export const STARTER_PROMPTS = [
  'What can you help me with? Answer in three short bullet points.',
  'Draft a two-sentence status update for my team about a release that slipped a day.',
  'Write a shell one-liner that lists the ten largest files in this folder, and explain it.',
] as const;

export interface EmptyStateProps {
  session: string;
  /** The gateway's models, or null while unknown. */
  models: ModelList | null;
  /** The model the next send names, or undefined for the default. */
  pick: string | undefined;
  /** Why a send cannot go now, or null: the starters are disabled then. */
  blockedReason: string | null;
  onStart: (text: string) => void;
}

/** The empty transcript. */
export function EmptyState({ session, models, pick, blockedReason, onStart }: EmptyStateProps) {
  const chain = models ? chainFor(models, pick) : [];
  const provider = models && chain[0] ? models.providers.find((p) => chain[0]!.startsWith(`${p.id}/`)) : undefined;
  return (
    <section className="empty-state" aria-label="Start a conversation">
      <p className="empty-title">No messages in “{session}” yet.</p>
      <p className="empty-model" data-testid="empty-model">
        {chain[0] !== undefined ? (
          <>
            Replies come from <strong>{chain[0]}</strong>
            {provider ? <span className="empty-label"> ({provider.label})</span> : null}
            {chain.length > 1 ? <>; if it fails, {chain.slice(1).join(', then ')}.</> : '.'}
          </>
        ) : (
          'The model that answers is shown once the gateway runs.'
        )}
      </p>
      <div className="starters" role="group" aria-label="Starter prompts">
        {STARTER_PROMPTS.map((prompt) => (
          <button key={prompt} type="button" className="starter" onClick={() => onStart(prompt)} disabled={blockedReason !== null} title={blockedReason ?? 'Send this message'}>
            {prompt}
          </button>
        ))}
      </div>
      <p className="empty-hint">
        Quick ask from any app: <kbd>{keysText(QUICK_ASK_KEYS, isMac())}</kbd> (desktop app). Press <kbd>?</kbd> for the keyboard shortcuts.
      </p>
    </section>
  );
}
