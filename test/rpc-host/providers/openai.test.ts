/**
 * The openai provider against a real local server speaking the SSE wire format:
 * streaming, the messages it sends (history within the budget, summary, system),
 * reasoning effort, usage, error bodies, stalls, disconnects, timeouts, abort, and
 * that the API key never appears in anything it reports.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedOpenAiEntry } from '../../../rpc-host/core/config.js';
import { buildMessages, createOpenAiProvider, reasoningEffortFor } from '../../../rpc-host/providers/openai.js';
import { ProviderFailure } from '../../../rpc-host/providers/provider.js';
import { listContext } from '../../../rpc-host/core/session-store.js';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../../helpers/fake-openai-server.js';
import { closedPort } from '../../helpers/webhook-receiver.js';
import { providerRequest } from '../../helpers/provider-request.js';

const KEY = 'sk-test-7c1e9a0b5d3f4e2a8b6c0d1e';
let server: FakeOpenAiServer;

beforeAll(async () => {
  server = await startFakeOpenAiServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.setDefault({ kind: 'stream', pieces: ['Hello', ' there', '!'] });
});

function entry(overrides: Partial<ResolvedOpenAiEntry> = {}): ResolvedOpenAiEntry {
  return { type: 'openai', baseUrl: server.baseUrl, model: 'fake-model', apiKey: KEY, headers: {}, ...overrides };
}

function request(overrides: Parameters<typeof providerRequest>[0] = {}) {
  return providerRequest({ model: 'fake-model', ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<ProviderFailure> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProviderFailure);
  return error as ProviderFailure;
}

describe('openai provider', () => {
  it('streams the deltas of a real SSE answer and returns their text, with the key as a bearer token', async () => {
    const provider = createOpenAiProvider('local', entry(), [KEY]);
    const { req, deltas } = request();
    const reply = await provider.run(req);
    expect(deltas).toEqual(['Hello', ' there', '!']);
    expect(reply.text).toBe('Hello there!');
    const sent = server.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toMatchObject({ model: 'fake-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    expect(sent.body.reasoning_effort).toBeUndefined();
  });

  it('reports usage from the usage chunk', async () => {
    server.next({ kind: 'stream', pieces: ['ok'], usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 } });
    const reply = await createOpenAiProvider('local', entry(), []).run(request().req);
    expect(reply.usage).toEqual({ inputTokens: 11, outputTokens: 2, totalTokens: 13 });
  });

  it('handles CRLF streams split into tiny chunks (inside UTF-8 sequences) and slow streams', async () => {
    server.next({ kind: 'stream', pieces: ['héllo ', '👋 ', '世界'], crlf: true, splitEvery: 3 });
    const { req, deltas } = request();
    expect((await createOpenAiProvider('local', entry(), []).run(req)).text).toBe('héllo 👋 世界');
    expect(deltas.join('')).toBe('héllo 👋 世界');
    server.next({ kind: 'stream', pieces: ['slow', ' but', ' fine'], delayMs: 30, splitEvery: 40 });
    expect((await createOpenAiProvider('local', entry({ idleTimeoutMs: 2000 }), []).run(request().req)).text).toBe('slow but fine');
  });

  it('accepts a plain JSON answer from a server that ignores stream', async () => {
    server.next({ kind: 'json', content: 'not streamed' });
    const { req, deltas } = request();
    const reply = await createOpenAiProvider('local', entry(), []).run(req);
    expect(reply).toEqual({ text: 'not streamed', usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } });
    expect(deltas).toEqual(['not streamed']);
  });

  it('sends consecutive requests over one kept-alive connection, whatever the answers were', async () => {
    const own = await startFakeOpenAiServer(); // counts only this test's connections
    const provider = createOpenAiProvider('local', entry({ baseUrl: own.baseUrl }), []);
    own.next({ kind: 'stream', pieces: ['a'] }, { kind: 'error', status: 503, body: '{"error":{"message":"busy"}}' }, { kind: 'json', content: 'whole' }, { kind: 'stream', pieces: ['b', 'c'] });
    expect((await provider.run(request().req)).text).toBe('a');
    await failure(provider.run(request().req));
    expect((await provider.run(request().req)).text).toBe('whole');
    expect((await provider.run(request().req)).text).toBe('bc');
    expect(own.requests).toHaveLength(4);
    expect(own.connections).toBe(1);
    await own.close();
  });

  it('sends the system prompt, the summary and the newest history that fits the budget', () => {
    const context = listContext(
      'we talked about cats',
      [
        { role: 'user', text: 'a'.repeat(50) },
        { role: 'assistant', text: 'b'.repeat(50) },
        { role: 'user', text: 'c'.repeat(30) },
        { role: 'assistant', text: 'd'.repeat(30) },
      ],
      2,
    );
    const messages = buildMessages({ prompt: 'now?', loadContext: () => context }, 'be brief', 100);
    expect(messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'system', content: 'Summary of the earlier conversation: we talked about cats' },
      { role: 'user', content: 'c'.repeat(30) },
      { role: 'assistant', content: 'd'.repeat(30) },
      { role: 'user', content: 'now?' },
    ]);
    expect(buildMessages({ prompt: 'p', loadContext: () => context }, undefined, 0).at(-1)).toEqual({ role: 'user', content: 'p' });
  });

  it('passes history to the server', async () => {
    const context = listContext(undefined, [{ role: 'user', text: 'first' }, { role: 'assistant', text: 'reply' }]);
    await createOpenAiProvider('local', entry(), []).run(request({ context, prompt: 'second' }).req);
    expect(server.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'reply' },
      { role: 'user', content: 'second' },
    ]);
  });

  it('maps thinking to reasoning_effort only for models that take it', async () => {
    expect(reasoningEffortFor({ reasoningEffort: true }, 'm', 'high')).toBe('high');
    expect(reasoningEffortFor({ reasoningEffort: true }, 'm', 'off')).toBeUndefined();
    expect(reasoningEffortFor({ reasoningEffort: ['o3*', 'gpt-5'] }, 'o3-mini', 'low')).toBe('low');
    expect(reasoningEffortFor({ reasoningEffort: ['o3*', 'gpt-5'] }, 'gpt-5', 'minimal')).toBe('minimal');
    expect(reasoningEffortFor({ reasoningEffort: ['o3*'] }, 'llama3', 'high')).toBeUndefined();
    expect(reasoningEffortFor({}, 'o3', 'high')).toBeUndefined();
    await createOpenAiProvider('local', entry({ reasoningEffort: ['fake-*'] }), []).run(request({ thinking: 'medium' }).req);
    expect(server.requests[0]!.body.reasoning_effort).toBe('medium');
  });

  it('turns error statuses into failures quoting error.message: 5xx and 429 retryable, other 4xx not', async () => {
    server.next({ kind: 'error', status: 503, body: JSON.stringify({ error: { message: 'model is loading' } }) });
    const unavailable = await failure(createOpenAiProvider('local', entry(), []).run(request().req));
    expect(unavailable.message).toMatch(/provider "local" answered HTTP 503 .*model is loading/);
    expect(unavailable.retryable).toBe(true);
    server.next({ kind: 'error', status: 429, body: 'slow down' });
    expect((await failure(createOpenAiProvider('local', entry(), []).run(request().req))).retryable).toBe(true);
    server.next({ kind: 'error', status: 404, body: JSON.stringify({ error: { message: 'model "nope" not found' } }) });
    const missing = await failure(createOpenAiProvider('local', entry(), []).run(request().req));
    expect(missing.message).toContain('model "nope" not found');
    expect(missing.retryable).toBe(false);
  });

  it('never reports the key, even when the server quotes it back', async () => {
    server.next({ kind: 'error', status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}` } }) });
    const denied = await failure(createOpenAiProvider('hosted', entry(), [KEY]).run(request().req));
    expect(denied.message).toContain('Incorrect API key provided: [redacted]');
    expect(denied.message).not.toContain(KEY);
    expect(denied.stack ?? '').not.toContain(KEY);
  });

  it('fails retryably when the server refuses the connection', async () => {
    const port = await closedPort();
    const refused = await failure(createOpenAiProvider('local', entry({ baseUrl: `http://127.0.0.1:${port}/v1` }), []).run(request().req));
    expect(refused.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1 \(model fake-model\): connect ECONNREFUSED 127\.0\.0\.1:\d+; is the server running\?/);
    expect(refused.retryable).toBe(true);
  });

  it('times out a server that never answers, and a stream that stalls', async () => {
    server.next({ kind: 'hang' });
    const slow = await failure(createOpenAiProvider('local', entry({ timeoutMs: 150 }), []).run(request().req));
    expect(slow.message).toMatch(/did not answer within 150 ms/);
    expect(slow.retryable).toBe(true);

    server.next({ kind: 'stall', pieces: ['partial'] });
    const { req, deltas } = request();
    const stalled = await failure(createOpenAiProvider('local', entry({ idleTimeoutMs: 200 }), []).run(req));
    expect(stalled.message).toMatch(/stalled: no data for 200 ms after 7 characters/);
    expect(stalled.retryable).toBe(false); // output already streamed: no switching models mid-answer
    expect(deltas).toEqual(['partial']);
  });

  it('fails on an abrupt disconnect, a stream without [DONE] or finish, and an error event mid-stream', async () => {
    server.next({ kind: 'disconnect', pieces: ['half'] });
    expect((await failure(createOpenAiProvider('local', entry(), []).run(request().req))).message).toMatch(/closed the connection before the reply finished .*after 4 characters/);
    server.next({ kind: 'disconnect', pieces: [] });
    expect((await failure(createOpenAiProvider('local', entry(), []).run(request().req))).retryable).toBe(true);
    server.next({ kind: 'midStreamError', pieces: ['so'], message: 'overloaded' });
    expect((await failure(createOpenAiProvider('local', entry(), []).run(request().req))).message).toMatch(/reported an error mid-stream: overloaded/);
  });

  it('accepts a stream that finished without [DONE]', async () => {
    server.next({ kind: 'stream', pieces: ['done', ' anyway'], noDone: true });
    expect((await createOpenAiProvider('local', entry(), []).run(request().req)).text).toBe('done anyway');
  });

  it('abort cancels the HTTP request and returns what streamed so far', async () => {
    server.next({ kind: 'stall', pieces: ['started'] });
    const controller = new AbortController();
    const { req, deltas } = request({ signal: controller.signal });
    const running = createOpenAiProvider('local', entry({ idleTimeoutMs: 30_000 }), []).run({ ...req, onDelta: (text) => { deltas.push(text); controller.abort(); } });
    const before = server.closedEarly;
    expect(await running).toEqual({ text: 'started' });
    await expect.poll(() => server.closedEarly).toBe(before + 1);
  });

  it('summarizes through the server for compact', async () => {
    server.next({ kind: 'stream', pieces: ['  short summary '] });
    const summary = await createOpenAiProvider('local', entry(), []).summarize([{ role: 'user', text: 'remember 42' }], 'earlier', new AbortController().signal);
    expect(summary).toBe('short summary');
    const prompt = server.requests[0]!.body.messages!.at(-1)!.content;
    expect(prompt).toContain('user: remember 42');
    expect(prompt).toContain('earlier');
  });
});
