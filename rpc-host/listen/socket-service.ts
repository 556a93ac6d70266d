/**
 * `tether rpc --listen`: the data dir claimed for one gateway, then served on its socket.
 *
 * Claiming comes first, before the gateway starts anything: the path is checked
 * (length, a folder only this user can write) and the data dir's lock taken, so a
 * second gateway stops before it runs a heartbeat or touches a transcript. Serving
 * then opens the socket over the running gateway and has it announce writes from
 * outside. Closing answers the socket's clients, removes the socket and releases
 * the lock; an exit hook does the last two if the process leaves another way.
 */
import type { Gateway } from '../core/gateway.js';
import type { Logger } from '../log.js';
import { acquireGatewayLock, findServingGateway, type GatewayLock } from './gateway-lock.js';
import { checkSocketPathLength, prepareSocketFolder } from './socket-path.js';
import { SocketServer } from './socket-server.js';

/** A data dir claimed for this gateway, and the checked socket path. */
export interface SocketClaim {
  path: string;
  lock: GatewayLock;
}

/**
 * Checks the socket path and takes the data dir's lock.
 *
 * Throws `ListenError` for a path that cannot be used and
 * `GatewayAlreadyServingError` when another live gateway serves the data dir.
 */
export function claimSocket(dataDir: string, path: string): SocketClaim {
  checkSocketPathLength(path);
  prepareSocketFolder(path);
  return { path, lock: acquireGatewayLock(dataDir, path) };
}

/** The socket of a serving gateway. */
export interface SocketService {
  readonly server: SocketServer;
  /** Answers and disconnects the clients, removes the socket and releases the lock. */
  close(): Promise<void>;
}

/** Opens the claimed socket over `gateway`; on failure the claim is released and the error thrown. */
export async function serveSocket(claim: SocketClaim, gateway: Gateway, options: { maxLineBytes: number; log: Logger }): Promise<SocketService> {
  let server: SocketServer;
  try {
    server = await SocketServer.listen({ gateway, path: claim.path, maxLineBytes: options.maxLineBytes, log: options.log });
  } catch (error) {
    claim.lock.release();
    throw error;
  }
  const onExit = () => {
    server.removeSocketFile();
    claim.lock.release();
  };
  process.on('exit', onExit); // a process.exit elsewhere (stdout gone) must not leave a lock that looks held
  gateway.watchOutsideWrites();
  options.log.info(`listening on ${claim.path}`);
  return {
    server,
    async close() {
      await server.close();
      claim.lock.release();
      process.off('exit', onExit);
    },
  };
}

/** Warns when another gateway serves the data dir (a plain `tether rpc` runs beside it, as it always did). */
export function warnIfServed(dataDir: string, log: Logger): void {
  const serving = findServingGateway(dataDir);
  if (serving === undefined || serving.pid === process.pid) return; // nobody else serves it
  log.warn(
    `another gateway is serving ${dataDir} (pid ${serving.pid}, socket ${serving.socket}); this one runs beside it with its own queue and heartbeats. Connect to that socket instead, or stop it first`,
  );
}
