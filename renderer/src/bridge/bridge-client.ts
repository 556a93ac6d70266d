/**
 * The app's typed view of the bridge: `call` returns the value or throws a
 * `BridgeCallError` carrying the code, so components can say what to do.
 *
 * The bridge itself is picked once at startup: the preload's `window.tether` inside
 * Electron, else a WebSocket client to the server that served this page.
 */
import type { BridgeArgs, BridgeChannel, BridgeErrorData, BridgeEventName, BridgeEvents, BridgeResult, TetherBridge } from '../../../main/bridge/contract.js';
import { bridgeSocketUrl, createWebBridge, type ConnectionState, type DisconnectReason } from './web-bridge.js';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a browser. */
    tether?: TetherBridge;
  }
}

/** A failed bridge call, with the code the UI switches on. */
export class BridgeCallError extends Error {
  override readonly name = 'BridgeCallError';
  readonly code: BridgeErrorData['code'];
  readonly details: BridgeErrorData['details'];

  constructor(readonly channel: BridgeChannel, error: BridgeErrorData) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
  }
}

/** What components use. */
export interface BridgeClient {
  call<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeResult<C>>;
  on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void;
  /** Connection changes (always `open` inside Electron). */
  onDidChangeConnection(listener: (state: ConnectionState) => void): () => void;
  connection(): ConnectionState;
  /** Web mode: why the connection is down, as far as the page can tell (always `unknown` inside Electron). */
  disconnectReason?(): DisconnectReason;
}

/** Wraps a raw bridge. */
export function wrapBridge(
  bridge: TetherBridge,
  connection: Pick<BridgeClient, 'onDidChangeConnection' | 'connection' | 'disconnectReason'> = { onDidChangeConnection: () => () => undefined, connection: () => 'open' },
): BridgeClient {
  return {
    async call(channel, args) {
      const reply = await bridge.invoke(channel, args);
      if (!reply.ok) throw new BridgeCallError(channel, reply.error);
      return reply.value;
    },
    on: (event, listener) => bridge.on(event, listener),
    ...connection,
  };
}

/** The bridge for where this page runs. */
export function selectBridge(win: Window = window): BridgeClient {
  if (win.tether) return wrapBridge(win.tether);
  const web = createWebBridge({ url: bridgeSocketUrl(win.location) });
  return wrapBridge(web, { onDidChangeConnection: (listener) => web.onDidChangeConnection(listener), connection: () => web.connection(), disconnectReason: () => web.disconnectReason() });
}
