/**
 * The SDK client against a real MCP server (the fixture, written with the SDK's
 * server API) over stdio, as a process tree of ours, and over streamable HTTP:
 * tools listed with their annotations, calls and tool errors as results, a crash
 * heard as an unexpected close, and nothing left running after a close.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sdkConnector } from '../../../rpc-host/tools/mcp-connect.js';
import type { ServerSession } from '../../../rpc-host/tools/mcp-server.js';
import { TREE_MARKER_ENV } from '../../../rpc-host/process-tree/process-tree.js';
import { isRunning, processesWithEnv, settleCount } from '../../helpers/processes.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/mcp-tool-server.mjs', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'tether-mcp-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const signal = () => new AbortController().signal;

function stdioSession(hooks: { closed?: () => void; stderr?: (text: string) => void; toolsChanged?: (count: number) => void } = {}, env: Record<string, string> = {}): Promise<ServerSession> {
  const connect = sdkConnector('fixture', { transport: 'stdio', command: process.execPath, args: [FIXTURE], env: { FIXTURE_SECRET: 'hush-1234', ...env }, cwd: undefined }, { records: undefined, startTimeoutMs: 20_000 });
  return connect({ onStderr: hooks.stderr ?? (() => {}), onUnexpectedClose: hooks.closed ?? (() => {}), onToolsChanged: hooks.toolsChanged });
}

describe('an MCP server over stdio', () => {
  it('lists its tools, runs calls, reports tool errors as results, and leaves nothing behind', async () => {
    const session = await stdioSession();
    const pid = session.pid!;
    expect(isRunning(pid)).toBe(true);
    expect(session.tools.map((tool) => tool.name).sort()).toEqual(['add', 'big', 'crash', 'echo', 'env', 'sleep', 'write_note']);
    expect(session.tools.find((tool) => tool.name === 'echo')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(await session.call('add', { a: 2, b: 3 }, signal(), 10_000)).toEqual({ ok: true, text: '5' });
    const invalid = await session.call('add', { a: 'two' }, signal(), 10_000);
    expect(invalid.ok).toBe(false);
    // The entry's env reaches the server; the gateway's own environment does not.
    expect(await session.call('env', { name: 'FIXTURE_SECRET' }, signal(), 10_000)).toEqual({ ok: true, text: 'hush-1234' });
    process.env.TETHER_TEST_NOT_PASSED = 'gateway-only';
    try {
      expect((await session.call('env', { name: 'TETHER_TEST_NOT_PASSED' }, signal(), 10_000)).text).toBe('(unset)');
    } finally {
      delete process.env.TETHER_TEST_NOT_PASSED;
    }
    const marker = readMarker(pid);
    await session.close();
    expect(await settleCount(() => processesWithEnv(TREE_MARKER_ENV, marker).length, 0, 5000)).toBe(0);
  });

  it('lists the tools again when the server says they changed: an added tool can be called, a removed one is gone', async () => {
    const changes: number[] = [];
    const session = await stdioSession({ toolsChanged: (count) => changes.push(count) }, { FIXTURE_DYNAMIC: '1' });
    try {
      const names = () => session.tools.map((tool) => tool.name);
      expect(names()).not.toContain('shout');
      expect(await session.call('add_tool', { name: 'shout' }, signal(), 10_000)).toEqual({ ok: true, text: 'added shout' });
      await expect.poll(names, { timeout: 10_000 }).toContain('shout');
      expect(await session.call('shout', { text: 'hi' }, signal(), 10_000)).toEqual({ ok: true, text: 'shout: hi' });
      await session.call('remove_tool', { name: 'shout' }, signal(), 10_000);
      await expect.poll(names, { timeout: 10_000 }).not.toContain('shout');
      expect(changes.at(-1)).toBe(names().length);
    } finally {
      await session.close();
    }
  });

  it('hears a crash as an unexpected close, with the stderr of the server', async () => {
    let stderr = '';
    let closed!: () => void;
    const closedOnce = new Promise<void>((resolve) => (closed = resolve));
    const session = await stdioSession({ closed, stderr: (text) => (stderr += text) });
    const call = session.call('crash', {}, signal(), 10_000);
    await expect(call).rejects.toThrow(/closed/iu);
    await closedOnce;
    expect(stderr).toContain('crash: exiting on purpose');
    await session.close();
  });

  it('cancels a running call when its signal aborts', async () => {
    let stderr = '';
    const session = await stdioSession({ stderr: (text) => (stderr += text) });
    const controller = new AbortController();
    const call = session.call('sleep', { ms: 30_000 }, controller.signal, 60_000);
    setTimeout(() => controller.abort(), 200);
    await expect(call).rejects.toThrow();
    await expect.poll(() => stderr, { timeout: 5000 }).toContain('sleep: cancelled');
    await session.close();
  });
});

describe('an MCP server over streamable HTTP', () => {
  it('lists its tools and runs calls', async () => {
    const { serveHttp } = (await import(FIXTURE)) as { serveHttp(): Promise<{ url: string; close(): Promise<void> }> };
    const http = await serveHttp();
    try {
      const connect = sdkConnector('web', { transport: 'http', url: http.url, headers: { 'x-test': '1' } }, { records: undefined, startTimeoutMs: 20_000 });
      const session = await connect({ onStderr: () => {}, onUnexpectedClose: () => {} });
      expect(session.pid).toBeUndefined();
      expect(session.tools.length).toBe(7);
      expect(await session.call('echo', { text: 'over http' }, signal(), 10_000)).toEqual({ ok: true, text: 'over http' });
      await session.close();
    } finally {
      await http.close();
    }
  });

  it('fails to start with the reason when nothing listens', async () => {
    const connect = sdkConnector('gone', { transport: 'http', url: 'http://127.0.0.1:9/mcp', headers: {} }, { records: undefined, startTimeoutMs: 5000 });
    await expect(connect({ onStderr: () => {}, onUnexpectedClose: () => {} })).rejects.toThrow();
  });
});

function readMarker(pid: number): string {
  const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  const entry = environ.split('\0').find((line) => line.startsWith(`${TREE_MARKER_ENV}=`))!;
  return entry.slice(TREE_MARKER_ENV.length + 1);
}
