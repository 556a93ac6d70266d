/**
 * Builds the providers a gateway offers from its configuration, and resolves model
 * references (`entry` or `entry/model`) against them: the default model, the chain
 * of models to try for a send, a provider by id.
 */
import type { GatewayConfig } from '../core/config.js';
import { splitModelRef } from '../core/provider-config.js';
import { createCommandProvider } from './command.js';
import { treeRecordsDir, treeRecordsOf } from '../process-tree/tree-records.js';
import { createEchoProvider } from './echo.js';
import { createOpenAiProvider } from './openai.js';
import type { Provider } from './provider.js';
import { withSecretsScrubbed } from './scrubbed-provider.js';

/** A provider and the model to ask it for. */
export interface ModelChoice {
  provider: Provider;
  model: string;
}

/**
 * The built-in echo, every configured entry, then `extra` (tests), later ids replacing earlier ones.
 *
 * Each one's output has the configured secrets scrubbed out (`scrubbed-provider.ts`).
 */
export function createProviders(config: GatewayConfig, extra: readonly Provider[] = []): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  const add = (provider: Provider) => providers.set(provider.id, withSecretsScrubbed(provider, config.secrets));
  add(createEchoProvider(config.echo));
  for (const [id, entry] of Object.entries(config.providers)) {
    add(
      entry.type === 'openai'
        ? createOpenAiProvider(id, entry, config.secrets)
        : createCommandProvider(id, entry, config.secrets, treeRecordsOf(treeRecordsDir(config.dataDir))),
    );
  }
  for (const provider of extra) add(provider);
  return providers;
}

/** Resolves `entry` or `entry/model`; undefined when no such provider exists. */
export function resolveModelRef(providers: ReadonlyMap<string, Provider>, ref: string): ModelChoice | undefined {
  const { entry, model } = splitModelRef(ref);
  const provider = providers.get(entry);
  if (!provider) return undefined;
  return { provider, model: model ?? provider.defaultModel };
}

/** An unknown model reference; the gateway reports it as `invalid_request`. */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

/** The configured providers, the default model and the fallback chain. */
export class ModelRouter {
  /** The model used when a send names none. */
  readonly defaultChoice: ModelChoice;

  constructor(
    private readonly providers: ReadonlyMap<string, Provider>,
    defaultRef: string,
    private readonly fallback: readonly string[],
  ) {
    const choice = resolveModelRef(providers, defaultRef);
    if (!choice) throw new UnknownModelError(`unknown provider "${defaultRef}"; use one of: ${this.ids().join(', ')}`);
    this.defaultChoice = choice;
  }

  /** Every provider, built-in first. */
  list(): Provider[] {
    return [...this.providers.values()];
  }

  /** The provider with this id, if there is one. */
  get(id: string): Provider | undefined {
    return this.providers.get(id);
  }

  /** The fallback chain as configured, resolved (a reference to no provider is left out). */
  fallbackChoices(): ModelChoice[] {
    return this.fallback.map((ref) => resolveModelRef(this.providers, ref)).filter((choice): choice is ModelChoice => choice !== undefined);
  }

  /** The models to try: the one asked for (or the default), then the fallbacks not tried yet. */
  chainFor(ref: string | undefined): ModelChoice[] {
    const first = ref === undefined ? this.defaultChoice : resolveModelRef(this.providers, ref);
    if (!first) throw new UnknownModelError(`unknown model "${ref}"; use "provider" or "provider/model" with one of: ${this.ids().join(', ')}`);
    const chain = [first];
    for (const fallbackRef of this.fallback) {
      const choice = resolveModelRef(this.providers, fallbackRef);
      if (!choice) continue; // checked at start; only test-injected setups can miss
      if (chain.some((c) => c.provider === choice.provider && c.model === choice.model)) continue; // tried already
      chain.push(choice);
    }
    return chain;
  }

  private ids(): string[] {
    return [...this.providers.keys()];
  }
}
