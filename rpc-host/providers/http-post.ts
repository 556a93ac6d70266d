/**
 * POSTs a request body and hands back the response as a stream, over keep-alive
 * connections.
 *
 * Providers call the same server for every turn, so the connection is worth
 * keeping: one pooled `node:http`/`node:https` agent per process, instead of the
 * global `fetch`, which measured about twice the cost per request here and about
 * 26 ms on its first call in a fresh process (it loads undici's web streams).
 *
 * A request is cancelled through a `PostCancel`, not an `AbortSignal` handed to
 * Node: Node ties a signal to the request with an abort listener and a stream
 * `finished` watcher per request, and a provider already has its own reasons to
 * stop (the user's abort, two clocks). One plain object per request saved about
 * a fifth of the CPU a provider request cost (25 µs of 130, in-process).
 *
 * A keep-alive socket can be closed by the server just as a request goes out on
 * it; that request never reached the server, so it is sent again once on a new
 * connection (Node documents the pattern: `reusedSocket` plus `ECONNRESET`).
 *
 * `node:http` and `node:https` (which brings TLS and crypto) load on the first
 * request, not at start-up: a one-shot on the echo provider never needs them.
 */
import type * as Http from 'node:http';
import type { ClientRequest, Agent as HttpAgent, IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import type * as Https from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { lazyBuiltin } from '../lazy-builtin.js';

const http = lazyBuiltin<typeof Http>('node:http');
const https = lazyBuiltin<typeof Https>('node:https');

/** Idle connections kept per server; a gateway runs one turn per session at a time. */
const MAX_FREE_SOCKETS = 8;

let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;

/** The response: status, headers and the body as it arrives. */
export interface StreamedResponse {
  status: number;
  /** The content type, lower-cased ('' when absent). */
  contentType: string;
  /** The body, chunk by chunk; iterating it after an abort throws. */
  body: IncomingMessage;
}

/**
 * Stops one POST: before its response arrives (`postStreaming` rejects with an
 * `AbortError`) or while its body streams (the body is destroyed, so a reader of
 * it fails). Cancelling before the request goes out stops it as it starts.
 */
export class PostCancel {
  private request: ClientRequest | undefined;
  private done = false;

  get cancelled(): boolean {
    return this.done;
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.request?.destroy(abortError());
  }

  /** The request now in flight (a retry replaces the first). */
  track(request: ClientRequest): void {
    this.request = request;
    if (this.done) request.destroy(abortError());
  }
}

/** The error a cancelled request fails with, shaped as Node's own (`name` AbortError, `code` ABORT_ERR). */
function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

/**
 * Sends `body` to `url` with `headers`; resolves once the response headers arrive.
 *
 * Rejects with the socket's own error (`connect ECONNREFUSED 127.0.0.1:11434`),
 * or an `AbortError` when `cancel` is used first.
 */
export function postStreaming(url: URL, headers: OutgoingHttpHeaders, body: string, cancel: PostCancel): Promise<StreamedResponse> {
  return send(url, headers, body, cancel, true);
}

/**
 * The request options of a URL, worked out once per URL: a provider posts to the
 * same endpoint for every turn, and Node would convert the URL on each request.
 */
const urlOptions = new WeakMap<URL, RequestOptions>();

function optionsOf(url: URL): RequestOptions {
  let options = urlOptions.get(url);
  if (options === undefined) {
    options = urlToHttpOptions(url);
    urlOptions.set(url, options);
  }
  return options;
}

async function send(url: URL, headers: OutgoingHttpHeaders, body: string, cancel: PostCancel, mayRetry: boolean): Promise<StreamedResponse> {
  const payload = Buffer.from(body, 'utf8');
  const options = { ...optionsOf(url), method: 'POST', headers: { ...headers, 'content-length': payload.length } };
  let req: ClientRequest;
  if (url.protocol === 'https:') {
    req = https().request({ ...options, agent: (httpsAgent ??= new (https().Agent)({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS })) });
  } else {
    req = http().request({ ...options, agent: (httpAgent ??= new (http().Agent)({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS })) });
  }
  cancel.track(req);
  return new Promise((resolve, reject) => {
    req.once('response', (res) => {
      resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '').toLowerCase(), body: res });
    });
    req.once('error', (error: NodeJS.ErrnoException) => {
      if (mayRetry && req.reusedSocket && error.code === 'ECONNRESET' && !cancel.cancelled) {
        // The server closed an idle connection as we reused it: the request never arrived.
        send(url, headers, body, cancel, false).then(resolve, reject);
        return;
      }
      reject(error);
    });
    req.end(payload);
  });
}

/** Reads a whole (small) response body as text, e.g. an error body. */
export async function readText(body: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
