/**
 * The config file's `providers` and `fallback` sections.
 *
 * Kept apart from `config.ts` because they are the big part of the file and the
 * part users edit most: named provider entries (`openai` servers, `command` agents)
 * and the ordered fallback chain. Everything here is checked at
 * start: an entry's fields by zod, then the cross-references (a fallback naming no
 * entry, an API-key variable that is not set) by `resolveProviderSettings`, with
 * errors that name the key path and the fix.
 */
import * as z from 'zod';
import { ConfigError } from './config-error.js';

/** Entry names become the `provider` part of `provider/model`, so they are plain words. */
export const ENTRY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u;

/** An environment variable's name. */
const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/u, 'must be an environment variable name such as OPENAI_API_KEY');

export const TimeoutSchema = z.number().int().min(1).max(24 * 60 * 60_000);

/** An OpenAI-compatible `/v1/chat/completions` server. */
export const OpenAiEntrySchema = z
  .object({
    type: z.literal('openai'),
    /** The API root including `/v1`, e.g. `http://127.0.0.1:11434/v1`. */
    baseUrl: z.url({ protocol: /^https?$/u, error: 'must be an http:// or https:// URL such as http://127.0.0.1:11434/v1' }),
    /** The model sent when a send names only the entry. */
    model: z.string().min(1),
    /** The environment variable holding the API key (sent as `Authorization: Bearer`). */
    apiKeyEnv: EnvNameSchema.optional(),
    /** Models that accept `reasoning_effort`: `true` for all, or a list (a trailing `*` matches a prefix). */
    reasoningEffort: z.union([z.boolean(), z.array(z.string().min(1))]).optional(),
    /** A system prompt sent first. */
    system: z.string().optional(),
    /** How many characters of earlier messages to send at most (newest first). */
    contextChars: z.number().int().min(0).max(100_000_000).optional(),
    /** Time allowed until the response headers arrive. */
    timeoutMs: TimeoutSchema.optional(),
    /** Longest silence allowed between two pieces of a streamed answer. */
    idleTimeoutMs: TimeoutSchema.optional(),
    /** Extra request headers (values may use `${ENV_VAR}`). */
    headers: z.record(z.string().min(1), z.string()).optional(),
    /** Ask for token usage in the stream (`stream_options.include_usage`); turn off for servers that refuse it. */
    streamUsage: z.boolean().optional(),
  })
  .strict();

/** A CLI agent run once per message. */
export const CommandEntrySchema = z
  .object({
    type: z.literal('command'),
    /** The program and its arguments; `{prompt}`, `{model}`, `{session}`, `{thinking}` are filled in. No shell. */
    argv: z.array(z.string()).min(1, 'must name at least the program, e.g. ["claude", "-p"]'),
    /** Where the prompt goes: `stdin` (default unless an argument holds `{prompt}`) or `argument`. */
    input: z.enum(['stdin', 'argument']).optional(),
    /** `text`: stdout is the reply, streamed; `json`: stdout is JSON and the reply is at `jsonPath`. */
    output: z.enum(['text', 'json']).optional(),
    /** Where the reply is in JSON output, e.g. `payloads[0].text` (the default) or `result`. */
    jsonPath: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    cwd: z.string().min(1).optional(),
    /** Extra environment for the command (values may use `${ENV_VAR}`). */
    env: z.record(EnvNameSchema, z.string()).optional(),
    timeoutMs: TimeoutSchema.optional(),
    /**
     * How `{tools}` in `argv` spells the send's tools: `style` `server/tool` (as
     * chosen, the default) or `claude` (`mcp__server__tool`, and `mcp__server` for
     * `server/*`, as `claude --allowedTools` takes them), joined by `join` (default `,`).
     */
    toolsFormat: z
      .object({ style: z.enum(['server/tool', 'claude']).optional(), join: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

/** One entry of `providers`. */
export const ProviderEntrySchema = z.discriminatedUnion('type', [OpenAiEntrySchema, CommandEntrySchema], {
  error: 'needs "type": "openai" or "type": "command"',
});
export type OpenAiEntry = z.infer<typeof OpenAiEntrySchema>;
export type CommandEntry = z.infer<typeof CommandEntrySchema>;
export type ProviderEntry = z.infer<typeof ProviderEntrySchema>;

export const ProvidersSchema = z.record(z.string(), ProviderEntrySchema);

/** A reference to a model: `entry` or `entry/model`. */
export const ModelRefSchema = z.string().min(1).max(200);

/** Splits `entry/model` (the model part may itself contain slashes, e.g. `hosted/meta-llama/Llama-3`). */
export function splitModelRef(ref: string): { entry: string; model: string | undefined } {
  const slash = ref.indexOf('/');
  if (slash === -1) return { entry: ref, model: undefined };
  const model = ref.slice(slash + 1);
  return { entry: ref.slice(0, slash), model: model === '' ? undefined : model };
}

/** Checks that `provider` and every `fallback` item name a known entry. */
export function checkModelRefs(known: readonly string[], provider: string, fallback: readonly string[]): void {
  const check = (ref: string, keyPath: string) => {
    const { entry } = splitModelRef(ref);
    if (!known.includes(entry)) {
      throw new ConfigError(`"${keyPath}": unknown provider "${entry}" (in "${ref}"); use one of: ${known.join(', ')}, or add it under "providers"`);
    }
  };
  check(provider, 'provider');
  fallback.forEach((ref, index) => check(ref, `fallback.${index}`));
}
