/**
 * Every arrow of a server's lifecycle, with a fake connector and fake timers:
 * idle → starting → ready; a crash → restarting → ready after the backoff delay,
 * which doubles per crash in a row and starts over once the server was stable; a
 * failed start answered at once until its delay passed; stopped.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, MAX_RETRY_MS, STABLE_AFTER_MS, ToolServer, type ConnectHooks, type ServerSession } from '../../../rpc-host/tools/mcp-server.js';

interface FakeServer {
  connects: number;
  failNext: string[];
  hooks: ConnectHooks[];
  closed: number;
}

function fakeConnector(server: FakeServer) {
  return async (hooks: ConnectHooks): Promise<ServerSession> => {
    server.connects++;
    server.hooks.push(hooks);
    const failure = server.failNext.shift();
    if (failure !== undefined) {
      hooks.onStderr(`boom: ${failure}\n`);
      throw new Error(failure);
    }
    return {
      tools: [{ name: 'echo', inputSchema: { type: 'object' } }],
      pid: 4242,
      call: async (tool, args) => ({ ok: true, text: `${tool} ${JSON.stringify(args)}` }),
      close: async () => {
        server.closed++;
      },
    };
  };
}

let fake: FakeServer;
let server: ToolServer;
beforeEach(() => {
  vi.useFakeTimers();
  fake = { connects: 0, failNext: [], hooks: [], closed: 0 };
  server = new ToolServer('files', 'stdio', fakeConnector(fake));
});
afterEach(() => vi.useRealTimers());

const crash = () => fake.hooks.at(-1)!.onUnexpectedClose();

describe('an MCP server lifecycle', () => {
  it('starts on first use, once, however many wait for it', async () => {
    expect(server.state.kind).toBe('idle');
    const [a, b] = await Promise.all([server.ready(), server.ready()]);
    expect(a).toBe(b);
    expect(fake.connects).toBe(1);
    expect(server.report()).toMatchObject({ state: 'ready', tools: 1, pid: 4242, restarts: 0 });
  });

  it('restarts after a crash with a delay that doubles per crash in a row, and starts over once stable', async () => {
    await server.ready();
    crash();
    expect(server.report()).toMatchObject({ state: 'restarting', error: 'the server exited unexpectedly' });
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS - 1);
    expect(fake.connects).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.report()).toMatchObject({ state: 'ready', restarts: 1 });
    crash();
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(server.state.kind).toBe('restarting'); // the second crash in a row waits twice as long
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(server.state.kind).toBe('ready');
    await vi.advanceTimersByTimeAsync(STABLE_AFTER_MS);
    crash();
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(server.report()).toMatchObject({ state: 'ready', restarts: 3 });
  });

  it('caps the delay', async () => {
    await server.ready();
    for (let i = 0; i < 12; i++) {
      crash();
      await vi.advanceTimersByTimeAsync(MAX_RETRY_MS);
      expect(server.state.kind).toBe('ready');
    }
  });

  it('restarts at once when a call needs a server that is waiting out its delay', async () => {
    await server.ready();
    crash();
    const outcome = await server.call('echo', { x: 1 }, new AbortController().signal, 1000);
    expect(outcome).toEqual({ ok: true, text: 'echo {"x":1}' });
    expect(fake.connects).toBe(2);
  });

  it('answers a failed start at once until its delay passed, then tries again', async () => {
    fake.failNext.push('no such command');
    await expect(server.ready()).rejects.toThrow(/MCP server "files" failed to start: no such command; stderr: boom: no such command/u);
    await expect(server.ready()).rejects.toThrow(/tried again in \d+ ms/u);
    expect(fake.connects).toBe(1);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    await expect(server.ready()).resolves.toBeDefined();
    expect(fake.connects).toBe(2);
  });

  it('stops for good, closing a running session and cancelling a pending restart', async () => {
    await server.ready();
    await server.stop();
    expect(fake.closed).toBe(1);
    expect(server.state.kind).toBe('stopped');
    await expect(server.ready()).rejects.toThrow(/stopped/u);

    const other = new ToolServer('web', 'http', fakeConnector(fake));
    await other.ready();
    fake.hooks.at(-1)!.onUnexpectedClose();
    await other.stop();
    await vi.advanceTimersByTimeAsync(MAX_RETRY_MS);
    expect(other.state.kind).toBe('stopped');
  });
});
