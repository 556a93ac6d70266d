/**
 * Turns one framed line into a typed request, or into a wire error that says
 * exactly what is wrong with it.
 *
 * The checks go from the outside in (UTF-8, JSON, object, `type`, fields) so the
 * message names the first real problem, and the request's `id` is recovered as
 * early as possible so that even a rejected request gets its id echoed back.
 */
import { ProtocolError, describeIssues, errorMessage } from './errors.js';
import { REQUEST_SCHEMAS, RequestIdSchema, type Request, type RequestId, type RequestType } from './requests.js';

/** A line that parsed, or the error to answer it with (and the id to echo, if any). */
export type ParsedLine = { ok: true; request: Request } | { ok: false; error: ProtocolError; id?: RequestId };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Requests are checked without zod's compiled parsers: compiling one per request
 * type at its first request costs a gateway's cold start more than it saves (CPU
 * per `status` and per `send` measured the same either way).
 */
const INTERPRETED = { jitless: true } as const;

/** How a JSON text can begin (after JSON's own whitespace): anything else is refused before parsing. */
const CAN_START_JSON = /^[ \t\r\n]*(?:[{["\-0-9]|true|false|null)/u;

/** Parses and validates one protocol line (without its LF). */
export function parseRequestLine(line: Uint8Array, lineNumber?: number): ParsedLine {
  const where = lineNumber === undefined ? 'line' : `line ${lineNumber}`;
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return fail('parse_error', `${where} is not valid UTF-8: send JSON text encoded as UTF-8`);
  }
  if (text.trim() === '') {
    return fail('parse_error', `${where} is blank: expected one JSON object per line`);
  }
  if (!CAN_START_JSON.test(text)) {
    // Refused without JSON.parse: under a flood of garbage lines, a SyntaxError thrown
    // for each one filled V8's old generation faster than it was collected (bench/flood.ts).
    return fail('parse_error', `${where} is not valid JSON (it begins ${quoteStart(text)}): expected one JSON object per line, e.g. {"type":"status"}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail('parse_error', `${where} is not valid JSON (${errorMessage(error)}): expected one JSON object per line`);
  }
  return validateRequest(value);
}

/** Validates an already-parsed JSON value as a request. */
export function validateRequest(value: unknown): ParsedLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return fail('invalid_request', `a request must be a JSON object, got ${got}`);
  }
  const record = value as Record<string, unknown>;
  const idResult = record.id === undefined ? undefined : RequestIdSchema.safeParse(record.id);
  const id = idResult?.success ? idResult.data : undefined;
  if (idResult && !idResult.success) {
    return fail('invalid_request', 'field "id" must be a string (at most 256 characters) or a finite number');
  }
  const type = record.type;
  if (type === undefined) {
    return fail('invalid_request', 'missing field "type": say what to do, e.g. {"type":"status"}', id);
  }
  if (typeof type !== 'string') {
    return fail('invalid_request', `field "type" must be a string, got ${JSON.stringify(type)}`, id);
  }
  if (!Object.hasOwn(REQUEST_SCHEMAS, type)) {
    return fail('unknown_type', `unsupported command: ${type}`, id);
  }
  if (isBare(record)) return bareRequest(type as RequestType, id);
  return checkFields(type as RequestType, value, id);
}

/** Checks a request's fields against its type's schema. */
function checkFields(type: RequestType, value: unknown, id: RequestId | undefined): ParsedLine {
  const result = REQUEST_SCHEMAS[type].safeParse(value, INTERPRETED);
  if (!result.success) {
    return fail('invalid_request', `invalid ${type} request: ${describeIssues(result.error.issues)}`, id);
  }
  return { ok: true, request: result.data };
}

/**
 * What a request that carries nothing but its `type` parses to, per type: checked by
 * the schema once, then reused. Most requests a busy client sends (`status`,
 * `sessions`, `models`) are bare, and their schema check was the largest part of
 * their cost after the syscalls.
 */
const bareRequests = new Map<RequestType, ParsedLine>();

/** Whether a request has no field but `type` and `id`. */
function isBare(record: Record<string, unknown>): boolean {
  for (const key in record) {
    if (key !== 'type' && key !== 'id') return false;
  }
  return true;
}

/** A bare request of `type` with `id` (already checked), as its schema would have parsed it. */
function bareRequest(type: RequestType, id: RequestId | undefined): ParsedLine {
  let bare = bareRequests.get(type);
  if (bare === undefined) {
    bare = checkFields(type, { type }, undefined);
    bareRequests.set(type, bare);
  }
  if (!bare.ok) return fail(bare.error.code, bare.error.message, id);
  // A copy each time: the gateway owns the request it is given.
  return { ok: true, request: (id === undefined ? { ...bare.request } : { ...bare.request, id }) as Request };
}

/** The first few characters of a line after JSON whitespace, quoted. */
function quoteStart(text: string): string {
  const start = text.replace(/^[ \t\r\n]+/u, '');
  return JSON.stringify(start.slice(0, 12)) + (start.length > 12 ? '…' : '');
}

function fail(code: ProtocolError['code'], message: string, id?: RequestId): ParsedLine {
  const error = new ProtocolError(code, message);
  return id === undefined ? { ok: false, error } : { ok: false, error, id };
}
