/**
 * A provider request for provider unit tests: an empty session context, no
 * thinking, a live abort signal, and the streamed deltas collected in order.
 */
import { listContext, type SessionContext } from '../../rpc-host/core/session-store.js';
import type { ProviderRequest } from '../../rpc-host/providers/provider.js';

export function providerRequest(overrides: Partial<ProviderRequest> & { context?: SessionContext } = {}): { req: ProviderRequest; deltas: string[] } {
  const deltas: string[] = [];
  const { context, ...rest } = overrides;
  const req: ProviderRequest = {
    session: 'main',
    prompt: 'hi',
    loadContext: () => context ?? listContext(undefined, []),
    model: 'default',
    thinking: undefined,
    source: 'rpc',
    signal: new AbortController().signal,
    onDelta: (text) => deltas.push(text),
    ...rest,
  };
  return { req, deltas };
}
