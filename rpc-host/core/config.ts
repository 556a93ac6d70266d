/**
 * Gateway configuration: a validated file, then environment, then command-line flags.
 *
 * Everything has an embedded default (the built-in `echo` provider, heartbeats every
 * 30 minutes, data under the XDG data dir), so `tether rpc` runs with no file at all.
 * A bad value is refused at start with an error that names the key, the value and
 * the fix, never at first use.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { DEFAULT_MAX_LINE_BYTES } from '../protocol/jsonl.js';
import { describeIssues, errorMessage } from '../protocol/errors.js';
import { SessionKeySchema } from '../protocol/requests.js';
import { ConfigError } from './config-error.js';
import { jsonSyntaxMessage, withKeySuggestions } from './config-file-errors.js';
import { defaultDataDir } from '../data-dir.js';
import { ENTRY_NAME_PATTERN, ModelRefSchema, ProvidersSchema, checkModelRefs, type CommandEntry, type OpenAiEntry } from './provider-config.js';
import { expandEnv } from './secrets.js';
import { WebhookSchema, isHttpUrl } from '../delivery/webhook-config.js';
import { McpServersSchema, ToolsSectionSchema, resolveToolsSettings, type ToolsSettings } from '../tools/tools-config.js';

export { ConfigError } from './config-error.js';
export { defaultDataDir } from '../data-dir.js';

const MINUTE = 60_000;

/** The prompt sent on each heartbeat; a reply of exactly HEARTBEAT_OK means "nothing to say". */
export const DEFAULT_HEARTBEAT_PROMPT =
  'Heartbeat: check whether anything needs the user\'s attention. If nothing does, reply exactly HEARTBEAT_OK.';

