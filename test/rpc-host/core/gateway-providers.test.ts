/**
 * The gateway with configured providers and delivery channels, against real local
 * servers: the fallback chain (who answered, who failed and why), no fallback once
 * output has streamed, heartbeats through the chain, webhook delivery with retries,
 * the outbox keeping what the webhook could not take, `deliver` without a target,
 * and `compact` summarized by the session's provider.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../rpc-host/core/config.js';
import { Gateway, type GatewayEvent } from '../../../rpc-host/core/gateway.js';
import { isProtocolError } from '../../../rpc-host/protocol/errors.js';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../../helpers/fake-openai-server.js';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

let server: FakeOpenAiServer;
let hook: WebhookReceiver;
let refusedUrl: string;
const dirs: string[] = [];
const gateways: Gateway[] = [];

beforeAll(async () => {
  server = await startFakeOpenAiServer();
  hook = await startWebhookReceiver();
  refusedUrl = `http://127.0.0.1:${await closedPort()}/v1`;
});
afterAll(async () => {
  await server.close();
  await hook.close();
});
beforeEach(() => {
  server.reset();
  hook.received.length = 0;
  hook.failAlways(0);
  hook.failNext(0);
  server.setDefault({ kind: 'stream', pieces: ['from', ' local'] });
});
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.shutdown(0);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function gatewayWith(file: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tether-gw-'));
  dirs.push(dir);
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(file));
  const config = loadConfig({ dataDir: dir, configPath }, env);
  const gateway = new Gateway({ config, longLived: false });
  gateways.push(gateway);
  const events: GatewayEvent[] = [];
  gateway.onDidEmit((event) => events.push(event));
  return { gateway, events, dir, config };
}

const providers = () => ({
  down: { type: 'openai', baseUrl: refusedUrl, model: 'down-model' },
  local: { type: 'openai', baseUrl: server.baseUrl, model: 'local-model' },
  failing: { type: 'command', argv: ['sh', '-c', 'echo "agent crashed" >&2; exit 3'] },
});

async function protocolError(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!isProtocolError(error)) throw new Error(`expected a ProtocolError, got ${String(error)}`);
  return error;
}

describe('gateway with configured providers', () => {
  it('answers with the configured default provider and streams its deltas', async () => {
    const { gateway, events } = gatewayWith({ provider: 'local', providers: providers() });
    const payload = await gateway.send({ text: 'hi' });
    expect(payload.payloads[0]!.text).toBe('from local');
    expect(payload.meta).toMatchObject({ provider: 'local', model: 'local-model' });
    expect(payload.meta.failures).toBeUndefined();
    expect(events.filter((e) => e.event === 'reply.delta').map((e) => (e.payload as { text: string }).text)).toEqual(['from', ' local']);
    expect(gateway.status(false).provider).toBe('local');
  });

  it('falls back along the chain when models fail before any output, and says who failed and why', async () => {
    const { gateway } = gatewayWith({ provider: 'down', fallback: ['failing', 'local/other-model', 'echo'], providers: providers() });
    const payload = await gateway.send({ text: 'hi' });
    expect(payload.payloads[0]!.text).toBe('from local');
    expect(payload.meta).toMatchObject({ provider: 'local', model: 'other-model' });
    expect(payload.meta.failures).toEqual([
      { provider: 'down', model: 'down-model', error: expect.stringMatching(/ECONNREFUSED/) },
      { provider: 'failing', model: 'default', error: expect.stringMatching(/exited with code 3; stderr: agent crashed/) },
    ]);
    expect(server.requests[0]!.body.model).toBe('other-model');
    const history = gateway.store.history('main');
    expect(history.messages.at(-1)).toMatchObject({ role: 'assistant', provider: 'local', model: 'other-model' });
  });

  it('tells who the chain skipped on the reply event and in history, after a reload too', async () => {
    const { gateway, events, config } = gatewayWith({ provider: 'down', fallback: ['local'], providers: providers() });
    await gateway.send({ text: 'hi' });
    const skipped = [{ provider: 'down', model: 'down-model', error: expect.stringMatching(/ECONNREFUSED/) }];
    expect(events.find((e) => e.event === 'reply')?.payload).toMatchObject({ provider: 'local', model: 'local-model', failures: skipped });
    expect(gateway.store.history('main').messages.at(-1)).toMatchObject({ provider: 'local', failures: skipped });
    const reread = new Gateway({ config, longLived: false });
    gateways.push(reread);
    expect(reread.store.history('main').messages.at(-1)).toMatchObject({ provider: 'local', failures: skipped });
    expect(reread.store.history('main').messages[0]).not.toHaveProperty('failures');
  });

  it('a reply the first model gave has no failures', async () => {
    const { gateway, events } = gatewayWith({ provider: 'local', fallback: ['echo'], providers: providers() });
    await gateway.send({ text: 'hi' });
    expect(events.find((e) => e.event === 'reply')?.payload).not.toHaveProperty('failures');
    expect(gateway.store.history('main').messages.at(-1)).not.toHaveProperty('failures');
  });

  it('models lists the default, every provider and the resolved fallback chain', async () => {
    const { gateway } = gatewayWith({ provider: 'down', fallback: ['failing', 'local/other-model', 'echo'], providers: providers() });
    expect(await gateway.handle({ type: 'models' })).toEqual({
      default: { provider: 'down', model: 'down-model' },
      providers: [
        { id: 'echo', label: expect.stringContaining('echo'), defaultModel: 'echo' },
        { id: 'down', label: expect.any(String), defaultModel: 'down-model' },
        { id: 'local', label: expect.any(String), defaultModel: 'local-model' },
        { id: 'failing', label: expect.any(String), defaultModel: 'default' },
      ],
      fallback: [
        { provider: 'failing', model: 'default' },
        { provider: 'local', model: 'other-model' },
        { provider: 'echo', model: 'echo' },
      ],
    });
  });

  it('falls back on 5xx and timeouts but not on a refused request (4xx)', async () => {
    const { gateway } = gatewayWith({ provider: 'local', fallback: ['echo'], providers: { local: { type: 'openai', baseUrl: server.baseUrl, model: 'm', timeoutMs: 200 } } });
    server.next({ kind: 'error', status: 502, body: 'bad gateway' });
    expect((await gateway.send({ text: 'a' })).meta).toMatchObject({ provider: 'echo', failures: [{ provider: 'local', error: expect.stringMatching(/HTTP 502/) }] });
    server.next({ kind: 'hang' });
    expect((await gateway.send({ text: 'b' })).meta).toMatchObject({ provider: 'echo', failures: [{ error: expect.stringMatching(/did not answer within 200 ms/) }] });
    server.next({ kind: 'error', status: 400, body: JSON.stringify({ error: { message: 'bad messages' } }) });
    const refused = await protocolError(gateway.send({ text: 'c' }));
    expect(refused.code).toBe('provider_error');
    expect(refused.message).toMatch(/HTTP 400.*bad messages/);
  });

  it('does not switch models once a reply has started streaming', async () => {
    const { gateway } = gatewayWith({ provider: 'local', fallback: ['echo'], providers: providers() });
    server.next({ kind: 'disconnect', pieces: ['half an answer'] });
    const error = await protocolError(gateway.send({ text: 'x' }));
    expect(error.code).toBe('provider_error');
    expect(error.message).toMatch(/closed the connection before the reply finished/);
  });

  it('keeps a reply the provider broke off, marked with why, in history but not in the next context', async () => {
    const { gateway } = gatewayWith({ provider: 'down', fallback: ['local'], providers: providers() });
    server.next({ kind: 'disconnect', pieces: ['half an answer'] });
    const error = await protocolError(gateway.send({ text: 'first question' }));
    expect(error.message).toMatch(/partial reply is kept in the session's history/);
    const { messages } = await gateway.handle({ type: 'history', session: 'main' });
    expect(messages.map((message) => message.text)).toEqual(['first question', 'half an answer']);
    expect(messages[1]).toMatchObject({ role: 'assistant', provider: 'local', model: 'local-model', error: expect.stringMatching(/closed the connection/) });

    server.next({ kind: 'stream', pieces: ['whole answer'] });
    await gateway.send({ text: 'second question', model: 'local' });
    const sent = server.requests.at(-1)!.body.messages!.map((message) => message.content);
    expect(sent).toContain('first question');
    expect(sent).not.toContain('half an answer');
  });

  it('reports every failure when the whole chain fails', async () => {
    const { gateway } = gatewayWith({ provider: 'down', fallback: ['failing'], providers: providers() });
    const error = await protocolError(gateway.send({ text: 'x' }));
    expect(error.code).toBe('provider_error');
    expect(error.message).toMatch(/every model failed: 1\. down\/down-model: .*ECONNREFUSED.* 2\. failing\/default: .*exited with code 3/);
  });

  it('uses a model named per send, and refuses an unknown one', async () => {
    const { gateway } = gatewayWith({ providers: providers() });
    expect((await gateway.send({ text: 'hi', model: 'local/picked' })).meta).toMatchObject({ provider: 'local', model: 'picked' });
    expect((await gateway.send({ text: 'hi' })).meta.provider).toBe('echo');
    const unknown = await protocolError(gateway.send({ text: 'hi', model: 'nope/x' }));
    expect(unknown.code).toBe('invalid_request');
    expect(unknown.message).toMatch(/unknown model "nope\/x".*echo, down, local, failing/);
  });

  it('heartbeats go through the chain too', async () => {
    const { gateway, events } = gatewayWith({ provider: 'down', fallback: ['echo'], providers: providers(), heartbeats: { prompt: 'anything to report?' } });
    expect(await gateway.runHeartbeat()).toBe('sent');
    expect(events.find((e) => e.event === 'heartbeat')?.payload).toMatchObject({ outcome: 'sent', text: 'echo: anything to report?' });
    expect(events.find((e) => e.event === 'reply')?.payload).toMatchObject({ provider: 'echo', model: 'echo', source: 'heartbeat' });
  });

  it('compact is summarized by the provider that last answered in the session, and history keeps every message', async () => {
    const { gateway } = gatewayWith({ providers: providers() });
    await gateway.send({ text: 'remember 42', model: 'local' });
    server.next({ kind: 'stream', pieces: ['The user asked to remember 42.'] });
    const result = await gateway.handle({ type: 'compact', session: 'main' });
    expect(result).toMatchObject({ messagesBefore: 2, messagesAfter: 0, transcriptMessages: 2, summary: 'The user asked to remember 42.' });
    expect(server.requests.at(-1)!.body.messages!.at(-1)!.content).toContain('user: remember 42');
    await gateway.send({ text: 'what was it?', model: 'local' });
    const sent = server.requests.at(-1)!.body.messages!;
    expect(sent[0]).toEqual({ role: 'system', content: 'Summary of the earlier conversation: The user asked to remember 42.' });
    expect(sent).toHaveLength(2);
    expect(gateway.store.history('main').total).toBe(4);
  });

  it('compact reports a failing provider and leaves the context as it was', async () => {
    const { gateway } = gatewayWith({ providers: providers() });
    await gateway.send({ text: 'hi', model: 'local' });
    server.next({ kind: 'error', status: 500, body: 'down' });
    const error = await protocolError(gateway.handle({ type: 'compact', session: 'main' }));
    expect(error.code).toBe('provider_error');
    expect(error.message).toMatch(/cannot compact session "main": .*HTTP 500.*the context is unchanged/);
    expect(gateway.store.context('main').summary).toBeUndefined();
  });
});

describe('gateway delivery', () => {
  it('posts the reply to the webhook with configured headers and reports it', async () => {
    const { gateway, events, config } = gatewayWith(
      { delivery: { channel: 'webhook', webhook: { url: hook.url, headers: { Authorization: 'Bearer ${HOOK_TOKEN}' } } } },
      { HOOK_TOKEN: 'hook-token-123' },
    );
    const payload = await gateway.send({ text: 'ship it', deliver: true, to: 'ops' });
    expect(payload.meta.delivered).toBe(true);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.headers.authorization).toBe('Bearer hook-token-123');
    expect(hook.received[0]!.body).toMatchObject({ session: 'main', to: 'ops', text: 'echo: ship it', runId: payload.meta.runId });
    expect(events.find((e) => e.event === 'delivery')?.payload).toEqual({ session: 'main', runId: payload.meta.runId, to: 'ops', channel: 'webhook', delivered: true, attempts: 1 });
    expect(existsSync(config.delivery.outbox)).toBe(false);
  });

  it('retries a failing webhook with backoff', async () => {
    const { gateway } = gatewayWith({ delivery: { channel: 'webhook', webhook: { url: hook.url, retries: 3, backoffMs: 10 } } });
    hook.failNext(2, 503);
    const payload = await gateway.send({ text: 'retry me', deliver: true, to: 'ops' });
    expect(payload.meta.delivered).toBe(true);
    expect(hook.received.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('keeps what the webhook could not take in the outbox, and reports it', async () => {
    const { gateway, events, config } = gatewayWith({ delivery: { channel: 'webhook', webhook: { url: hook.url, retries: 1, backoffMs: 10 } } });
    hook.failAlways(500);
    const payload = await gateway.send({ text: 'keep me', deliver: true, to: 'ops' });
    expect(payload.meta.delivered).toBe(false);
    expect(payload.meta.deliveryError).toMatch(/webhook http:\/\/127\.0\.0\.1:\d+\/hook answered HTTP 500 after 2 attempt\(s\); kept in the outbox/);
    expect(hook.received).toHaveLength(2);
    const kept = readFileSync(config.delivery.outbox, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(kept).toEqual([expect.objectContaining({ to: 'ops', text: 'echo: keep me', runId: payload.meta.runId, undelivered: { channel: 'webhook', error: expect.stringMatching(/HTTP 500/) } })]);
    expect(events.find((e) => e.event === 'delivery')?.payload).toMatchObject({ delivered: false, attempts: 2, keptIn: config.delivery.outbox });
    expect(gateway.store.history('main').messages.at(-1)).toMatchObject({ role: 'assistant', text: 'echo: keep me' }); // the reply is not lost
  });

  it('does not retry a webhook that refuses the body (4xx)', async () => {
    const { gateway } = gatewayWith({ delivery: { channel: 'webhook', webhook: { url: hook.url, retries: 3, backoffMs: 10 } } });
    hook.failNext(1, 400);
    expect((await gateway.send({ text: 'x', deliver: true, to: 'ops' })).meta.delivered).toBe(false);
    expect(hook.received).toHaveLength(1);
  });

  it('delivers to the outbox by default and to the configured default target', async () => {
    const { gateway, config } = gatewayWith({ delivery: { to: 'me' } });
    const payload = await gateway.send({ text: 'note', deliver: true });
    expect(payload.meta.delivered).toBe(true);
    expect(JSON.parse(readFileSync(config.delivery.outbox, 'utf8'))).toMatchObject({ channel: 'outbox', to: 'me', text: 'echo: note' });
  });

  it('refuses deliver without any target, naming "to"', async () => {
    const { gateway } = gatewayWith({});
    const error = await protocolError(gateway.send({ text: 'x', deliver: true }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/"deliver": true needs a "to" target/);
  });
});
