/**
 * The web mode's server: the built renderer over HTTP and the bridge over a
 * WebSocket (`/bridge`), on 127.0.0.1 only, every request checked by the guard
 * (loopback peer, Host, Origin, token).
 *
 * The index page, opened with `?token=…`, sets the token as an HttpOnly,
 * SameSite=Strict cookie, so the page's scripts, styles and socket are let in
 * without the token in their URLs and a reload keeps working.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../rpc-host/shared.js';
import type { BridgeService } from '../bridge/service.js';
import { checkRequest, createToken, TOKEN_COOKIE, type GuardVerdict } from './request-guard.js';
import { resolveStaticPath, securityHeaders, sendFile } from './static-files.js';
import { serveBridgeSocket } from './ws-bridge.js';

/** The path the browser opens its bridge socket on. */
export const BRIDGE_PATH = '/bridge';

/** Largest frame the bridge accepts from a browser (a send of a large paste fits). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface WebServerOptions {
  service: BridgeService;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 or absent picks a free port. */
  port?: number;
  /** Fixed token (tests); default a fresh random one. */
  token?: string;
  logger: Logger;
}

/** A running server. */
export interface WebServer {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  /** Closes every socket and the listener. */
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1; resolves once it listens. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? createToken();
  const { logger } = options;
  let port = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  const verdictFor = (request: IncomingMessage): { verdict: GuardVerdict; url: URL } => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const verdict = checkRequest(
      {
        remoteAddress: request.socket.remoteAddress,
        host: request.headers.host,
        origin: request.headers.origin,
        queryToken: url.searchParams.get('token'),
        cookie: request.headers.cookie,
      },
      { token, port },
    );
    return { verdict, url };
  };

  const server: Server = createServer((request, response) => {
    const headers = securityHeaders(port);
    const { verdict, url } = verdictFor(request);
    if (!verdict.ok) {
      logger.warn(`web: refused ${request.method} ${url.pathname} from ${request.socket.remoteAddress}: ${verdict.reason}`);
      response.writeHead(verdict.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${verdict.reason}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${request.method} is not served here; the app talks over the WebSocket at ${BRIDGE_PATH}\n`);
      return;
    }
    const file = resolveStaticPath(options.rendererDir, url.pathname);
    if (!file) {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`not found: ${url.pathname}\n`);
      return;
    }
    const cookie = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    sendFile(response, file, url.searchParams.has('token') ? { ...headers, 'Set-Cookie': cookie } : headers);
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { verdict, url } = verdictFor(request);
    if (!verdict.ok || url.pathname !== BRIDGE_PATH) {
      const status = verdict.ok ? 404 : verdict.status;
      const reason = verdict.ok ? `no socket at ${url.pathname}; the bridge is at ${BRIDGE_PATH}` : verdict.reason;
      logger.warn(`web: refused a socket from ${request.socket.remoteAddress}: ${reason}`);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${reason}\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => serveBridgeSocket(ws, options.service, logger));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
