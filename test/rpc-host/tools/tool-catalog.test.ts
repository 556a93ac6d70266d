/**
 * Choosing tools: patterns, the policy's most specific match and its default
 * (readOnlyHint allows), and unknown names refused with what exists.
 */
import { describe, expect, it } from 'vitest';
import { decisionFor, matchesPattern, ToolCatalog, type CatalogTool } from '../../../rpc-host/tools/tool-catalog.js';
import type { ServerSession } from '../../../rpc-host/tools/mcp-server.js';
import { resolveToolsSettings } from '../../../rpc-host/tools/tools-config.js';

const tool = (qualified: string, readOnly = false): CatalogTool => {
  const [server, name] = qualified.split('/') as [string, string];
  return { server, qualified, tool: { name, inputSchema: { type: 'object' }, ...(readOnly ? { annotations: { readOnlyHint: true } } : {}) } };
};

describe('tool patterns', () => {
  it.each([
    ['files/read', 'files/read', true],
    ['files/*', 'files/read', true],
    ['files/read_*', 'files/read_file', true],
    ['files/read_*', 'files/write_file', false],
    ['files/*_file', 'files/read_file', true],
    ['*', 'web/fetch', true],
    ['files/*', 'filesystem/read', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(matchesPattern(pattern, name)).toBe(expected);
  });

  it('decides by the most specific pattern, else allows read-only tools and asks for the rest', () => {
    const policy = { '*': 'deny', 'files/*': 'ask', 'files/read_*': 'allow', 'files/read_secrets': 'deny' } as const;
    expect(decisionFor(policy, tool('files/read_file'))).toBe('allow');
    expect(decisionFor(policy, tool('files/read_secrets'))).toBe('deny');
    expect(decisionFor(policy, tool('files/write_file', true))).toBe('ask');
    expect(decisionFor(policy, tool('web/fetch', true))).toBe('deny');
    expect(decisionFor({}, tool('web/fetch', true))).toBe('allow');
    expect(decisionFor({}, tool('web/post'))).toBe('ask');
  });
});

describe('the catalog', () => {
  const settings = resolveToolsSettings({ files: { command: 'x' }, web: { url: 'http://127.0.0.1:1/mcp' } }, undefined, {}, []);
  const session = (names: string[]): ServerSession => ({
    tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })),
    pid: undefined,
    call: async () => ({ ok: true, text: '' }),
    close: async () => {},
  });
  const catalog = new ToolCatalog(settings, (name) => async () => session(name === 'files' ? ['read_file', 'write_file'] : ['fetch']));

  it('refuses an unknown server at once, listing the servers', () => {
    expect(() => catalog.checkChoice(['filez/*'])).toThrow('no MCP server "filez" (in "filez/*"); the servers are: files, web');
    expect(() => catalog.checkChoice(['files'])).toThrow('use "server/tool" or "server/*"');
  });

  it('resolves names and patterns, and refuses an unknown tool listing the server\'s tools', async () => {
    expect((await catalog.resolve(['files/*', 'web/fetch', 'files/read_file'])).map((t) => t.qualified)).toEqual(['files/read_file', 'files/write_file', 'web/fetch']);
    await expect(catalog.resolve(['files/delete'])).rejects.toThrow('MCP server "files" has no tool matching "files/delete"; its tools are: files/read_file, files/write_file');
  });
});
