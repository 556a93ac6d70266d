/**
 * The stdio adapter of `tether rpc`: the only code that touches process.stdin/stdout.
 *
 * It wires stdin through the JSONL reader into an `RpcConnection` and writes its
 * lines to stdout, batching the lines of one turn of the event loop into one write. Flow control:
 * when stdout is backed up (the client is not reading), stdin is paused until it
 * drains, so a slow reader cannot make the host buffer without bound. On stdin EOF,
 * SIGTERM or SIGINT it lets in-flight runs finish within the grace period (aborting
 * what is left), answers everything, waits for stdout to drain and exits 0.
 *
 * With a claimed socket (`--listen`) the same gateway also serves the socket's
 * clients (listen/), and shutdown answers and disconnects them too.
 * On start it reaps the `command` provider trees an earlier gateway on this data dir
 * left running when it died (see `process-tree/tree-records.ts`).
 */
import { JsonlReader } from './protocol/jsonl.js';
import { Gateway } from './core/gateway.js';
import type { GatewayConfig } from './core/config.js';
import { RpcConnection } from './rpc-connection.js';
import { batchedWriter } from './batched-writer.js';
import { createLogger } from './log.js';
import { errorMessage, errorStack } from './protocol/errors.js';
import { serveSocket, warnIfServed, type SocketClaim, type SocketService } from './listen/socket-service.js';
import { reapOrphanedTrees, treeRecordsDir } from './process-tree/tree-records.js';

/** Longest we wait for a client to read our last lines before exiting anyway. */
const STDOUT_FLUSH_TIMEOUT_MS = 5000;

/** Runs the RPC host on this process's stdin/stdout (and the claimed socket) until EOF or a signal. */
export async function runStdioHost(config: GatewayConfig, socket?: SocketClaim): Promise<void> {
  const log = createLogger('tether rpc');
  if (socket === undefined) warnIfServed(config.dataDir, log);
  const stdin = process.stdin;
  const stdout = process.stdout;
  keepStdoutForProtocol();

  // Signals go out at once; the wait for the trees to be gone does not hold up requests.
  reapOrphanedTrees(treeRecordsDir(config.dataDir), log).catch((error: unknown) => log.error(`reaping orphaned process trees failed (a bug): ${errorStack(error)}`));
  const gateway = new Gateway({ config, longLived: true, sendSource: 'rpc', log });
  let inputPaused = false;
  const writeLine = batchedWriter(stdout);
  const connection = new RpcConnection({
    gateway,
    log,
    seesAllApprovals: true, // stdio is the app's pipe: it answers the approvals of socket clients too
    write(line) {
      if (!writeLine(line) && !inputPaused) {
        inputPaused = true; // the client is not keeping up: stop reading until stdout drains
        stdin.pause();
        stdout.once('drain', () => {
          inputPaused = false;
          if (!shuttingDown) stdin.resume();
        });
      }
    },
  });
  const reader = new JsonlReader((frame) => connection.handleFrame(frame), config.maxLineBytes);
  let service: SocketService | undefined;
  if (socket !== undefined) {
    try {
      service = await serveSocket(socket, gateway, { maxLineBytes: config.maxLineBytes, log });
    } catch (error) {
      await gateway.shutdown(0);
      throw error;
    }
  }

  let shuttingDown = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (shuttingDown) return; // already on the way out
    shuttingDown = true;
    log.info(`shutting down: ${reason}`);
    stdin.pause();
    await gateway.shutdown(config.shutdownGraceMs);
    await connection.whenIdle();
    await service?.close().catch((error: unknown) => log.error(`closing the socket: ${errorMessage(error)}`));
    connection.close();
    await drain(stdout);
    process.exit(0);
  };

  stdin.on('data', (chunk: Buffer) => {
    if (!shuttingDown) reader.push(chunk);
  });
  stdin.on('end', () => {
    reader.end();
    void shutdown('stdin closed');
  });
  stdin.on('error', (error) => void shutdown(`stdin error: ${error.message}`));
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    // EPIPE: the client went away; nobody is left to answer.
    log.warn(`stdout error (${error.code ?? error.message}); exiting`);
    gateway.store.flush();
    process.exit(0);
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => {
    log.error(`bug: unhandled rejection: ${errorStack(reason)}`);
  });

  log.info(`ready: pid ${process.pid}, provider ${config.provider}, data ${config.dataDir}`);
  if (stdin.isTTY) {
    process.stderr.write(
      'tether rpc reads one JSON request per line on stdin and answers on stdout. Try:\n' +
        '  {"type":"status"}\n  {"type":"send","text":"hello"}\n' +
        'Press Ctrl+D to finish.\n',
    );
  }
}

/** Sends stray console output to stderr: stdout carries protocol lines only. */
function keepStdoutForProtocol(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/** Waits until everything written to `stream` has been handed to the OS. */
function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) return resolve();
    const timer = setTimeout(resolve, STDOUT_FLUSH_TIMEOUT_MS);
    stream.write('', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
