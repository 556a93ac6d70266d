/**
 * The model picker's model: the gateway's `models` answer as choices, the chain a
 * send will try, and each session's remembered model.
 *
 * A session's model lives in the window (localStorage), not in the gateway: it is
 * how this window fills a send's `model`, and the gateway keeps no per-session
 * model. A reference is what a send names: `provider/model`.
 */
import type { BridgeResult } from '../../../main/bridge/contract.js';

/** The gateway's `models` answer. */
export type ModelList = BridgeResult<'list-models'>;
/** A provider and one of its models. */
export type ModelChoice = ModelList['default'];

/** One option of the picker. */
export interface ModelOption {
  /** What a send names: `provider/model`. */
  ref: string;
  /** The provider's description (its server or command). */
  label: string;
}

/** `provider/model`, the reference a send names. */
export function modelRef(choice: ModelChoice): string {
  return `${choice.provider}/${choice.model}`;
}

/** Every model the picker offers: each provider's default model, in the gateway's order. */
export function modelOptions(list: ModelList): ModelOption[] {
  return list.providers.map((provider) => ({ ref: `${provider.id}/${provider.defaultModel}`, label: provider.label }));
}

/**
 * The models a send naming `ref` tries, in order: that model (or the default), then
 * the fallback chain less the models already in it (the gateway skips a model it
 * tried already).
 */
export function chainFor(list: ModelList, ref: string | undefined): string[] {
  const chain = [ref ?? modelRef(list.default)];
  for (const choice of list.fallback) {
    const next = modelRef(choice);
    if (!chain.includes(next)) chain.push(next);
  }
  return chain;
}

/**
 * The session's remembered model, if the gateway still offers it.
 *
 * A model remembered for a session and since removed from the config is forgotten
 * here rather than sent (the gateway would refuse it as unknown).
 */
export function rememberedModel(list: ModelList | null, remembered: string | undefined): string | undefined {
  if (remembered === undefined) return undefined; // the default
  if (list === null) return remembered; // not known yet: keep it
  return modelOptions(list).some((option) => option.ref === remembered) ? remembered : undefined;
}

/** The models remembered per session, by session key. */
export type SessionModels = Record<string, string>;

const SESSION_MODELS_KEY = 'tether.sessionModels';

/** Reads the remembered models; a missing or unreadable entry is none. */
export function loadSessionModels(storage: Pick<Storage, 'getItem'> = localStorage): SessionModels {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(SESSION_MODELS_KEY) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {}; // unreadable: start fresh
  }
}

/** Saves the remembered models (best effort: a full or missing storage only loses the memory). */
export function saveSessionModels(models: SessionModels, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(SESSION_MODELS_KEY, JSON.stringify(models));
  } catch {
    // Storage full or unavailable: the choice lasts until the window closes.
  }
}
