/**
 * Delivery of finished replies to the configured channel, without ever losing one.
 *
 * `outbox` appends to the local JSONL file. `webhook` POSTs (with retries); when it
 * still fails, the reply is appended to the outbox instead, so the outbox keeps what
 * the webhook could not take. Either way the reply is already in the transcript:
 * delivery only reports how it went.
 */
import type { GatewayConfig } from '../core/config.js';
import { Outbox, type Delivery } from './outbox.js';
import { WebhookChannel } from './webhook.js';
import { errorMessage } from '../protocol/errors.js';

/** What a delivery came to, for `meta` and the `delivery` event. */
export interface DeliveryReport {
  channel: 'outbox' | 'webhook';
  delivered: boolean;
  attempts: number;
  error?: string;
  /** The outbox file that kept a reply its channel could not take. */
  keptIn?: string;
}

/** Sends replies to the configured channel. */
export class Deliverer {
  readonly outbox: Outbox;
  private readonly webhook: WebhookChannel | undefined;
  private readonly channel: 'outbox' | 'webhook';

  constructor(config: GatewayConfig['delivery'], secrets: readonly string[]) {
    this.outbox = new Outbox(config.outbox);
    this.channel = config.channel;
    this.webhook = config.webhook ? new WebhookChannel(config.webhook, secrets) : undefined;
  }

  /** Delivers one reply; never throws. */
  async deliver(delivery: Delivery): Promise<DeliveryReport> {
    if (this.channel === 'webhook' && this.webhook) {
      const outcome = await this.webhook.deliver(delivery);
      if (outcome.ok) return { channel: 'webhook', delivered: true, attempts: outcome.attempts };
      const report: DeliveryReport = { channel: 'webhook', delivered: false, attempts: outcome.attempts, error: `${outcome.error} after ${outcome.attempts} attempt(s)` };
      try {
        this.outbox.deliver({ ...delivery, undelivered: { channel: 'webhook', error: report.error! } });
        report.keptIn = this.outbox.path;
        report.error += `; kept in the outbox ${this.outbox.path}`;
      } catch (error) {
        report.error += `; the outbox ${this.outbox.path} could not keep it either: ${errorMessage(error)}`;
      }
      return report;
    }
    try {
      this.outbox.deliver(delivery);
      return { channel: 'outbox', delivered: true, attempts: 1 };
    } catch (error) {
      return { channel: 'outbox', delivered: false, attempts: 1, error: `outbox ${this.outbox.path}: ${errorMessage(error)}` };
    }
  }
}
