/**
 * A real webhook receiver on 127.0.0.1 for delivery tests: records every POST
 * (headers and JSON body) and answers 200, or fails on demand with a status.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received POST. */
export interface ReceivedHook {
  headers: IncomingMessage['headers'];
  body: { session?: string; to?: string; text?: string; runId?: string; [key: string]: unknown };
  status: number;
}

/** A running receiver. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** Answers the next `count` requests with `status` (default 500). */
  failNext(count: number, status?: number): void;
  /** Answers every request with `status` from now on (0: back to 200). */
  failAlways(status: number): void;
  close(): Promise<void>;
}

/** Starts a receiver on a free port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  let failures = 0;
  let failStatus = 500;
  let always = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      let status = 200;
      if (always) status = always;
      else if (failures > 0) {
        failures--;
        status = failStatus;
      }
      let body: ReceivedHook['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as ReceivedHook['body'];
      } catch {
        // kept empty
      }
      received.push({ headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'failing on demand');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    failNext(count, status = 500) {
      failures = count;
      failStatus = status;
    },
    failAlways(status) {
      always = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A loopback port nothing listens on, for "connection refused" cases.
 *
 * Taken below the kernel's ephemeral range (32768 and up on Linux), which is where
 * every `listen(0)` of a parallel test gets its port: a port freed from that range
 * could be handed to another test's server a moment later, and the "refused"
 * request would then reach it. A candidate is checked by listening on it once.
 */
export async function closedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!free) continue; // taken by something else: try another
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  throw new Error('found no free loopback port between 20000 and 32000 in 50 tries');
}
