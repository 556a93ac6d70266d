/**
 * Where the gateway's socket lives and whether it is safe to listen there.
 *
 * The socket is the gateway's front door for every process of the user (the app,
 * `tether agent`, scripts), so only the user may reach it: it must sit in a folder
 * nobody else can write (else another user could swap the socket for their own)
 * and is itself 0600. The default, `<data dir>/run/gateway.sock`, is created that
 * way; a path given with `--listen PATH` is checked the same way. Windows has no
 * such paths: a named pipe derived from the data dir takes their place.
 */
import type * as Crypto from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/config-error.js';
import { lazyBuiltin } from '../lazy-builtin.js';

const crypto = lazyBuiltin<typeof Crypto>('node:crypto');

/** A socket path that cannot be listened on; exit code 1 like any configuration error. */
export class ListenError extends ConfigError {}

/** The folder under the data dir for the socket and the lock. */
export function runDir(dataDir: string): string {
  return join(dataDir, 'run');
}

/** The default socket of the gateway serving `dataDir`. */
export function defaultSocketPath(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    // Named pipes live in their own namespace: one per data dir, named after its path.
    const digest = crypto().createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
    return `\\\\.\\pipe\\tether-gateway-${digest}`;
  }
  return join(runDir(dataDir), 'gateway.sock');
}

/**
 * The longest Unix socket path, in bytes: `sun_path` holds 108 bytes on Linux and
 * 104 on macOS and the BSDs, one of them the terminating NUL.
 */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

/** Throws a `ListenError` naming `--listen PATH` when the path is too long for a Unix socket. */
export function checkSocketPathLength(path: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return; // a pipe name, not a file path
  const bytes = Buffer.byteLength(path, 'utf8');
  const max = maxSocketPathBytes(platform);
  if (bytes <= max) return;
  throw new ListenError(
    `the socket path ${path} is ${bytes} bytes, over the ${max}-byte limit of Unix sockets on this system (a long data dir makes a long default); give a shorter one with --listen PATH, e.g. --listen /run/user/${process.getuid?.() ?? 1000}/tether.sock`,
  );
}

/**
 * Makes sure the socket's folder exists and only this user can write it.
 *
 * A missing folder is created 0700. An existing one must belong to this user and
 * be writable by nobody else (no group or other write bit): otherwise someone else
 * could replace the socket, and the gateway refuses to listen.
 */
export function prepareSocketFolder(socketPath: string): void {
  if (process.platform === 'win32') return; // pipes are not files
  const folder = dirname(socketPath);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stat = statSync(folder);
  if (!stat.isDirectory()) throw new ListenError(`${folder} is not a folder; give another socket path with --listen PATH`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new ListenError(`the socket folder ${folder} belongs to uid ${stat.uid}, not to you (uid ${uid}); give a folder of your own with --listen PATH`);
  }
  const mode = stat.mode & 0o777;
  if ((mode & 0o022) !== 0) {
    throw new ListenError(
      `the socket folder ${folder} can be written by others (mode ${mode.toString(8).padStart(4, '0')}), who could replace the socket; run chmod 700 ${folder}, or give another folder with --listen PATH`,
    );
  }
}
