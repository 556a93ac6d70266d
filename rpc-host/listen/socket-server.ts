/**
 * The gateway's local socket: each connection speaks exactly the stdio protocol
 * over one shared `Gateway`, with its own `RpcConnection` (ids, in-order answers
 * to id-less requests, `hello` selection) and its own framing.
 *
 * Flow control is per connection, so no client can slow another down: while a
 * client's output is backed up its input is not read (as stdio does), and a client
 * whose pending output passes `maxPendingBytes` (it stopped reading while events
 * kept coming) is disconnected. At most `maxConnections` are served at once; the
 * next gets one `busy` error line and is closed. A client that half-closes (EOF)
 * still gets every answer, then the connection ends.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type * as Net from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Gateway } from '../core/gateway.js';
import { JsonlReader, serializeLine } from '../protocol/jsonl.js';
import type { ErrorResponse } from '../protocol/schemas.js';
import { RpcConnection } from '../rpc-connection.js';
import type { Logger } from '../log.js';
import { errorMessage } from '../protocol/errors.js';
import { ListenError } from './socket-path.js';
import { batchedWriter } from '../batched-writer.js';
import { lazyBuiltin } from '../lazy-builtin.js';

// Loaded by `--listen` only.
const net = lazyBuiltin<typeof Net>('node:net');

/** Connections served at once. */
export const DEFAULT_MAX_CONNECTIONS = 64;

/** Output held for a client that is not reading before it is cut off. */
export const DEFAULT_MAX_PENDING_BYTES = 8 * 1024 * 1024;

/** How long a half-closed client's answers may take at shutdown before its socket is closed anyway. */
const CLOSE_TIMEOUT_MS = 5000;

/** How a socket server is set up. */
export interface SocketServerOptions {
  gateway: Gateway;
  path: string;
  maxLineBytes: number;
  log: Logger;
  maxConnections?: number;
  maxPendingBytes?: number;
}

/** One client of the socket. */
interface Client {
  socket: Socket;
  connection: RpcConnection;
}

/** Serves the protocol on a Unix socket (a named pipe on Windows). */
export class SocketServer {
  private readonly clients = new Set<Client>();
  private readonly maxConnections: number;
  private readonly maxPendingBytes: number;
  private closing = false;

  private constructor(
    private readonly server: Server,
    private readonly options: SocketServerOptions,
  ) {
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    server.on('connection', (socket) => this.accept(socket));
  }

  /**
   * Listens on `options.path`. A socket file left there by a dead gateway is
   * replaced; a live one (something answers) or a file that is no socket is not
   * touched, and the error names the path.
   */
  static async listen(options: SocketServerOptions): Promise<SocketServer> {
    await removeStaleSocket(options.path);
    const server = net().createServer({ allowHalfOpen: true, pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The socket is created by bind(), inside listen(): with this umask it is born 0600.
      const umask = process.platform === 'win32' ? undefined : process.umask(0o177);
      try {
        server.listen(options.path, () => {
          server.off('error', reject);
          resolve();
        });
      } finally {
        if (umask !== undefined) process.umask(umask);
      }
    }).catch((error: unknown) => {
      throw new ListenError(`cannot listen on ${options.path}: ${errorMessage(error)}; give another path with --listen PATH`);
    });
    if (process.platform !== 'win32') chmodSync(options.path, 0o600);
    return new SocketServer(server, options);
  }

  /** Clients connected now. */
  get connectionCount(): number {
    return this.clients.size;
  }

  /**
   * Stops accepting, lets each client's open requests be answered (the gateway
   * finishes or aborts them first), closes every connection and removes the socket file.
   */
  async close(): Promise<void> {
    if (this.closing) return; // already closing
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(
      [...this.clients].map(async (client) => {
        await withTimeout(client.connection.whenIdle(), CLOSE_TIMEOUT_MS);
        client.connection.close();
        await endSocket(client.socket);
      }),
    );
    await closed;
    removeSocketFile(this.options.path);
  }

  /** Removes the socket file now (synchronous, for an exit hook). */
  removeSocketFile(): void {
    removeSocketFile(this.options.path);
  }

  private accept(socket: Socket): void {
    const { log } = this.options;
    socket.on('error', (error) => log.debug(`socket client: ${error.message}`));
    if (this.closing || this.clients.size >= this.maxConnections) {
      const message = this.closing
        ? 'the gateway is shutting down; connect again once it has restarted'
        : `too many connections: this gateway serves at most ${this.maxConnections} at once; close one and connect again`;
      const refusal: ErrorResponse = { type: 'error', ok: false, code: 'busy', error: message };
      socket.end(serializeLine(refusal));
      log.warn(`refused a socket client: ${message}`);
      return;
    }
    let inputPaused = false;
    const writeLine = batchedWriter(socket);
    const connection = new RpcConnection({
      gateway: this.options.gateway,
      log,
      write: (line) => {
        if (socket.destroyed) return; // gone: nothing to write to
        const flowing = writeLine(line);
        if (socket.writableLength > this.maxPendingBytes) {
          log.warn(`disconnected a socket client that stopped reading: ${socket.writableLength} bytes of output pending, over the ${this.maxPendingBytes}-byte limit`);
          connection.close();
          socket.destroy();
          return;
        }
        if (!flowing && !inputPaused) {
          inputPaused = true; // the client is not keeping up: stop reading its requests until it drains
          socket.pause();
          socket.once('drain', () => {
            inputPaused = false;
            socket.resume();
          });
        }
      },
    });
    const client: Client = { socket, connection };
    this.clients.add(client);
    const reader = new JsonlReader((frame) => connection.handleFrame(frame), this.options.maxLineBytes);
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('end', () => {
      reader.end(); // a last line without LF still counts
      void connection.whenIdle().then(() => socket.end()); // every answer written, then we are done too
    });
    socket.on('close', () => {
      connection.close();
      this.clients.delete(client);
    });
  }
}

/**
 * Removes a socket file left by a gateway that is gone. Refuses (with the path
 * and the fix) when something still answers there or the file is not a socket.
 */
async function removeStaleSocket(path: string): Promise<void> {
  if (process.platform === 'win32') return; // a pipe disappears with its server
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new ListenError(`${path} exists and is not a socket; remove it or give another path with --listen PATH`);
  if (await answers(path)) throw new ListenError(`another process is listening on ${path}; give another path with --listen PATH`);
  unlinkSync(path);
}

/** True when something accepts connections on `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net().createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function removeSocketFile(path: string): void {
  if (process.platform === 'win32') return; // pipes are not files
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function endSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, CLOSE_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('finish', done); // our last line is with the OS; the client may keep its end open
    socket.once('close', done);
    socket.end();
  });
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
