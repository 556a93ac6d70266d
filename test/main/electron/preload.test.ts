/**
 * The preload as it ships: the esbuild bundle dist/main/preload.cjs, run in a bare
 * CommonJS sandbox with a fake `electron` (a sandboxed preload can require nothing
 * else), checked for what it exposes and what it sends.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../../../dist/main/preload.cjs', import.meta.url));

function loadPreload() {
  const exposed = new Map<string, any>();
  const invoked: { channel: string; args: unknown }[] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => {
        invoked.push({ channel, args });
        return { ok: true, value: 'answered' };
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener);
      },
      removeListener: (channel: string, listener: (...args: unknown[]) => void) => listeners.get(channel)?.delete(listener),
    },
  };
  const module = { exports: {} };
  const require = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  runInNewContext(readFileSync(BUNDLE, 'utf8'), { module, exports: module.exports, require, Promise, TypeError, JSON, Set });
  return { exposed, invoked, listeners, required };
}

describe('the preload bundle', () => {
  it('is one small CommonJS file that requires only electron (no zod, no project modules)', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    expect(text.length).toBeLessThan(4096);
    expect(text).not.toMatch(/\bzod\b|ZodError/u);
    expect(text).not.toMatch(/^\s*import\s/mu);
    const { required } = loadPreload();
    expect(required).toEqual(['electron']);
  });

  it('exposes exactly one object, window.tether, with invoke and on', () => {
    const { exposed } = loadPreload();
    expect([...exposed.keys()]).toEqual(['tether']);
    expect(Object.keys(exposed.get('tether')).sort()).toEqual(['invoke', 'on']);
  });

  it('forwards calls on the namespaced channel, and answers an unknown channel without IPC', async () => {
    const { exposed, invoked } = loadPreload();
    const bridge = exposed.get('tether');
    expect(await bridge.invoke('send', { text: 'hi' })).toEqual({ ok: true, value: 'answered' });
    expect(invoked).toEqual([{ channel: 'tether:send', args: { text: 'hi' } }]);
    const refused = await bridge.invoke('shell-exec', { cmd: 'rm' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    expect(invoked).toHaveLength(1);
  });

  it('delivers event payloads without the Electron event object, and unsubscribes', () => {
    const { exposed, listeners } = loadPreload();
    const bridge = exposed.get('tether');
    const got: unknown[][] = [];
    const off = bridge.on('state-changed', (...args: unknown[]) => got.push(args));
    const registered = [...listeners.get('tether:state-changed')!];
    expect(registered).toHaveLength(1);
    registered[0]!({ sender: { send() {} }, ports: [] }, { gateway: 'running' });
    expect(got).toEqual([[{ gateway: 'running' }]]);
    off();
    expect(listeners.get('tether:state-changed')!.size).toBe(0);
    expect(() => bridge.on('ipc-internal', () => {})).toThrow(/unknown bridge event/u);
  });
});
