/**
 * Wire errors: failures a client caused or should hear about, each with a code.
 *
 * Kept apart from local (bug) errors on purpose: a `ProtocolError` becomes an
 * `{"type":"error","code":…}` line as is, while any other thrown value is a bug in
 * the host and is reported as `internal` (and logged with its stack on stderr).
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
