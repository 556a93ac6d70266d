/**
 * The app's log file: one line per entry, rotated by size, so "Open Logs" always
 * finds a readable, bounded history.
 *
 * `main.log` grows to `maxBytes`, then becomes `main.log.1` (the older ones shift up
 * and the oldest beyond `keep` is dropped). Writes are synchronous appends to an
 * open descriptor: the main process logs a few lines a minute, a crash must not lose
 * the line that explains it, and a sync append of a short line costs microseconds.
 * A log that cannot be written is not worth crashing for: the error goes to stderr
 * once and logging carries on there.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, fstatSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../rpc-host/protocol/errors.js';
import type { Logger } from '../../rpc-host/shared.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface FileLoggerOptions {
  dir: string;
  fileName?: string;
  /** Size at which the file is rotated. Default 1 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one. Default 3. */
  keep?: number;
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Also write every entry here (e.g. stderr while developing). */
  tee?: (line: string) => void;
}

/** A logger that writes to a rotating file; `path` is the current file. */
export interface FileLogger extends Logger {
  readonly path: string;
  close(): void;
}

export function createFileLogger(options: FileLoggerOptions): FileLogger {
  const fileName = options.fileName ?? 'main.log';
  const path = join(options.dir, fileName);
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const keep = options.keep ?? 3;
  const min = LEVELS.indexOf(options.level ?? 'info');
  let fd: number | undefined;
  let size = 0;
  let broken = false;

  const open = () => {
    mkdirSync(options.dir, { recursive: true });
    fd = openSync(path, 'a', 0o600);
    size = fstatSync(fd).size;
  };
  const rotate = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(`${path}.${keep}`, { force: true });
    for (let index = keep - 1; index >= 1; index--) renameIfExists(`${path}.${index}`, `${path}.${index + 1}`);
    renameIfExists(path, keep >= 1 ? `${path}.1` : `${path}.drop`);
    if (keep < 1) rmSync(`${path}.drop`, { force: true });
    open();
  };
  const write = (level: LogLevel, message: string) => {
    if (LEVELS.indexOf(level) < min) return; // below the configured level
    const line = `${new Date().toISOString()} ${level}: ${message}\n`;
    options.tee?.(line);
    if (broken) {
      if (!options.tee) process.stderr.write(line); // the file is out: stderr keeps the history
      return;
    }
    try {
      if (fd === undefined) open();
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > maxBytes) rotate();
      size += writeSync(fd!, line);
    } catch (error) {
      broken = true;
      process.stderr.write(`tether: cannot write the log file ${path} (${errorMessage(error)}); logging to stderr only\n`);
      if (!options.tee) process.stderr.write(line);
    }
  };
  return {
    path,
    debug: (message) => write('debug', message),
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // ENOENT: nothing to shift
  }
}
