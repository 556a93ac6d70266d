/**
 * The built-in echo provider: deterministic `echo: <prompt>`, HEARTBEAT_OK for
 * heartbeat prompts that ask for it, deltas that concatenate to the text (at most
 * 64, each well-formed UTF-16), abort mid-stream with the partial text, and
 * `summarize` for compaction.
 */
import { describe, expect, it } from 'vitest';
import { createEchoProvider, echoChunks, echoReplyText } from '../../../rpc-host/providers/echo.js';
import type { ProviderRequest } from '../../../rpc-host/providers/provider.js';
import { providerRequest } from '../../helpers/provider-request.js';

function request(prompt: string, overrides: Partial<ProviderRequest> = {}) {
  return providerRequest({ prompt, model: 'echo', ...overrides });
}

/** True when the string has no unpaired surrogate (what String#isWellFormed checks; in `u` mode a pair is one code point). */
function isWellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

describe('echo provider', () => {
  const echo = createEchoProvider({ delayMs: 0, chunkChars: 0 });

  it('is labelled as the built-in echo with model echo', () => {
    expect(echo.id).toBe('echo');
    expect(echo.defaultModel).toBe('echo');
    expect(echo.label).toMatch(/echo/);
  });

  it('answers "echo: <prompt>" deterministically', async () => {
    const first = await echo.run(request('hello world').req);
    const second = await echo.run(request('hello world').req);
    expect(first.text).toBe('echo: hello world');
    expect(second.text).toBe(first.text);
    expect(first.usage).toBeUndefined(); // echo runs no model, so it reports no token usage
  });

  it('answers exactly HEARTBEAT_OK to a heartbeat prompt that asks for it', async () => {
    const { req, deltas } = request('Heartbeat: reply exactly HEARTBEAT_OK if nothing is up.', { source: 'heartbeat' });
    expect((await echo.run(req)).text).toBe('HEARTBEAT_OK');
    expect(deltas.join('')).toBe('HEARTBEAT_OK');
  });

  it('echoes a heartbeat prompt without HEARTBEAT_OK, and a normal send that mentions it', async () => {
    expect((await echo.run(request('ping', { source: 'heartbeat' }).req)).text).toBe('echo: ping');
    expect((await echo.run(request('say HEARTBEAT_OK', { source: 'rpc' }).req)).text).toBe('echo: say HEARTBEAT_OK');
    expect(echoReplyText('HEARTBEAT_OK?', 'cli')).toBe('echo: HEARTBEAT_OK?');
  });

  it('streams word by word, and the deltas concatenate to the text', async () => {
    const { req, deltas } = request('  one two\tthree\n four  ');
    const reply = await echo.run(req);
    expect(deltas.join('')).toBe(reply.text);
    expect(reply.text).toBe('echo:   one two\tthree\n four  ');
    expect(deltas.length).toBe(5);
  });

  it('streams fixed-size pieces when chunkChars is set', async () => {
    const chunked = createEchoProvider({ delayMs: 0, chunkChars: 4 });
    const { req, deltas } = request('abcdefgh');
    const reply = await chunked.run(req);
    expect(deltas).toEqual(['echo', ': ab', 'cdef', 'gh']);
    expect(reply.text).toBe('echo: abcdefgh');
  });

  it.each([
    ['many words', 'word '.repeat(10_000)],
    ['one huge word', 'x'.repeat(100_000)],
    ['many short lines', 'a\n'.repeat(5_000)],
  ])('sends at most 64 deltas for a huge prompt (%s), still concatenating to the text', async (_label, prompt) => {
    const { req, deltas } = request(prompt);
    const reply = await echo.run(req);
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThanOrEqual(64);
    expect(deltas.join('')).toBe(`echo: ${prompt}`);
    expect(reply.text).toBe(`echo: ${prompt}`);
  });

  it('caps chunkChars streaming at 64 deltas too', () => {
    expect(echoChunks('y'.repeat(10_000), 1).length).toBeLessThanOrEqual(64);
  });

  it('never splits a surrogate pair across deltas (each delta is valid Unicode on the wire)', async () => {
    // Over 64 words forces fixed-size pieces, whose boundaries must not cut an emoji in half.
    const prompt = '😀 '.repeat(100);
    const { req, deltas } = request(prompt);
    await echo.run(req);
    expect(deltas.join('')).toBe(`echo: ${prompt}`);
    const broken = deltas.filter((delta) => !isWellFormed(delta));
    expect(broken.length, `${broken.length} of ${deltas.length} deltas have a lone surrogate, e.g. ${JSON.stringify(broken[0])}`).toBe(0);
  });

  it('stops early on abort with a delay and returns the partial text', async () => {
    const slow = createEchoProvider({ delayMs: 20, chunkChars: 0 });
    const controller = new AbortController();
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    const deltas: string[] = [];
    const { req } = request(words, {
      signal: controller.signal,
      onDelta: (text) => {
        deltas.push(text);
        if (deltas.length === 3) controller.abort('stop');
      },
    });
    const reply = await slow.run(req);
    expect(deltas).toHaveLength(3);
    expect(reply.text).toBe(deltas.join(''));
    expect(reply.text).toBe('echo: w0 w1 ');
    expect(`echo: ${words}`.startsWith(reply.text)).toBe(true);
  });

  it('returns empty text at once when aborted before it starts', async () => {
    const slow = createEchoProvider({ delayMs: 10_000, chunkChars: 0 });
    const controller = new AbortController();
    controller.abort();
    const { req, deltas } = request('hello', { signal: controller.signal });
    expect((await slow.run(req)).text).toBe('');
    expect(deltas).toEqual([]);
  });

  it('summarizes messages for compaction, mentioning counts, the last user message and an earlier summary', async () => {
    const summary = await echo.summarize(
      [
        { role: 'user', text: 'first question' },
        { role: 'assistant', text: 'first answer' },
        { role: 'user', text: 'second question' },
      ],
      'older stuff',
      new AbortController().signal,
    );
    expect(summary).toBe('Earlier: older stuff 3 messages (2 from the user) compacted by echo. Last user message: second question');
  });
});
