/**
 * Gateway configuration: a validated file, then environment, then command-line flags.
 *
 * Everything has an embedded default (the built-in `echo` provider, heartbeats every
 * 30 minutes, data under the XDG data dir), so `tether rpc` runs with no file at all.
 * A bad value is refused at start with an error that names the key, the value and
 * the fix, never at first use.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_MAX_LINE_BYTES } from '../protocol/jsonl.js';
import { describeIssues } from '../protocol/errors.js';
import { SessionKeySchema } from '../protocol/schemas.js';

const MINUTE = 60_000;

/** The prompt sent on each heartbeat; a reply of exactly HEARTBEAT_OK means "nothing to say". */
export const DEFAULT_HEARTBEAT_PROMPT =
  'Heartbeat: check whether anything needs the user\'s attention. If nothing does, reply exactly HEARTBEAT_OK.';

/** The shape of `config.json`; unknown keys are refused so typos do not pass silently. */
export const ConfigFileSchema = z
  .object({
    provider: z.string().min(1).optional(),
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
      })
      .strict()
      .optional(),
    maxLineBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).optional(),
    maxQueuedPerSession: z.number().int().min(1).max(100_000).optional(),
    shutdownGraceMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The resolved configuration every part of the gateway reads. */
export interface GatewayConfig {
  /** Where sessions, the outbox and (by default) config.json live. */
  dataDir: string;
  /** The config file that was read, or would have been. */
  configPath: string;
  provider: string;
  echo: { delayMs: number; chunkChars: number };
  heartbeats: { enabled: boolean; intervalMs: number; prompt: string; session: string };
  delivery: { outbox: string };
  maxLineBytes: number;
  maxQueuedPerSession: number;
  shutdownGraceMs: number;
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

/** A configuration problem, reported before anything starts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The default data dir: `$TETHER_HOME`, else `$XDG_DATA_HOME/tether`, else `~/.local/share/tether`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TETHER_HOME) return resolve(env.TETHER_HOME);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'tether');
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'tether');
}

/** Reads and validates the configuration; throws `ConfigError` naming the bad key. */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const dataDir = overrides.dataDir ? resolve(overrides.dataDir) : defaultDataDir(env);
  const configPath = resolve(overrides.configPath ?? env.TETHER_CONFIG ?? join(dataDir, 'config.json'));
  const file = readConfigFile(configPath, overrides.configPath !== undefined || env.TETHER_CONFIG !== undefined);

  const echoDelayMs = overrides.echoDelayMs ?? envInt(env, 'TETHER_ECHO_DELAY_MS', 0, 60_000) ?? file.echo?.delayMs ?? 0;
  const heartbeatsEnabled = overrides.heartbeatsEnabled ?? envBool(env, 'TETHER_HEARTBEATS') ?? file.heartbeats?.enabled ?? true;
  const intervalMs =
    overrides.heartbeatIntervalMs ??
    envInt(env, 'TETHER_HEARTBEAT_INTERVAL_MS', 10, 7 * 24 * 60 * MINUTE) ??
    file.heartbeats?.intervalMs ??
    30 * MINUTE;
  const prompt = env.TETHER_HEARTBEAT_PROMPT || file.heartbeats?.prompt || DEFAULT_HEARTBEAT_PROMPT;

  return {
    dataDir,
    configPath,
    provider: file.provider ?? 'echo',
    echo: { delayMs: echoDelayMs, chunkChars: file.echo?.chunkChars ?? 0 },
    heartbeats: { enabled: heartbeatsEnabled, intervalMs, prompt, session: file.heartbeats?.session ?? 'main' },
    delivery: { outbox: resolve(dataDir, file.delivery?.outbox ?? 'outbox.jsonl') },
    maxLineBytes: overrides.maxLineBytes ?? envInt(env, 'TETHER_MAX_LINE_BYTES', 1024, 1024 ** 3) ?? file.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxQueuedPerSession: file.maxQueuedPerSession ?? 1000,
    shutdownGraceMs: overrides.shutdownGraceMs ?? file.shutdownGraceMs ?? 2000,
  };
}

function readConfigFile(path: string, mustExist: boolean): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return {}; // no file: embedded defaults
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON (${(error as Error).message}); fix it or remove it to use the defaults`);
  }
  const result = ConfigFileSchema.safeParse(value);
  if (!result.success) {
    throw new ConfigError(`config file ${path}: ${describeIssues(result.error.issues, 'top level')}; fix the key or remove it to use its default`);
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
