/**
 * Builds the providers a gateway offers from its configuration, and resolves model
 * references (`entry` or `entry/model`) against them.
 */
import type { GatewayConfig } from '../core/config.js';
import { splitModelRef } from '../core/provider-config.js';
import { createCommandProvider } from './command.js';
import { createEchoProvider } from './echo.js';
import { createOpenAiProvider } from './openai.js';
import type { Provider } from './provider.js';

/** A provider and the model to ask it for. */
export interface ModelChoice {
  provider: Provider;
  model: string;
}

/** The built-in echo, every configured entry, then `extra` (tests), later ids replacing earlier ones. */
export function createProviders(config: GatewayConfig, extra: readonly Provider[] = []): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  providers.set('echo', createEchoProvider(config.echo));
  for (const [id, entry] of Object.entries(config.providers)) {
    providers.set(id, entry.type === 'openai' ? createOpenAiProvider(id, entry, config.secrets) : createCommandProvider(id, entry, config.secrets));
  }
  for (const provider of extra) providers.set(provider.id, provider);
  return providers;
}

/** Resolves `entry` or `entry/model`; undefined when no such provider exists. */
export function resolveModelRef(providers: ReadonlyMap<string, Provider>, ref: string): ModelChoice | undefined {
  const { entry, model } = splitModelRef(ref);
  const provider = providers.get(entry);
  if (!provider) return undefined;
  return { provider, model: model ?? provider.defaultModel };
}
