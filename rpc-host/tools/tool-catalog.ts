/**
 * The gateway's tools: every configured MCP server, and the names and patterns
 * sends use to choose among their tools (`server/tool`, `server/*`,
 * `server/read_*`).
 *
 * Checking a choice has two halves. Server names are checked at once, when a send
 * arrives, against the config. Tool names can only be checked against a server's
 * list, which exists once the server is up, so they are checked when the run
 * resolves its tools (starting the servers it names). Either way an unknown name
 * is an `invalid_request` that lists what exists.
 */
import { ProtocolError } from '../protocol/errors.js';
import type { McpTool, ServerConnector, ServerReport } from './mcp-server.js';
import { ToolServer } from './mcp-server.js';
import type { ToolDecision, ToolsSettings } from './tools-config.js';

/** One tool the catalog offers. */
export interface CatalogTool {
  server: string;
  /** `server/tool`: how sends, policy, events and the transcript name it. */
  qualified: string;
  tool: McpTool;
}

/** True when `pattern` (`server/tool`, `server/*`, `server/read_*`, `*`) names `qualified`. */
export function matchesPattern(pattern: string, qualified: string): boolean {
  if (pattern === '*') return true;
  const slash = pattern.indexOf('/');
  const server = pattern.slice(0, slash);
  if (!qualified.startsWith(`${server}/`)) return false;
  return globMatches(pattern.slice(slash + 1), qualified.slice(slash + 1));
}

/** `*` matches any run of characters; everything else matches itself. */
function globMatches(glob: string, name: string): boolean {
  const parts = glob.split('*');
  if (parts.length === 1) return glob === name;
  if (!name.startsWith(parts[0]!) || !name.endsWith(parts.at(-1)!)) return false;
  let at = parts[0]!.length;
  const end = name.length - parts.at(-1)!.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return at <= end;
}

/** How specific a policy pattern is: an exact name beats any pattern, a longer literal part beats a shorter one, `*` loses to all. */
function specificity(pattern: string): number {
  if (pattern === '*') return 0;
  const literal = pattern.replaceAll('*', '').length;
  return pattern.includes('*') ? literal : 10_000 + literal;
}

/**
 * The decision for a tool: the most specific matching `tools.policy` pattern;
 * without one, `allow` for a tool its server marks `readOnlyHint: true`, else `ask`.
 */
export function decisionFor(policy: Readonly<Record<string, ToolDecision>>, tool: CatalogTool): ToolDecision {
  let best: { score: number; decision: ToolDecision } | undefined;
  for (const [pattern, decision] of Object.entries(policy)) {
    if (!matchesPattern(pattern, tool.qualified)) continue;
    const score = specificity(pattern);
    if (best === undefined || score > best.score) best = { score, decision };
  }
  if (best) return best.decision;
  return tool.tool.annotations?.readOnlyHint === true ? 'allow' : 'ask';
}

/** The configured servers and the tools they offer. */
export class ToolCatalog {
  private readonly servers = new Map<string, ToolServer>();

  constructor(
    readonly settings: ToolsSettings,
    connectorFor: (name: string) => ServerConnector,
    log: (level: 'info' | 'warn', message: string) => void = () => {},
  ) {
    for (const [name, entry] of Object.entries(settings.servers)) {
      this.servers.set(name, new ToolServer(name, entry.transport, connectorFor(name), log));
    }
  }

  /** True when no server is configured. */
  get empty(): boolean {
    return this.servers.size === 0;
  }

  /** The configured server names, in config order. */
  serverNames(): string[] {
    return [...this.servers.keys()];
  }

  /** One server by name. */
  server(name: string): ToolServer | undefined {
    return this.servers.get(name);
  }

  /**
   * Checks what can be checked without starting anything: each item is
   * `server/tool` or `server/*` and names a configured server.
   */
  checkChoice(patterns: readonly string[], field = 'tools'): void {
    for (const pattern of patterns) {
      const slash = pattern.indexOf('/');
      if (slash <= 0 || slash === pattern.length - 1 || pattern.indexOf('/', slash + 1) !== -1) {
        throw new ProtocolError('invalid_request', `invalid send request: field "${field}": ${JSON.stringify(pattern)} is not a tool name; use "server/tool" or "server/*"`);
      }
      const server = pattern.slice(0, slash);
      if (!this.servers.has(server)) {
        const known = this.serverNames();
        throw new ProtocolError(
          'invalid_request',
          `invalid send request: field "${field}": no MCP server "${server}" (in ${JSON.stringify(pattern)}); ${known.length > 0 ? `the servers are: ${known.join(', ')}` : 'no MCP server is configured: add one under "mcpServers" in the config file'}`,
        );
      }
    }
  }

  /**
   * The tools a choice names, starting the servers it names. A name that matches no
   * tool of its (running) server is an `invalid_request` listing that server's tools;
   * a server that cannot start is a `provider_error` with its reason.
   */
  async resolve(patterns: readonly string[]): Promise<CatalogTool[]> {
    this.checkChoice(patterns);
    const chosen = new Map<string, CatalogTool>();
    for (const pattern of patterns) {
      const name = pattern.slice(0, pattern.indexOf('/'));
      const tools = await this.toolsOf(name);
      const matching = tools.filter((tool) => matchesPattern(pattern, tool.qualified));
      if (matching.length === 0 && !pattern.endsWith('/*')) {
        const names = tools.map((tool) => tool.qualified);
        throw new ProtocolError(
          'invalid_request',
          `invalid send request: field "tools": MCP server "${name}" has no tool matching ${JSON.stringify(pattern)}; its tools are: ${names.length > 0 ? names.join(', ') : 'none'}`,
        );
      }
      for (const tool of matching) chosen.set(tool.qualified, tool);
    }
    return [...chosen.values()];
  }

  /** A server's tools, starting it if need be. */
  async toolsOf(name: string): Promise<CatalogTool[]> {
    const server = this.servers.get(name);
    if (!server) throw new ProtocolError('invalid_request', `no MCP server "${name}"; the servers are: ${this.serverNames().join(', ')}`);
    let session;
    try {
      session = await server.ready();
    } catch (error) {
      throw new ProtocolError('provider_error', error instanceof Error ? error.message : String(error));
    }
    return session.tools.map((tool) => ({ server: name, qualified: `${name}/${tool.name}`, tool }));
  }

  /** Starts every server (the `launch` setting, and the `tools` request), without waiting. */
  startAll(): Array<Promise<unknown>> {
    return [...this.servers.values()].map((server) => server.ready().catch(() => undefined));
  }

  /** Each server's state, for `status`. */
  reports(): ServerReport[] {
    return [...this.servers.values()].map((server) => server.report());
  }

  /** The decision for a tool under the configured policy. */
  decisionFor(tool: CatalogTool): ToolDecision {
    return decisionFor(this.settings.policy, tool);
  }

  /** Stops every server (shutdown). */
  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.stop().catch(() => undefined)));
  }
}
