/**
 * The model fallback chain: try each model in turn while they fail before any output.
 *
 * A model is left for the next one only when its failure is `retryable` (the server
 * was unreachable, answered 5xx, or timed out; the command could not start or
 * failed) and nothing has been streamed yet: once a reply has started, switching
 * models would splice two answers together, so a later failure is reported as is.
 * An abort stops the chain. Every failure on the way is kept for `meta`.
 */
import { ProviderFailure, type ProviderReply, type ProviderRequest } from './provider.js';
import type { ModelChoice } from './registry.js';

/** One model that failed, and why. */
export interface AttemptFailure {
  provider: string;
  model: string;
  error: string;
}

/** The reply and who gave it. */
export interface ChainOutcome {
  reply: ProviderReply;
  choice: ModelChoice;
  failures: AttemptFailure[];
}

/**
 * Runs `request` on each model of `chain` until one answers.
 *
 * `onAttempt` hears of each model as it is tried, so what it streams can be
 * attributed to it (checkpoints name the model that wrote them).
 */
export async function runChain(
  chain: readonly ModelChoice[],
  request: Omit<ProviderRequest, 'model'>,
  hasOutput: () => boolean,
  onAttempt?: (choice: ModelChoice) => void,
): Promise<ChainOutcome> {
  const failures: AttemptFailure[] = [];
  for (const [index, choice] of chain.entries()) {
    onAttempt?.(choice);
    try {
      const reply = await choice.provider.run({ ...request, model: choice.model });
      return { reply, choice, failures };
    } catch (error) {
      const last = index === chain.length - 1;
      const canMoveOn = error instanceof ProviderFailure && error.retryable && !hasOutput() && !request.signal.aborted;
      if (!(error instanceof ProviderFailure)) throw error; // a bug, not a provider failing
      failures.push({ provider: choice.provider.id, model: choice.model, error: error.message });
      if (last || !canMoveOn) {
        if (failures.length === 1) throw error;
        throw new ChainFailure(failures);
      }
    }
  }
  throw new Error('unreachable: an empty model chain');
}

/** Every model of the chain failed; the message lists each one's reason. */
export class ChainFailure extends ProviderFailure {
  constructor(readonly failures: AttemptFailure[]) {
    super(`every model failed: ${failures.map((failure, index) => `${index + 1}. ${failure.provider}/${failure.model}: ${failure.error}`).join(' ')}`);
  }
}
