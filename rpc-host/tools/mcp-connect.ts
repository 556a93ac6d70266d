/**
 * Reaches a configured MCP server with the official SDK client: over stdio (the
 * server started as a process tree of ours, `stdio-tree-transport.ts`) or over
 * streamable HTTP. The protocol (initialize, tools/list, tools/call,
 * cancellation) is entirely the SDK's.
 *
 * A server that says its tools changed (`notifications/tools/list_changed`) is
 * listed again, every page, and the session offers the new list from then on:
 * a tool it added can be called, one it removed is no longer offered.
 *
 * The SDK is loaded here, with dynamic imports, the first time a server is used:
 * the command line bundle keeps it external, and a gateway or a one-shot that uses
 * no tools never parses it.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TreeRecords } from '../process-tree/tree-records.js';
import { TETHER_VERSION } from '../version.js';
import type { ConnectHooks, McpTool, ServerConnector, ServerSession, ToolCallOutcome } from './mcp-server.js';
import { StdioTreeTransport } from './stdio-tree-transport.js';
import type { ResolvedMcpServer } from './tools-config.js';

/** Pages of `tools/list` read at most (a server that never stops paging is cut off). */
const MAX_TOOL_PAGES = 50;

/** A connector for one configured server. */
export function sdkConnector(name: string, entry: ResolvedMcpServer, options: { records: TreeRecords | undefined; startTimeoutMs: number }): ServerConnector {
  return (hooks) => connect(name, entry, options, hooks);
}

async function connect(name: string, entry: ResolvedMcpServer, options: { records: TreeRecords | undefined; startTimeoutMs: number }, hooks: ConnectHooks): Promise<ServerSession> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  let tools: McpTool[] = [];
  // Changes come debounced by the SDK; one listing at a time, and one more if the list changed during it.
  let listing: Promise<void> | undefined;
  let changedAgain = false;
  const listAgain = (): void => {
    if (listing !== undefined) {
      changedAgain = true;
      return;
    }
    listing = listAllTools(client, options.startTimeoutMs)
      .then(
        (listed) => {
          tools = listed;
          hooks.onToolsChanged?.(listed.length);
        },
        (error: unknown) => hooks.onToolsChanged?.(tools.length, error),
      )
      .finally(() => {
        listing = undefined;
        if (changedAgain) {
          changedAgain = false;
          listAgain();
        }
      });
  };
  const client = new Client(
    { name: 'tether', version: TETHER_VERSION },
    { listChanged: { tools: { autoRefresh: false, onChanged: () => listAgain() } } }, // our own listing reads every page
  );
  let pid: () => number | undefined = () => undefined;
  let transport;
  if (entry.transport === 'stdio') {
    const [stdioFraming, { getDefaultEnvironment }] = await Promise.all([
      import('@modelcontextprotocol/sdk/shared/stdio.js'),
      import('@modelcontextprotocol/sdk/client/stdio.js'),
    ]);
    const stdio = new StdioTreeTransport(stdioFraming, {
      command: entry.command,
      args: entry.args,
      // A safe few variables (PATH, HOME, …) and the entry's own, never the gateway's API keys.
      env: { ...getDefaultEnvironment(), ...entry.env },
      cwd: entry.cwd,
      label: `MCP server "${name}" (${entry.command})`,
      records: options.records,
      onStderr: hooks.onStderr,
    });
    pid = () => stdio.pid;
    transport = stdio;
  } else {
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    transport = new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers } });
  }

  let closing = false;
  client.onclose = () => {
    if (!closing) hooks.onUnexpectedClose();
  };
  client.onerror = () => {}; // a stray line or a failed background stream: the calls that it breaks report it
  try {
    await client.connect(transport, { timeout: options.startTimeoutMs });
    tools = await listAllTools(client, options.startTimeoutMs);
    return {
      get tools() {
        return tools;
      },
      get pid() {
        return pid();
      },
      async call(tool, args, signal, timeoutMs): Promise<ToolCallOutcome> {
        // A signal of the call's own: the SDK leaves its listener on the signal it is given, and a run's signal serves many calls.
        const call = new AbortController();
        const cancel = () => call.abort(signal.reason);
        if (signal.aborted) cancel();
        else signal.addEventListener('abort', cancel, { once: true });
        try {
          const result = (await client.callTool({ name: tool, arguments: args }, undefined, { signal: call.signal, timeout: timeoutMs, resetTimeoutOnProgress: true })) as CallToolResult;
          return { ok: result.isError !== true, text: resultText(result) };
        } finally {
          signal.removeEventListener('abort', cancel);
        }
      },
      async close() {
        closing = true;
        await client.close();
      },
    };
  } catch (error) {
    closing = true;
    await client.close().catch(() => undefined);
    throw error;
  }
}

type SdkClient = InstanceType<typeof import('@modelcontextprotocol/sdk/client/index.js').Client>;

async function listAllTools(client: SdkClient, timeoutMs: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
    for (const tool of result.tools) {
      tools.push({
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema as Record<string, unknown>,
        annotations: tool.annotations as Record<string, unknown> | undefined,
      });
    }
    cursor = result.nextCursor;
    if (cursor === undefined) break; // the last page
  }
  return tools;
}

/**
 * A tool result as text: text blocks as they are, other blocks named (an image's
 * type and size), structured content as JSON when there is nothing else.
 */
export function resultText(result: CallToolResult): string {
  const parts: string[] = [];
  for (const block of result.content ?? []) {
    switch (block.type) {
      case 'text':
        parts.push(block.text);
        break;
      case 'image':
      case 'audio':
        parts.push(`[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`);
        break;
      case 'resource':
        parts.push('text' in block.resource ? block.resource.text : `[resource ${block.resource.uri}]`);
        break;
      case 'resource_link':
        parts.push(`[resource ${block.uri}]`);
        break;
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  return parts.join('\n');
}
