/**
 * A tiny stderr logger: stdout belongs to the protocol, so every log line goes here.
 *
 * Lines look like `2026-11-23T10:00:00.000Z tether rpc warn: message`. The level is
 * set with `TETHER_LOG` (`debug`, `info`, `warn`, `error`, `silent`; default `info`).
 */
const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type Level = (typeof LEVELS)[number];

/** A named logger. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

function threshold(): number {
  const wanted = (process.env.TETHER_LOG ?? 'info').toLowerCase() as Level;
  const index = LEVELS.indexOf(wanted);
  return index === -1 ? 1 : index;
}

/** Creates a logger that writes to stderr (or `sink`, for tests). */
export function createLogger(name: string, sink: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const min = threshold();
  const at = (level: Exclude<Level, 'silent'>) => (message: string) => {
    if (LEVELS.indexOf(level) < min) return; // below the configured level
    sink(`${new Date().toISOString()} ${name} ${level}: ${message}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (tests, one-shot runs that must stay quiet). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
