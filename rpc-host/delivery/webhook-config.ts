/**
 * The config file's `delivery.webhook` section: where replies are POSTed, with
 * which headers, and how patiently.
 */
import * as z from 'zod';
import { TimeoutSchema } from '../core/provider-config.js';

/** The webhook delivery channel. */
export const WebhookSchema = z
  .object({
    /** Where to POST; may be `${VAR}` (or contain it) when the URL itself is the secret, as with chat webhooks. */
    url: z.string().refine((value) => value.includes('${') || isHttpUrl(value), 'must be an http:// or https:// URL, or ${VAR} to read it from the environment'),
    /** Extra headers, e.g. `{"Authorization": "Bearer ${HOOK_TOKEN}"}`. */
    headers: z.record(z.string().min(1), z.string()).optional(),
    /** Retries after the first attempt (network errors, 5xx, 408, 429). */
    retries: z.number().int().min(0).max(20).optional(),
    /** First retry delay; doubles each time. */
    backoffMs: z.number().int().min(0).max(60_000).optional(),
    timeoutMs: TimeoutSchema.optional(),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookSchema>;

/** True for an absolute http:// or https:// URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

