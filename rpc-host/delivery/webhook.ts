/**
 * The webhook channel: a reply POSTed as JSON to a configured URL.
 *
 * Body: `{"session","to","text","runId","ts"}`. Network errors, timeouts, 5xx,
 * 408 and 429 are retried with doubling backoff; other 4xx answers are final (the
 * receiver refused this body, sending it again would not help). Header values may
 * carry secrets (an auth token from the environment), so every message is redacted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedWebhook } from '../core/config.js';
import { redact } from '../core/secrets.js';
import type { Delivery } from './outbox.js';
import { errorMessage } from '../protocol/errors.js';

/** How a webhook delivery went. */
export interface WebhookOutcome {
  ok: boolean;
  attempts: number;
  /** Why the last attempt failed (when `ok` is false). */
  error?: string;
}

/** Posts deliveries to one URL. */
export class WebhookChannel {
  constructor(
    private readonly config: ResolvedWebhook,
    private readonly secrets: readonly string[],
    /** Waits out a backoff delay (tests pass one that records the delays instead of sleeping). */
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  get url(): string {
    return this.config.url;
  }

  /** Delivers one reply, retrying as configured; never throws. */
  async deliver(delivery: Delivery): Promise<WebhookOutcome> {
    const body = JSON.stringify({ ...delivery, ts: Date.now() });
    let error = '';
    const attempts = this.config.retries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await this.post(body);
      if (result.ok) return { ok: true, attempts: attempt };
      error = result.error;
      if (!result.retryable || attempt === attempts) return { ok: false, attempts: attempt, error: redact(error, this.secrets) };
      await this.wait(this.config.backoffMs * 2 ** (attempt - 1));
    }
    return { ok: false, attempts, error: redact(error, this.secrets) };
  }

  private async post(body: string): Promise<{ ok: true } | { ok: false; retryable: boolean; error: string }> {
    try {
      const response = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.config.headers },
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined); // read it so the connection can be reused
      if (response.ok) return { ok: true };
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      return { ok: false, retryable, error: `webhook ${this.config.url} answered HTTP ${response.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : (cause?.code ?? errorMessage(error));
      return { ok: false, retryable: true, error: `webhook ${this.config.url} failed: ${why}` };
    }
  }
}
