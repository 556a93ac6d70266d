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
import type { BridgeArgs, BridgeChannel, BridgeEventName, BridgeEvents, BridgeReply, BridgeResult, TetherBridge } from './bridge/contract.js';
import { BRIDGE_CHANNELS, BRIDGE_EVENT_NAMES, ipcChannelFor, isBridgeChannel, isBridgeEventName } from './bridge/channels.js';

const bridge: TetherBridge = {
  invoke<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeReply<BridgeResult<C>>> {
    if (!isBridgeChannel(channel)) {
      const error = { code: 'unknown_channel' as const, message: `unknown bridge channel: ${JSON.stringify(channel)}; expected one of ${BRIDGE_CHANNELS.join(', ')}` };
      return Promise.resolve({ ok: false, error });
    }
    return ipcRenderer.invoke(ipcChannelFor(channel), args) as Promise<BridgeReply<BridgeResult<C>>>;
  },
  on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
    if (!isBridgeEventName(event)) throw new TypeError(`unknown bridge event: ${JSON.stringify(event)}; expected one of ${BRIDGE_EVENT_NAMES.join(', ')}`);
    if (typeof listener !== 'function') throw new TypeError(`the listener for ${event} must be a function`);
    const forward = (_event: IpcRendererEvent, payload: BridgeEvents[E]) => listener(payload);
    const name = ipcChannelFor(event);
    ipcRenderer.on(name, forward);
    return () => {
      ipcRenderer.removeListener(name, forward);
    };
  },
};

contextBridge.exposeInMainWorld('tether', bridge);
