/**
 * The chat window's preload: exposes `window.tether` (the `TetherBridge`) and
 * nothing else.
 *
 * Runs sandboxed, bundled by esbuild into one CommonJS file (dist/main/preload.cjs)
 * that requires only `electron`. It forwards calls to main as they are: main checks
 * the sender and validates every argument, so nothing here is trusted. Listeners
 * get the payload only, never Electron's event object (whose `sender` would hand
 * the page an IPC handle).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BridgeArgs, BridgeChannel, BridgeEventName, BridgeEvents, BridgeReply, BridgeResult, TetherBridge } from './bridge.js';
import { IPC_EVENT_NAMES, IPC_REQUEST_NAMES, ipcName } from './ipc-names.js';

const requests = new Set<string>(IPC_REQUEST_NAMES);
const events = new Set<string>(IPC_EVENT_NAMES);

const bridge: TetherBridge = {
  invoke<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeReply<BridgeResult<C>>> {
    if (typeof channel !== 'string' || !requests.has(channel)) {
      const error = { code: 'unknown_channel' as const, message: `unknown bridge channel: ${JSON.stringify(channel)}; expected one of ${IPC_REQUEST_NAMES.join(', ')}` };
      return Promise.resolve({ ok: false, error });
    }
    return ipcRenderer.invoke(ipcName(channel), args) as Promise<BridgeReply<BridgeResult<C>>>;
  },
  on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
    if (typeof event !== 'string' || !events.has(event)) throw new TypeError(`unknown bridge event: ${JSON.stringify(event)}; expected one of ${IPC_EVENT_NAMES.join(', ')}`);
    if (typeof listener !== 'function') throw new TypeError(`the listener for ${event} must be a function`);
    const forward = (_event: IpcRendererEvent, payload: BridgeEvents[E]) => listener(payload);
    const name = ipcName(event);
    ipcRenderer.on(name, forward);
    return () => {
      ipcRenderer.removeListener(name, forward);
    };
  },
};

contextBridge.exposeInMainWorld('tether', bridge);
