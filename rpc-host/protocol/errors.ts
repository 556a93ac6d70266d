/**
 * Wire errors: failures a client caused or should hear about, each with a code;
 * and the one place where a thrown value becomes text.
 *
 * Kept apart from local (bug) errors on purpose: a `ProtocolError` becomes an
 * `{"type":"error","code":…}` line as is, while any other thrown value is a bug in
 * the host and is reported as `internal` (and logged with its stack on stderr).
 * `errorMessage` and `errorStack` turn any thrown value into text (as VS Code's
 * `toErrorMessage`), for the host and for main/ alike, instead of
 * `(error as Error).message` casts that break on a thrown string or `undefined`.
 */
import type { z } from 'zod';
import type { ErrorCode } from './schemas.js';

/** An error that is answered on the wire with its code and message. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** True when `value` is a wire error rather than a bug. */
export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}

/**
 * The message of a thrown value, as text.
 *
 * An `Error` (or anything with a string `message`, such as an error from another
 * realm) gives its message; anything else (a thrown string, `undefined`) its
 * `String()`.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = isObject(error) ? error.message : undefined;
  return typeof message === 'string' ? message : String(error);
}

/**
 * The stack of a thrown value, for logging a bug.
 *
 * The stack when there is one (it starts with the name and message), else
 * `String(error)`.
 */
export function errorStack(error: unknown): string {
  const stack = isObject(error) ? error.stack : undefined;
  return typeof stack === 'string' ? stack : String(error);
}

function isObject(value: unknown): value is { message?: unknown; stack?: unknown } {
  return typeof value === 'object' && value !== null;
}

/**
 * Turns zod issues into one sentence that names the field, what was expected and
 * what came: `field "thinking": expected one of "off"|"low"…, got "max"`.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], subject = 'request'): string {
  return issues.slice(0, 3).map((issue) => describeIssue(issue, subject)).join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '');
}

function describeIssue(issue: z.core.$ZodIssue, subject: string): string {
  const field = issue.path.length > 0 ? `field "${issue.path.map(String).join('.')}"` : subject;
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return `missing ${field} (expected ${issue.expected})`;
  }
  return `${field}: ${lowerFirst(issue.message)}`;
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}
