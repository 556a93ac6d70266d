/**
 * The one interface every agent provider implements.
 *
 * A provider turns a prompt (plus the session's context) into reply text, calling
 * `onDelta` as text arrives so the gateway can stream it. It must stop promptly when
 * `signal` aborts; whatever it streamed until then is kept by the gateway as the
 * partial reply, so a provider need not return anything special on abort.
 */
import type { MessageSource, ThinkingLevel } from '../protocol/schemas.js';
import type { SessionContext } from '../core/session-store.js';

/** One agent turn, as handed to a provider. */
export interface ProviderRequest {
  session: string;
  prompt: string;
  /** Reads the session's context (summary and earlier messages, without this prompt); lazy because it reads the transcript. */
  loadContext(): SessionContext;
  /** The model part of `provider/model`, or the provider's default. */
  model: string;
  thinking: ThinkingLevel | undefined;
  source: MessageSource;
  signal: AbortSignal;
  onDelta(text: string): void;
}

/** What a finished turn produced. */
export interface ProviderReply {
  text: string;
  usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number };
}

/** An agent backend. */
export interface Provider {
  /** The name used in config and in `model` (`echo`, `openai`, …). */
  readonly id: string;
  /** A human label for status views, e.g. `echo (built-in, offline)`. */
  readonly label: string;
  /** The model used when a send names only the provider. */
  readonly defaultModel: string;
  run(request: ProviderRequest): Promise<ProviderReply>;
  /** Summarizes messages for `compact`. */
  summarize(messages: SessionContext['messages'], previousSummary: string | undefined, signal: AbortSignal): Promise<string>;
}

/** A provider failed (not a bug in the gateway): reported as `provider_error`. */
export class ProviderFailure extends Error {
  override readonly name = 'ProviderFailure';
}
