/**
 * The webhook channel on its own, against a real receiver: the body and headers it
 * posts, retries with doubling backoff on 5xx and on a refused connection, no retry
 * on other 4xx, a per-attempt timeout, and header secrets kept out of its errors.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookChannel } from '../../../rpc-host/delivery/webhook.js';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(() => hook.close());
beforeEach(() => {
  hook.received.length = 0;
  hook.failAlways(0);
  hook.failNext(0);
});

const delivery = { session: 's', to: 'ops', text: 'hello', runId: 'r-1' };

describe('WebhookChannel', () => {
  it('posts session, to, text and runId as JSON with the configured headers', async () => {
    const channel = new WebhookChannel({ url: hook.url, headers: { 'X-Token': 'abc' }, retries: 0, backoffMs: 0, timeoutMs: 5000 }, []);
    expect(await channel.deliver(delivery)).toEqual({ ok: true, attempts: 1 });
    expect(hook.received[0]!.body).toMatchObject(delivery);
    expect(typeof hook.received[0]!.body.ts).toBe('number');
    expect(hook.received[0]!.headers['content-type']).toBe('application/json');
    expect(hook.received[0]!.headers['x-token']).toBe('abc');
  });

  it('retries 5xx with doubling backoff, then reports the last error', async () => {
    hook.failAlways(500);
    const delays: number[] = [];
    const channel = new WebhookChannel({ url: hook.url, headers: {}, retries: 2, backoffMs: 40, timeoutMs: 5000 }, [], async (ms) => {
      delays.push(ms);
    });
    const outcome = await channel.deliver(delivery);
    expect(outcome).toEqual({ ok: false, attempts: 3, error: `webhook ${hook.url} answered HTTP 500` });
    expect(delays).toEqual([40, 80]);
    expect(hook.received).toHaveLength(3);
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    hook.failNext(1, 422);
    const channel = new WebhookChannel({ url: hook.url, headers: {}, retries: 3, backoffMs: 1, timeoutMs: 5000 }, []);
    expect(await channel.deliver(delivery)).toMatchObject({ ok: false, attempts: 1 });
    hook.failNext(1, 429);
    expect(await channel.deliver(delivery)).toEqual({ ok: true, attempts: 2 });
  });

  it('retries a refused connection and names it', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hook`;
    const outcome = await new WebhookChannel({ url, headers: {}, retries: 1, backoffMs: 1, timeoutMs: 5000 }, []).deliver(delivery);
    expect(outcome).toEqual({ ok: false, attempts: 2, error: `webhook ${url} failed: ECONNREFUSED` });
  });

  it('gives up on an attempt that takes longer than timeoutMs', async () => {
    const silent = createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
      const outcome = await new WebhookChannel({ url, headers: {}, retries: 0, backoffMs: 0, timeoutMs: 150 }, []).deliver(delivery);
      expect(outcome).toEqual({ ok: false, attempts: 1, error: `webhook ${url} failed: no answer within 150 ms` });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('keeps secrets out of its errors, even in the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hook?token=hook-secret-99`;
    const outcome = await new WebhookChannel({ url, headers: {}, retries: 0, backoffMs: 0, timeoutMs: 5000 }, ['hook-secret-99']).deliver(delivery);
    expect(outcome.error).toContain('token=[redacted]');
    expect(outcome.error).not.toContain('hook-secret-99');
  });
});
