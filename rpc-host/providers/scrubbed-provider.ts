/**
 * The one place model text enters the gateway: every provider is wrapped so that
 * what it streams, what it returns and what it summarizes has the configured
 * secrets scrubbed out.
 *
 * A model can repeat an API key it was given (in a header, an env var, a prompt),
 * and a key may be cut anywhere between two deltas. Scrubbing here, once, means
 * every sink downstream (`reply.delta`, `reply`, the send result, checkpoints, the
 * transcript and the index preview, heartbeat replies, compaction summaries) gets
 * the same scrubbed text, and none of them has to remember to.
 */
import { redact } from '../core/secrets.js';
import { SecretScrubber } from '../core/secret-scrubber.js';
import type { Provider, ProviderReply, ProviderRequest } from './provider.js';

/**
 * `provider` with its output scrubbed of `secrets`.
 *
 * Wrapped even with no secret configured: the wrapper is also what drops deltas a
 * provider streams after an abort, so every provider keeps that rule alike.
 */
export function withSecretsScrubbed(provider: Provider, secrets: readonly string[]): Provider {
  return {
    id: provider.id,
    label: provider.label,
    defaultModel: provider.defaultModel,
    toolUse: provider.toolUse,
    run: (request) => runScrubbed(provider, secrets, request),
    summarize: async (messages, previousSummary, signal) => redact(await provider.summarize(messages, previousSummary, signal), secrets),
  };
}

/**
 * Runs the provider with its deltas passed through a streaming scrubber.
 *
 * The held-back end (a possible start of a secret) is passed on when the stream
 * ends however it ends: finished, failed (before the failure is rethrown, so the
 * fallback chain sees that output has started) or aborted (at the abort itself,
 * while the turn still takes deltas; anything the provider streams after that is
 * dropped, as the provider contract asks).
 */
async function runScrubbed(provider: Provider, secrets: readonly string[], request: ProviderRequest): Promise<ProviderReply> {
  const scrubber = new SecretScrubber(secrets);
  let ended = false;
  const endStream = () => {
    if (ended) return; // already flushed
    ended = true;
    const rest = scrubber.end();
    if (rest !== '') request.onDelta(rest);
  };
  const onDelta = (piece: string) => {
    if (ended) return; // after an abort: the turn has what it keeps
    const clean = scrubber.push(piece);
    if (clean !== '') request.onDelta(clean);
  };
  request.signal.addEventListener('abort', endStream, { once: true });
  try {
    const reply = await provider.run({ ...request, onDelta });
    endStream();
    return { ...reply, text: redact(reply.text, secrets) };
  } catch (error) {
    endStream();
    throw error;
  } finally {
    request.signal.removeEventListener('abort', endStream);
  }
}
