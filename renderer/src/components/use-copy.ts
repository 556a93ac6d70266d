/**
 * Copies text to the clipboard and says how it went for a moment ("Copied", or
 * "Copy failed" when the browser refuses: never pretend).
 */
import { useCallback, useEffect, useRef, useState } from 'react';

/** Where a copy stands: nothing yet, done, or refused. */
export type CopyState = 'idle' | 'done' | 'failed';

/** How long "Copied" stays before the button reads "Copy" again. */
export const COPIED_FEEDBACK_MS = 1500;

/** The state and the function that copies; the state returns to `idle` after a moment. */
export function useCopy(): [CopyState, (text: string) => Promise<void>] {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = useCallback(async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setState('done');
    } catch {
      setState('failed'); // no clipboard permission: say so instead of pretending
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), COPIED_FEEDBACK_MS);
  }, []);
  return [state, copy];
}

/** The words of a copy button in each state. */
export function copyLabel(state: CopyState): string {
  return state === 'done' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy';
}
