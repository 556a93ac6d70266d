/**
 * The one interface every agent provider implements.
 *
 * A provider turns a prompt (plus the session's context) into reply text, calling
 * `onDelta` as text arrives so the gateway can stream it. It must stop promptly when
 * `signal` aborts; whatever it streamed until then is kept by the gateway as the
 * partial reply, so a provider need not return anything special on abort.
 *
 * Failures a user can act on (a server down, a command exiting non-zero) are thrown
 * as `ProviderFailure`; `retryable` tells the fallback chain whether the next model
 * may be tried (the provider was unreachable, overloaded or timed out, as opposed to
 * refusing the request itself).
 */
import type { MessageSource, ThinkingLevel } from '../protocol/schemas.js';
import type { ContextMessage, SessionContext } from '../core/session-store.js';

/** A function the model may call, in OpenAI's `tools` shape. */
export interface ToolFunction {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One call the model asked for. */
export interface RequestedToolCall {
  /** The model's id for the call (what its result must name). */
  id: string;
  /** The function name the model called (perhaps one it was never offered). */
  name: string;
  /** JSON text as the model wrote it, perhaps malformed. */
  arguments: string;
}

/**
 * The tools of one run, for a provider that runs an agent loop: what to offer the
 * model, and how to run what it asks for. Running a call (approval, the MCP call,
 * the transcript records and events) is the gateway's business, not the provider's.
 */
export interface ToolRunner {
  readonly functions: readonly ToolFunction[];
  /** Model requests allowed in one run. */
  readonly maxSteps: number;
  /** Runs one call; resolves with the text the model gets as its result (an error or a denial is text too). */
  run(call: RequestedToolCall, step: number, signal: AbortSignal): Promise<string>;
  /** The function name a `server/tool` of an earlier turn is known by. */
  functionName(server: string, tool: string): string;
}

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
  /** The tools of this run, for a provider with an agent loop (`toolUse: 'loop'`). */
  tools?: ToolRunner | undefined;
  /** The chosen tool names and patterns, for a provider that passes them on (`toolUse: 'argv'`). */
  toolNames?: readonly string[] | undefined;
}

/** Token counts, as far as the provider reports them. */
export interface ProviderUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

/** What a finished turn produced. */
export interface ProviderReply {
  text: string;
  usage?: ProviderUsage;
  /** How the run ended, when the caller should hear it (the turn limit stopped the tool loop). */
  note?: string;
}

/** An agent backend. */
export interface Provider {
  /** The name used in config and in `model` (`echo`, or a configured entry such as `local`). */
  readonly id: string;
  /** A human label for status views, e.g. `echo (built-in, offline)`. */
  readonly label: string;
  /** The model used when a send names only the provider. */
  readonly defaultModel: string;
  /**
   * How it uses the tools a send chooses: `loop`, it runs them in an agent loop
   * (`request.tools`); `argv`, it passes their names to a CLI agent
   * (`request.toolNames`); absent, it cannot use tools.
   */
  readonly toolUse?: 'loop' | 'argv' | undefined;
  run(request: ProviderRequest): Promise<ProviderReply>;
  /** Summarizes messages for `compact`. */
  summarize(messages: readonly ContextMessage[], previousSummary: string | undefined, signal: AbortSignal): Promise<string>;
}

/** A provider failed (not a bug in the gateway): reported as `provider_error`. */
export class ProviderFailure extends Error {
  override readonly name = 'ProviderFailure';

  constructor(
    message: string,
    /** True when the next model of a fallback chain may be tried (unreachable, 5xx, timeout). */
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** The prompt providers get for `compact`: the conversation as text and the request for a summary. */
export function summaryPrompt(messages: readonly ContextMessage[], previousSummary: string | undefined): string {
  const lines = [
    'Summarize the conversation below so that it can replace it as context for later turns.',
    'Keep facts, decisions, names, open questions and anything the user asked to remember. Reply with the summary only.',
    '',
  ];
  if (previousSummary) lines.push(`Summary of the conversation before this part: ${previousSummary}`, '');
  for (const message of messages) lines.push(`${message.role}: ${message.text}`);
  return lines.join('\n');
}
