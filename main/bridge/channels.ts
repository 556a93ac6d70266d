/**
 * The one channel map of the bridge: every request and event channel with its
 * Electron IPC name.
 *
 * Dependency-free at run time, so the sandboxed preload (bundled on its own) can
 * use it without pulling in zod and the wire schemas; the contract is imported for
 * its types only. `satisfies` makes the compiler hold each map to the contract: a
 * channel added to `BRIDGE_REQUESTS` or `BridgeEvents` and missing here, or one
 * here that the contract does not have, fails to compile.
 */
import type { BridgeChannel, BridgeEventName } from './contract.js';

/** The IPC channel of every request channel (namespaced, so nothing else collides). */
export const IPC_REQUEST_CHANNELS = {
  'app-info': 'tether:app-info',
  'get-state': 'tether:get-state',
  'get-status': 'tether:get-status',
  send: 'tether:send',
  abort: 'tether:abort',
  'list-sessions': 'tether:list-sessions',
  'get-history': 'tether:get-history',
  compact: 'tether:compact',
  'set-heartbeats': 'tether:set-heartbeats',
  'set-fallback': 'tether:set-fallback',
  'get-settings': 'tether:get-settings',
  'restart-gateway': 'tether:restart-gateway',
  'get-stderr-tail': 'tether:get-stderr-tail',
  'open-external': 'tether:open-external',
  'open-chat': 'tether:open-chat',
  'list-models': 'tether:list-models',
  'update-session': 'tether:update-session',
  'delete-session': 'tether:delete-session',
  'restore-session': 'tether:restore-session',
  'search-sessions': 'tether:search-sessions',
  'list-approvals': 'tether:list-approvals',
  approve: 'tether:approve',
} as const satisfies { [C in BridgeChannel]: `tether:${C}` };

/** The IPC channel of every event channel. */
export const IPC_EVENT_CHANNELS = {
  'state-changed': 'tether:state-changed',
  'gateway-event': 'tether:gateway-event',
} as const satisfies { [E in BridgeEventName]: `tether:${E}` };

/** Every request channel, in contract order. */
export const BRIDGE_CHANNELS = Object.keys(IPC_REQUEST_CHANNELS) as BridgeChannel[];

/** Every event channel. */
export const BRIDGE_EVENT_NAMES = Object.keys(IPC_EVENT_CHANNELS) as BridgeEventName[];

/** The IPC channel Electron uses for a bridge request or event channel. */
export function ipcChannelFor(channel: BridgeChannel | BridgeEventName): string {
  return channel in IPC_REQUEST_CHANNELS ? IPC_REQUEST_CHANNELS[channel as BridgeChannel] : IPC_EVENT_CHANNELS[channel as BridgeEventName];
}

/** True when `value` names a request channel. */
export function isBridgeChannel(value: unknown): value is BridgeChannel {
  return typeof value === 'string' && Object.hasOwn(IPC_REQUEST_CHANNELS, value);
}

/** True when `value` names an event channel. */
export function isBridgeEventName(value: unknown): value is BridgeEventName {
  return typeof value === 'string' && Object.hasOwn(IPC_EVENT_CHANNELS, value);
}
