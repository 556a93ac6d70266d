/**
 * A `BridgeClient` for App-level component tests: each channel answers from a
 * handler the test sets (or a sensible default for a running echo gateway), events
 * are fired by the test, and the connection state is the test's to change.
 */
import type { BridgeArgs, BridgeChannel, BridgeEventName, BridgeEvents, BridgeResult } from '../../../main/bridge/contract.js';
import type { BridgeClient } from '../../../renderer/src/bridge/bridge-client.js';
import type { ConnectionState } from '../../../renderer/src/bridge/web-bridge.js';
import { stateWith } from '../../helpers/companion-state.js';

type Handler<C extends BridgeChannel> = (args: BridgeArgs<C>) => BridgeResult<C> | Promise<BridgeResult<C>>;

/** The fake, with what the test drives. */
export interface FakeBridgeClient extends BridgeClient {
  /** Sets how a channel answers (a throw is a failed call). */
  answer<C extends BridgeChannel>(channel: C, handler: Handler<C>): void;
  /** Fires an event to the App's listeners. */
  emit<E extends BridgeEventName>(event: E, payload: BridgeEvents[E]): void;
  setConnection(state: ConnectionState): void;
  /** Every call made, in order. */
  calls: Array<{ channel: BridgeChannel; args: unknown }>;
}

export function fakeBridgeClient(): FakeBridgeClient {
  const handlers = new Map<BridgeChannel, (args: never) => unknown>();
  const listeners = new Map<BridgeEventName, Set<(payload: never) => void>>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'open';
  const calls: FakeBridgeClient['calls'] = [];
  const defaults: { [C in BridgeChannel]?: Handler<C> } = {
    'get-state': () => stateWith({}),
    'get-status': () => ({ via: 'supervisor', state: stateWith({}), gateway: null }),
    'get-stderr-tail': () => ({ lines: [] }),
    'list-sessions': () => ({ sessions: [] }),
    'list-approvals': () => ({ approvals: [] }),
    'get-history': (args) => ({ session: args.session, messages: [], total: 0, hasMore: false }),
  };
  return {
    calls,
    async call(channel, args) {
      calls.push({ channel, args });
      const handler = (handlers.get(channel) ?? defaults[channel]) as ((args: unknown) => unknown) | undefined;
      if (!handler) throw new Error(`the fake bridge has no answer for ${channel}`);
      return (await handler(args)) as never;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    onDidChangeConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    connection: () => connection,
    answer(channel, handler) {
      handlers.set(channel, handler as (args: never) => unknown);
    },
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) (listener as (payload: unknown) => void)(payload);
    },
    setConnection(state) {
      connection = state;
      for (const listener of connectionListeners) listener(state);
    },
  };
}
