/**
 * The config file's `providers`, `fallback` and `delivery.webhook` sections.
 *
 * Kept apart from `config.ts` because they are the big part of the file and the
 * part users edit most: named provider entries (`openai` servers, `command` agents),
 * the ordered fallback chain, and the webhook channel. Everything here is checked at
 * start: an entry's fields by zod, then the cross-references (a fallback naming no
 * entry, an API-key variable that is not set) by `resolveProviderSettings`, with
 * errors that name the key path and the fix.
 */
import { z } from 'zod';
import { ConfigError } from './config-error.js';

/** Entry names become the `provider` part of `provider/model`, so they are plain words. */
export const ENTRY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u;

/** An environment variable's name. */
const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/u, 'must be an environment variable name such as OPENAI_API_KEY');

const TimeoutSchema = z.number().int().min(1).max(24 * 60 * 60_000);

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

/** The webhook delivery channel. */
export const WebhookSchema = z
  .object({
    /** Where to POST; may be `${VAR}` (or contain it) when the URL itself is the secret, as with chat webhooks. */
    url: z.string().refine((value) => value.includes('${') || isHttpUrl(value), 'must be an http:// or https:// URL, or ${VAR} to read it from the environment'),
    /** Extra headers, e.g. `{"Authorization": "Bearer ${HOOK_TOKEN}"}`. */
    headers: z.record(z.string().min(1), z.string()).optional(),
    /** Retries after the first attempt (network errors, 5xx, 408, 429). */
    retries: z.number().int().min(0).max(20).optional(),
    /** First retry delay; doubles each time. */
    backoffMs: z.number().int().min(0).max(60_000).optional(),
    timeoutMs: TimeoutSchema.optional(),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookSchema>;

/** True for an absolute http:// or https:// URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Values that must never be written anywhere: API keys and header secrets read from the environment. */
export interface Secrets {
  values: string[];
}

/** Replaces every secret in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * Expands `${NAME}` in a config value from the environment.
 *
 * A variable that is not set is a config error at start (naming the key), not an
 * empty header at first use. Every expanded value is added to `secrets`.
 */
export function expandEnv(value: string, keyPath: string, env: NodeJS.ProcessEnv, secrets: string[]): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/gu, (_, name: string) => {
    const found = env[name];
    if (found === undefined || found === '') {
      throw new ConfigError(`"${keyPath}" uses \${${name}}, but the environment variable ${name} is not set; set it or remove the reference`);
    }
    secrets.push(found);
    return found;
  });
}

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
