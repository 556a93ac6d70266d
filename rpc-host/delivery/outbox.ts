/**
 * The local outbox: delivered replies appended to a JSONL file.
 *
 * The simplest delivery channel, and the one that never loses anything: each
 * delivery is one atomic append (same technique as transcripts), so other tools can
 * tail the file or pick entries up later.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** One delivered reply. */
export interface Delivery {
  session: string;
  to: string;
  text: string;
  runId: string;
  /** Set when another channel (the webhook) could not take this reply. */
  undelivered?: { channel: string; error: string };
}

/** Appends deliveries to `path`. */
export class Outbox {
  private dirReady = false;

  constructor(readonly path: string) {}

  /** Writes one delivery; throws (with the path) when the file cannot be written. */
  deliver(delivery: Delivery): void {
    if (!this.dirReady) {
      mkdirSync(dirname(this.path), { recursive: true }); // once: not on every delivery
      this.dirReady = true;
    }
    appendFileSync(this.path, JSON.stringify({ ts: Date.now(), channel: 'outbox', ...delivery }) + '\n');
  }
}