/** The shape of `config.json`; unknown keys are refused so typos do not pass silently. */
export const ConfigFileSchema = z
  .object({
    /** The default model: `echo`, an entry of `providers`, or `entry/model`. */
    provider: ModelRefSchema.optional(),
    /** Named provider entries (`openai` servers, `command` agents). */
    providers: ProvidersSchema.optional(),
    /** Tried in order when the chosen model fails before any output. */
    fallback: z.array(ModelRefSchema).max(20).optional(),
    echo: z
      .object({
        delayMs: z.number().int().min(0).max(60_000).optional(),
        chunkChars: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .optional(),
    heartbeats: z
      .object({
        enabled: z.boolean().optional(),
        intervalMs: z.number().int().min(10).max(7 * 24 * 60 * MINUTE).optional(),
        prompt: z.string().min(1).optional(),
        session: SessionKeySchema.optional(),
      })
      .strict()
      .optional(),
    delivery: z
      .object({
        outbox: z.string().min(1).optional(),
        /** Where `deliver: true` sends replies: the outbox file (default) or the webhook. */
        channel: z.enum(['outbox', 'webhook']).optional(),
        /** The target used when a send says `deliver: true` without `to`. */
        to: z.string().min(1).max(512).optional(),
        webhook: WebhookSchema.optional(),
      })
      .strict()
      .optional(),
    maxLineBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).optional(),
    maxQueuedPerSession: z.number().int().min(1).max(100_000).optional(),
    shutdownGraceMs: z.number().int().min(0).max(60_000).optional(),
    /** Longest a streaming reply's text waits before it is written to the transcript (0: only when the reply ends). */
    checkpointIntervalMs: z.number().int().min(0).max(60_000).optional(),
    /** MCP servers whose tools sends may use, in Claude desktop's shape (see tools-config.ts). */
    mcpServers: McpServersSchema.optional(),
    /** Default tools, the turn limit, approval policy and timeouts. */
    tools: ToolsSectionSchema.optional(),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The resolved configuration every part of the gateway reads. */
export interface GatewayConfig {
  /** Where sessions, the outbox and (by default) config.json live. */
  dataDir: string;
  /** The config file that was read, or would have been. */
  configPath: string;
  /** The default model reference (`echo`, `entry` or `entry/model`). */
  provider: string;
  /** Configured provider entries, by name, with secrets resolved from the environment. */
  providers: Record<string, ResolvedProviderEntry>;
  /** Model references tried in order after the chosen one fails before any output. */
  fallback: string[];
  /** Values read from the environment that must never be written out (API keys, header tokens). */
  secrets: string[];
  echo: { delayMs: number; chunkChars: number };
  heartbeats: { enabled: boolean; intervalMs: number; prompt: string; session: string };
  delivery: {
    outbox: string;
    channel: 'outbox' | 'webhook';
    to: string | undefined;
    webhook: ResolvedWebhook | undefined;
  };
  maxLineBytes: number;
  maxQueuedPerSession: number;
  shutdownGraceMs: number;
  /** Longest a streaming reply's text waits before it is checkpointed to the transcript; 0 turns checkpoints off. */
  checkpointIntervalMs: number;
  /** MCP servers and how their tools are chosen and approved. */
  tools: ToolsSettings;
}

/** Overrides from the command line; each wins over the file and the environment. */
export interface ConfigOverrides {
  dataDir?: string;
  configPath?: string;
  heartbeatsEnabled?: boolean;
  heartbeatIntervalMs?: number;
  echoDelayMs?: number;
  maxLineBytes?: number;
  shutdownGraceMs?: number;
}

/** An `openai` entry with its API key read from the environment. */
export type ResolvedOpenAiEntry = Omit<OpenAiEntry, 'headers'> & { apiKey: string | undefined; headers: Record<string, string> };

/** A `command` entry with its environment expanded. */
export type ResolvedCommandEntry = Omit<CommandEntry, 'env'> & { env: Record<string, string> };

/** A provider entry ready to build. */
export type ResolvedProviderEntry = ResolvedOpenAiEntry | ResolvedCommandEntry;

/** The webhook channel with its header values expanded and defaults filled in. */
export interface ResolvedWebhook {
  url: string;
  headers: Record<string, string>;
  retries: number;
  backoffMs: number;
  timeoutMs: number;
}

/** Reads and validates the configuration; throws `ConfigError` naming the bad key. */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const dataDir = overrides.dataDir ? resolve(overrides.dataDir) : defaultDataDir(env);
  const configPath = resolve(overrides.configPath ?? env.TETHER_CONFIG ?? join(dataDir, 'config.json'));
  const namedBy = overrides.configPath !== undefined ? '--config' : env.TETHER_CONFIG !== undefined ? 'TETHER_CONFIG' : undefined;
  const file = readConfigFile(configPath, namedBy);

  const echoDelayMs = overrides.echoDelayMs ?? envInt(env, 'TETHER_ECHO_DELAY_MS', 0, 60_000) ?? file.echo?.delayMs ?? 0;
  const heartbeatsEnabled = overrides.heartbeatsEnabled ?? envBool(env, 'TETHER_HEARTBEATS') ?? file.heartbeats?.enabled ?? true;
  const intervalMs =
    overrides.heartbeatIntervalMs ??
    envInt(env, 'TETHER_HEARTBEAT_INTERVAL_MS', 10, 7 * 24 * 60 * MINUTE) ??
    file.heartbeats?.intervalMs ??
    30 * MINUTE;
  const prompt = env.TETHER_HEARTBEAT_PROMPT || file.heartbeats?.prompt || DEFAULT_HEARTBEAT_PROMPT;

  const secrets: string[] = [];
  const provider = file.provider ?? 'echo';
  const fallback = file.fallback ?? [];
  let providers: Record<string, ResolvedProviderEntry>;
  let delivery: GatewayConfig['delivery'];
  let tools: ToolsSettings;
  try {
    providers = resolveProviders(file, env, secrets);
    checkModelRefs(['echo', ...Object.keys(providers)], provider, fallback);
    delivery = resolveDelivery(file, dataDir, env, secrets);
    tools = resolveToolsSettings(file.mcpServers, file.tools, env, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`config file ${configPath}: ${error.message}`);
  }

  return {
    dataDir,
    configPath,
    provider,
    providers,
    fallback,
    secrets,
    echo: { delayMs: echoDelayMs, chunkChars: file.echo?.chunkChars ?? 0 },
    heartbeats: { enabled: heartbeatsEnabled, intervalMs, prompt, session: file.heartbeats?.session ?? 'main' },
    delivery,
    maxLineBytes: overrides.maxLineBytes ?? envInt(env, 'TETHER_MAX_LINE_BYTES', 1024, 1024 ** 3) ?? file.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxQueuedPerSession: file.maxQueuedPerSession ?? 1000,
    shutdownGraceMs: overrides.shutdownGraceMs ?? file.shutdownGraceMs ?? 2000,
    checkpointIntervalMs: envInt(env, 'TETHER_CHECKPOINT_MS', 0, 60_000) ?? file.checkpointIntervalMs ?? 250,
    tools,
  };
}

function resolveProviders(file: ConfigFile, env: NodeJS.ProcessEnv, secrets: string[]): Record<string, ResolvedProviderEntry> {
  const resolved: Record<string, ResolvedProviderEntry> = {};
  for (const [name, entry] of Object.entries(file.providers ?? {})) {
    if (!ENTRY_NAME_PATTERN.test(name)) {
      throw new ConfigError(`"providers.${name}": ${JSON.stringify(name)} is not a plain name; use letters, digits, "_", "-" or "." (it becomes the provider part of "provider/model")`);
    }
    if (name === 'echo') throw new ConfigError('"providers.echo": the name echo is taken by the built-in provider; pick another name');
    const keyPath = `providers.${name}`;
    if (entry.type === 'openai') {
      let apiKey: string | undefined;
      if (entry.apiKeyEnv !== undefined) {
        apiKey = env[entry.apiKeyEnv];
        if (apiKey === undefined || apiKey === '') {
          throw new ConfigError(`"${keyPath}.apiKeyEnv": the environment variable ${entry.apiKeyEnv} is not set; export it with the API key, or remove "apiKeyEnv" for a server without a key`);
        }
        secrets.push(apiKey);
      }
      const headers: Record<string, string> = {};
      for (const [header, value] of Object.entries(entry.headers ?? {})) headers[header] = expandEnv(value, `${keyPath}.headers.${header}`, env, secrets);
      resolved[name] = { ...entry, apiKey, headers };
    } else {
      const commandEnv: Record<string, string> = {};
      for (const [variable, value] of Object.entries(entry.env ?? {})) commandEnv[variable] = expandEnv(value, `${keyPath}.env.${variable}`, env, secrets);
      if (entry.input === 'argument' && !entry.argv.some((arg) => arg.includes('{prompt}'))) {
        throw new ConfigError(`"${keyPath}.argv": "input" is "argument" but no argument holds {prompt}; add "{prompt}" where the message goes`);
      }
      resolved[name] = { ...entry, env: commandEnv };
    }
  }
  return resolved;
}

function resolveDelivery(file: ConfigFile, dataDir: string, env: NodeJS.ProcessEnv, secrets: string[]): GatewayConfig['delivery'] {
  const section = file.delivery ?? {};
  const channel = section.channel ?? 'outbox';
  if (channel === 'webhook' && section.webhook === undefined) {
    throw new ConfigError(`"delivery.channel" is "webhook" but "delivery.webhook" is missing; add {"url": "https://…"} there`);
  }
  let webhook: ResolvedWebhook | undefined;
  if (section.webhook) {
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(section.webhook.headers ?? {})) {
      headers[header] = expandEnv(value, `delivery.webhook.headers.${header}`, env, secrets);
    }
    const url = expandEnv(section.webhook.url, 'delivery.webhook.url', env, secrets);
    if (!isHttpUrl(url)) throw new ConfigError('"delivery.webhook.url" must be an http:// or https:// URL (after reading the environment variables it names)');
    webhook = {
      url,
      headers,
      retries: section.webhook.retries ?? 3,
      backoffMs: section.webhook.backoffMs ?? 250,
      timeoutMs: section.webhook.timeoutMs ?? 10_000,
    };
  }
  return { outbox: resolve(dataDir, section.outbox ?? 'outbox.jsonl'), channel, to: section.to, webhook };
}

/**
 * Reads the config file. `namedBy` is where an explicit path came from (`--config`,
 * `TETHER_CONFIG`): that file must exist. The default path may be missing.
 */
function readConfigFile(path: string, namedBy: string | undefined): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && namedBy === undefined) return {}; // no file: embedded defaults
    if (code === 'ENOENT') {
      throw new ConfigError(`config file ${path} (from ${namedBy}) does not exist; check the path, or leave out ${namedBy} to use <data dir>/config.json`);
    }
    throw new ConfigError(`cannot read config file ${path}: ${errorMessage(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON (${jsonSyntaxMessage(text, error)}); fix it or remove it to use the defaults`);
  }
  const result = ConfigFileSchema.safeParse(value);
  if (!result.success) {
    const issues = withKeySuggestions(result.error.issues, ConfigFileSchema);
    throw new ConfigError(`config file ${path}: ${describeIssues(issues, 'top level')}; fix the key or remove it to use its default`);
  }
  return result.data;
}

function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`environment variable ${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`environment variable ${name}=${JSON.stringify(env[name])} must be on or off`);
}
