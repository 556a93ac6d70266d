/**
 * Local errors of the main-process core: what callers of the `Companion` (tray,
 * windows, web bridge) are told when a call cannot be served.
 *
 * Kept apart from the wire family (`ProtocolError` in `rpc-host/protocol`): a wire
 * error the gateway answered with arrives here as `gateway_error` carrying the wire
 * code in `wireCode`. Every instance is plain data underneath (`code`, `message`,
 * details), so it crosses the renderer bridge intact via `toJSON`.
 */
import type { ErrorCode } from '../../rpc-host/protocol/schemas.js';

/** Why a companion call failed. */
export type CompanionErrorCode =
  /** The gateway is not running and the call has no other path (fail fast). */
  | 'gateway_unavailable'
  /** The gateway process exited while the call was in flight. */
  | 'gateway_exited'
  /** The gateway gave no answer in time. */
  | 'timeout'
  /** The gateway answered with a wire error (see `wireCode`). */
  | 'gateway_error'
  /** The gateway answered with something that does not match the protocol. */
  | 'invalid_response'
  /** The caller's input was refused before anything was sent. */
  | 'invalid_request'
  /** The one-shot CLI fallback could not serve the send. */
  | 'fallback_failed'
  /** Settings could not be read or saved. */
  | 'settings_error'
  /** The companion was shut down. */
  | 'closed';

/** How a process ended. `spawnError` is set when it never started. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  spawnError?: string;
}

/**
 * How far a request got before the gateway died.
 *
 * `no`: the line never left the client (still queued for the child's stdin, or never
 * written); `maybe`: written to the child's stdin, with no sign of it since; `yes`:
 * an event of this request arrived (for a send: the gateway recorded its message).
 */
export type GatewayReach = 'no' | 'maybe' | 'yes';

/** Extra facts an error carries for the status view and logs. */
export interface CompanionErrorDetails {
  wireCode?: ErrorCode;
  exit?: ExitInfo;
  stderrTail?: readonly string[];
  /** A request the gateway exit cut short: how far it got (see `GatewayReach`). */
  reached?: GatewayReach;
  /** Every error of `send`: the idempotency key it went with, to send it again safely. */
  idempotencyKey?: string;
}

/** The message of every `closed` error. */
export const CLOSED_MESSAGE = 'the companion was shut down; create a new one';

/** A failure the user should hear about, with a code a UI can switch on. */
export class CompanionError extends Error {
  override readonly name = 'CompanionError';

  constructor(
    readonly code: CompanionErrorCode,
    message: string,
    readonly details: CompanionErrorDetails = {},
  ) {
    super(message);
  }

  /** Plain data for bridges and logs. */
  toJSON(): { code: CompanionErrorCode; message: string } & CompanionErrorDetails {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/** The same error (code and message) with more details; the original is left as it was. */
export function withDetails(error: CompanionError, extra: CompanionErrorDetails): CompanionError {
  return new CompanionError(error.code, error.message, { ...error.details, ...extra });
}

/** True when `value` is a `CompanionError` (optionally with the given code). */
export function isCompanionError(value: unknown, code?: CompanionErrorCode): value is CompanionError {
  return value instanceof CompanionError && (code === undefined || value.code === code);
}

/** `exit code 3`, `signal SIGKILL`, or `failed to start: spawn x ENOENT`. */
export function describeExit(exit: ExitInfo): string {
  if (exit.spawnError !== undefined) return `failed to start: ${exit.spawnError}`;
  if (exit.signal !== null) return `signal ${exit.signal}`;
  return `exit code ${exit.code ?? 'unknown'}`;
}

/** Appends the last stderr lines to a message, so crash reports say what the child said. */
export function withStderrTail(message: string, tail: readonly string[], lines = 5): string {
  const recent = tail.filter((line) => line.trim() !== '').slice(-lines);
  if (recent.length === 0) return message;
  return `${message}\ngateway stderr (last ${recent.length} line${recent.length === 1 ? '' : 's'}):\n${recent.map((line) => `  ${line}`).join('\n')}`;
}
