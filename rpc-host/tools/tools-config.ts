/**
 * The config file's `mcpServers` and `tools` sections: which MCP servers the
 * gateway may start, and how their tools are chosen and approved.
 *
 * `mcpServers` has the shape Claude desktop uses, so an existing block can be
 * pasted in: `{ command, args?, env?, cwd? }` for a server started over stdio,
 * `{ url, headers? }` for one reached over streamable HTTP. Secrets come from the
 * environment (`${VAR}` in `env` and `headers` values) and join the scrubbed
 * secrets, as for providers. Everything is checked at start, with errors naming
 * the key and the fix.
 */
import * as z from 'zod';
import { ConfigError } from '../core/config-error.js';
import { expandEnv } from '../core/secrets.js';
import { ENTRY_NAME_PATTERN } from '../core/provider-config.js';

const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/u, 'must be an environment variable name such as GITHUB_TOKEN');

/** An MCP server started as a child process, spoken to over its stdin and stdout. */
export const StdioServerSchema = z
  .object({
    /** Claude Code writes it; accepted so its `.mcp.json` entries paste in unchanged. */
    type: z.literal('stdio').optional(),
    command: z.string().min(1, 'must name the program, e.g. "npx"'),
    args: z.array(z.string()).optional(),
    /** Extra environment; values may use `${ENV_VAR}`. The server gets only these and a few safe variables (PATH, HOME, …). */
    env: z.record(EnvNameSchema, z.string()).optional(),
    cwd: z.string().min(1).optional(),
  })
  .strict();

/** An MCP server reached over streamable HTTP. */
export const HttpServerSchema = z
  .object({
    type: z.enum(['http', 'streamable-http']).optional(),
    url: z.url({ protocol: /^https?$/u, error: 'must be an http:// or https:// URL such as http://127.0.0.1:3000/mcp' }),
    /** Extra request headers; values may use `${ENV_VAR}` (a bearer token). */
    headers: z.record(z.string().min(1), z.string()).optional(),
  })
  .strict();

export const McpServerEntrySchema = z.union([StdioServerSchema, HttpServerSchema], {
  error: 'needs "command" (a server started over stdio) or "url" (a server over streamable HTTP)',
});

export const McpServersSchema = z.record(z.string(), McpServerEntrySchema);

/** What happens when the model calls a tool. */
export const ToolDecisionSchema = z.enum(['allow', 'ask', 'deny']);
export type ToolDecision = z.infer<typeof ToolDecisionSchema>;

/** A tool name or pattern: `server/tool`, `server/*`, `server/read_*`. */
export const ToolPatternSchema = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[^/\s]+\/[^/\s]+$/u, 'must be "server/tool" or "server/*"');

/** The `tools` section. */
export const ToolsSectionSchema = z
  .object({
    /** Tools a send gets when neither it nor its session chose any. */
    default: z.array(ToolPatternSchema).optional(),
    /** Model requests per run before the loop stops (each may ask for several tool calls). */
    maxSteps: z.number().int().min(1).max(1000).optional(),
    /** Per-tool decision, by pattern; the most specific pattern wins (an exact name over `server/read_*` over `server/*`). */
    policy: z.record(z.string().regex(/^(\*|[^/\s]+\/[^/\s]+)$/u, 'must be "server/tool", "server/*" or "*"'), ToolDecisionSchema).optional(),
    /** How long an `ask` waits for an answer before the call is denied. */
    approvalTimeoutMs: z.number().int().min(10).max(24 * 60 * 60_000).optional(),
    /** `first-use` (default): a server starts when a send or `tools` first needs it; `launch`: every server starts with the gateway. */
    startServers: z.enum(['first-use', 'launch']).optional(),
    /** Longest a server may take to start and list its tools. */
    startTimeoutMs: z.number().int().min(100).max(10 * 60_000).optional(),
    /** Longest one tool call may run. */
    callTimeoutMs: z.number().int().min(100).max(24 * 60 * 60_000).optional(),
  })
  .strict();
export type ToolsSection = z.infer<typeof ToolsSectionSchema>;

/** A stdio server with its environment expanded. */
export interface ResolvedStdioServer {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | undefined;
}

/** An HTTP server with its headers expanded. */
export interface ResolvedHttpServer {
  transport: 'http';
  url: string;
  headers: Record<string, string>;
}

export type ResolvedMcpServer = ResolvedStdioServer | ResolvedHttpServer;

/** The resolved `tools` settings every part of the tool path reads. */
export interface ToolsSettings {
  servers: Record<string, ResolvedMcpServer>;
  default: string[];
  maxSteps: number;
  policy: Record<string, ToolDecision>;
  approvalTimeoutMs: number;
  startServers: 'first-use' | 'launch';
  startTimeoutMs: number;
  callTimeoutMs: number;
}

export const DEFAULT_MAX_STEPS = 20;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000;

/** Resolves both sections; `secrets` collects every value read from the environment. */
export function resolveToolsSettings(
  servers: z.infer<typeof McpServersSchema> | undefined,
  section: ToolsSection | undefined,
  env: NodeJS.ProcessEnv,
  secrets: string[],
): ToolsSettings {
  const resolved: Record<string, ResolvedMcpServer> = {};
  for (const [name, entry] of Object.entries(servers ?? {})) {
    if (!ENTRY_NAME_PATTERN.test(name)) {
      throw new ConfigError(`"mcpServers.${name}": ${JSON.stringify(name)} is not a plain name; use letters, digits, "_", "-" or "." (it becomes the server part of "server/tool")`);
    }
    const keyPath = `mcpServers.${name}`;
    if ('command' in entry) {
      const serverEnv: Record<string, string> = {};
      for (const [variable, value] of Object.entries(entry.env ?? {})) serverEnv[variable] = expandEnv(value, `${keyPath}.env.${variable}`, env, secrets);
      resolved[name] = { transport: 'stdio', command: entry.command, args: entry.args ?? [], env: serverEnv, cwd: entry.cwd };
    } else {
      const headers: Record<string, string> = {};
      for (const [header, value] of Object.entries(entry.headers ?? {})) headers[header] = expandEnv(value, `${keyPath}.headers.${header}`, env, secrets);
      resolved[name] = { transport: 'http', url: entry.url, headers };
    }
  }
  const names = Object.keys(resolved);
  const checkServer = (pattern: string, keyPath: string) => {
    if (pattern === '*') return;
    const server = pattern.slice(0, pattern.indexOf('/'));
    if (!names.includes(server)) {
      throw new ConfigError(`"${keyPath}": no MCP server "${server}" (in "${pattern}"); ${names.length > 0 ? `use one of: ${names.join(', ')}` : 'add it under "mcpServers"'}`);
    }
  };
  (section?.default ?? []).forEach((pattern, index) => checkServer(pattern, `tools.default.${index}`));
  for (const pattern of Object.keys(section?.policy ?? {})) checkServer(pattern, `tools.policy.${pattern}`);
  return {
    servers: resolved,
    default: section?.default ?? [],
    maxSteps: section?.maxSteps ?? DEFAULT_MAX_STEPS,
    policy: section?.policy ?? {},
    approvalTimeoutMs: section?.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    startServers: section?.startServers ?? 'first-use',
    startTimeoutMs: section?.startTimeoutMs ?? 30_000,
    callTimeoutMs: section?.callTimeoutMs ?? 10 * 60_000,
  };
}

/** Settings with no server at all (the one-shot CLI before a config is read, tests). */
export function noToolsSettings(): ToolsSettings {
  return resolveToolsSettings(undefined, undefined, {}, []);
}
