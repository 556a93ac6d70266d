/**
 * The Electron IPC channel names of the bridge, with no dependencies.
 *
 * The preload runs sandboxed and must stay tiny, so it cannot pull in
 * `main/bridge.ts` (that brings zod and the wire schemas). These are the same
 * names, as plain strings; test/main/electron/ipc-names.test.ts fails if they
 * drift from `BRIDGE_REQUESTS`, `BRIDGE_EVENT_NAMES` or `ipcChannelFor`.
 */

/** Every request channel of `BRIDGE_REQUESTS`. */
export const IPC_REQUEST_NAMES = [
  'app-info',
  'get-state',
  'get-status',
  'send',
  'abort',
  'list-sessions',
  'get-history',
  'compact',
  'set-heartbeats',
  'set-fallback',
  'get-settings',
  'restart-gateway',
  'get-stderr-tail',
  'open-external',
] as const;

/** Every event channel of `BridgeEvents`. */
export const IPC_EVENT_NAMES = ['state-changed', 'gateway-event'] as const;

/** The IPC channel for a bridge channel or event: the same as `ipcChannelFor`. */
export function ipcName(name: string): string {
  return `tether:${name}`;
}
