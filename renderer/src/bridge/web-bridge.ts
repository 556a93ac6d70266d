/**
 * The bridge contract over a WebSocket, for the web mode: implements the same
 * `TetherBridge` the Electron preload exposes, so the app cannot tell them apart.
 *
 * Requests sent before the socket opens wait for it. When the socket closes, every
 * pending call is answered at once with a `disconnected` error (the call may not
 * have run) and the client reconnects with a growing pause; listeners stay
 * subscribed across reconnects, and `onDidChangeConnection` tells the app to
 * refresh what it shows.
 */
import type {
  BridgeArgs,
  BridgeChannel,
  BridgeEventName,
  BridgeEvents,
  BridgeReply,
  BridgeResult,
  TetherBridge,
} from '../../../main/bridge/contract.js';
import type { WebRequestFrame, WebServerFrame } from '../../../main/web/frames.js';

/** Whether the socket is up. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * Why the socket is down, as far as the page can tell: the server does not answer
 * (stopped, or restarting), it answers but refuses this page's token (a new server
 * with a new token), or not known yet.
 */
export type DisconnectReason = 'server-down' | 'token-rejected' | 'unknown';

/** A `TetherBridge` that also says whether it is connected. */
export interface WebBridge extends TetherBridge {
  connection(): ConnectionState;
  /** Why the socket is down (meaningful while it is not `open`). */
  disconnectReason(): DisconnectReason;
  onDidChangeConnection(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

/** The minimal WebSocket surface the client uses (a test can pass a fake). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface WebBridgeOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** Pause before the n-th reconnect (from 0). */
  reconnectDelayMs?: (attempt: number) => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  /**
   * Asks the server over plain HTTP why the socket failed (a failed WebSocket
   * handshake tells the page nothing). Default: a HEAD request for the page, which
   * carries the token cookie.
   */
  probe?: () => Promise<DisconnectReason>;
}

/** Asks the page's own server whether it runs and still takes this page's token. */
export async function probeServer(fetchImpl: typeof fetch = fetch): Promise<DisconnectReason> {
  try {
    const response = await fetchImpl('/', { method: 'HEAD', credentials: 'same-origin', cache: 'no-store' });
    return response.status === 401 ? 'token-rejected' : 'unknown';
  } catch {
    return 'server-down';
  }
}

const OPEN = 1;

/** The socket URL for the page the app was loaded from: same host, `/bridge`, token from the page URL. */
export function bridgeSocketUrl(location: { protocol: string; host: string; search: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token');
  return `${scheme}//${location.host}/bridge${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** Creates the client and starts connecting. */
export function createWebBridge(options: WebBridgeOptions): WebBridge {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const delay = options.reconnectDelayMs ?? ((attempt: number) => Math.min(250 * 2 ** attempt, 5000));
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const probe = options.probe ?? (() => probeServer());
  let reason: DisconnectReason = 'unknown';

  let socket: SocketLike | undefined;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let closedByUser = false;
  let nextId = 1;
  const pending = new Map<number, (reply: BridgeReply<unknown>) => void>();
  const waiting: string[] = [];
  const eventListeners = new Map<BridgeEventName, Set<(payload: never) => void>>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    if (state === next) return; // no change
    state = next;
    for (const listener of connectionListeners) listener(next);
  };
  const setReason = (next: DisconnectReason) => {
    if (reason === next || state === 'open') return; // no change, or connected meanwhile
    reason = next;
    for (const listener of connectionListeners) listener(state); // the same state, told again with its new reason
  };

  const connect = () => {
    setState('connecting');
    const current = createSocket(options.url);
    socket = current;
    current.onopen = () => {
      attempt = 0;
      reason = 'unknown';
      setState('open');
      for (const frame of waiting.splice(0)) current.send(frame);
    };
    current.onmessage = (event) => receive(event.data);
    current.onerror = () => undefined; // onclose follows and says what happened
    current.onclose = (event) => {
      if (socket !== current) return; // an old socket
      socket = undefined;
      const why = event.reason || (event.code === 1006 ? 'the Tether web server is not reachable (stopped, or the token is wrong)' : `closed with code ${event.code}`);
      for (const [id, resolve] of pending) {
        pending.delete(id);
        resolve({ ok: false, error: { code: 'disconnected', message: `lost the connection to Tether: ${why}; reconnecting, try again in a moment` } });
      }
      setState('closed');
      if (closedByUser) return; // no reconnect after close()
      void probe().then(setReason, () => undefined);
      setTimer(connect, delay(attempt++));
    };
  };

  const receive = (data: unknown) => {
    let frame: WebServerFrame;
    try {
      frame = JSON.parse(String(data)) as WebServerFrame;
    } catch {
      return; // the server only sends JSON; ignore noise
    }
    if (frame.kind === 'response') {
      const resolve = pending.get(frame.id);
      pending.delete(frame.id);
      resolve?.(frame.reply);
    } else if (frame.kind === 'event') {
      for (const listener of eventListeners.get(frame.event) ?? []) (listener as (payload: unknown) => void)(frame.payload);
    } else if (frame.kind === 'error') {
      console.warn(`tether bridge: the server could not read a frame: ${frame.error.message}`);
    }
  };

  connect();

  return {
    invoke<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeReply<BridgeResult<C>>> {
      const id = nextId++;
      const frame: WebRequestFrame = { kind: 'request', id, channel, args };
      return new Promise((resolve) => {
        pending.set(id, resolve as (reply: BridgeReply<unknown>) => void);
        const text = JSON.stringify(frame);
        if (socket && socket.readyState === OPEN) socket.send(text);
        else waiting.push(text);
      });
    },
    on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    connection: () => state,
    disconnectReason: () => reason,
    onDidChangeConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closedByUser = true;
      socket?.close(1000, 'closed by the app');
    },
  };
}
