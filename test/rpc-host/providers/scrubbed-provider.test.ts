/**
 * The provider wrapper that scrubs secrets from model output: the held-back end of
 * the stream comes out when the run finishes, fails (before the failure reaches the
 * fallback chain) or is aborted (at the abort, and nothing after it), and the
 * returned text and summaries are scrubbed too.
 */
import { describe, expect, it } from 'vitest';
import { ProviderFailure, type Provider, type ProviderRequest } from '../../../rpc-host/providers/provider.js';
import { withSecretsScrubbed } from '../../../rpc-host/providers/scrubbed-provider.js';
import { providerRequest } from '../../helpers/provider-request.js';

const KEY = 'sk-test-0123456789';

/** A provider that streams `pieces`, then does what `after` says. */
function scripted(pieces: readonly string[], after: (request: ProviderRequest) => Promise<void> = async () => {}): Provider {
  return {
    id: 'scripted',
    label: 'scripted',
    defaultModel: 'm',
    async run(request) {
      for (const piece of pieces) request.onDelta(piece);
      await after(request);
      return { text: pieces.join('') };
    },
    summarize: async () => `summary mentions ${KEY}`,
  };
}

describe('withSecretsScrubbed', () => {
  it('scrubs a key cut across deltas from the deltas and the returned text', async () => {
    const provider = withSecretsScrubbed(scripted(['key: sk-te', 'st-01234', '56789!']), [KEY]);
    const { req, deltas } = providerRequest();
    const reply = await provider.run(req);
    expect(deltas.join('')).toBe('key: [redacted]!');
    expect(reply.text).toBe('key: [redacted]!');
  });

  it('passes on the held-back end when the stream finishes', async () => {
    const provider = withSecretsScrubbed(scripted(['ends with sk-te']), [KEY]);
    const { req, deltas } = providerRequest();
    await provider.run(req);
    expect(deltas).toEqual(['ends with ', 'sk-te']);
  });

  it('passes on the held-back end before a failure is rethrown, so the chain sees output had started', async () => {
    const provider = withSecretsScrubbed(scripted(['sk-te'], async () => { throw new ProviderFailure('cut off', true); }), [KEY]);
    const { req, deltas } = providerRequest();
    await expect(provider.run(req)).rejects.toThrow('cut off');
    expect(deltas).toEqual(['sk-te']);
  });

  it('passes on the held-back end at the abort, and drops what the provider streams after it', async () => {
    const controller = new AbortController();
    const seenAtAbort: string[] = [];
    const provider = withSecretsScrubbed(
      scripted(['partial sk-te'], async (request) => {
        controller.abort();
        seenAtAbort.push(...deltas);
        request.onDelta('st-0123456789 late');
      }),
      [KEY],
    );
    const { req, deltas } = providerRequest({ signal: controller.signal });
    await provider.run(req);
    expect(seenAtAbort).toEqual(['partial ', 'sk-te']);
    expect(deltas).toEqual(['partial ', 'sk-te']);
  });

  it('scrubs summaries', async () => {
    const provider = withSecretsScrubbed(scripted([]), [KEY]);
    expect(await provider.summarize([], undefined, new AbortController().signal)).toBe('summary mentions [redacted]');
  });
});
