/**
 * Assertions on wire lines read from a real child: a result of a given request
 * type (payload validated by `RESULT_PAYLOAD_SCHEMAS`), an error (validated by
 * `ErrorResponseSchema`) and events (validated by `EventSchema`). Each returns the
 * typed, parsed value so tests read fields without casts.
 */
import { expect } from 'vitest';
import {
  ErrorResponseSchema,
  EventSchema,
  RESULT_PAYLOAD_SCHEMAS,
  type ErrorResponse,
  type EventName,
  type EventPayloadOf,
  type RequestType,
  type ResultPayloadOf,
} from '../../rpc-host/protocol/schemas.js';
import type { WireMessage } from './rpc-child.js';

/** Asserts `message` is a successful result and returns its payload, parsed by the schema of `type`. */
export function expectResult<T extends RequestType>(type: T, message: WireMessage): ResultPayloadOf<T> {
  expect(message, `expected a ${type} result, got ${JSON.stringify(message).slice(0, 500)}`).toMatchObject({ type: 'result', ok: true });
  const parsed = RESULT_PAYLOAD_SCHEMAS[type].safeParse(message.payload);
  if (!parsed.success) throw new Error(`${type} payload does not match its schema: ${parsed.error.message}\n${JSON.stringify(message.payload)}`);
  return parsed.data as ResultPayloadOf<T>;
}

/** Asserts `message` is an error line (optionally with this code) and returns it parsed. */
export function expectError(message: WireMessage, code?: ErrorResponse['code']): ErrorResponse {
  const parsed = ErrorResponseSchema.safeParse(message);
  if (!parsed.success) throw new Error(`not an error line: ${JSON.stringify(message).slice(0, 500)} (${parsed.error.message})`);
  if (code !== undefined) expect(parsed.data.code, parsed.data.error).toBe(code);
  return parsed.data;
}

/** Asserts `message` is the named event and returns its payload, parsed by `EventSchema`. */
export function expectEvent<N extends EventName>(name: N, message: WireMessage): EventPayloadOf<N> {
  const parsed = EventSchema.safeParse(message);
  if (!parsed.success) throw new Error(`not a valid event line: ${JSON.stringify(message).slice(0, 500)} (${parsed.error.message})`);
  expect(parsed.data.event).toBe(name);
  return parsed.data.payload as EventPayloadOf<N>;
}

/** Predicate: the named event, optionally only those carrying this request id. */
export function isEvent(name: EventName, id?: string | number): (message: WireMessage) => boolean {
  return (message) => message.type === 'event' && message.event === name && (id === undefined || message.id === id);
}

/** Predicate: an event of a run (by its payload's runId). */
export function isRunEvent(name: EventName, runId: string): (message: WireMessage) => boolean {
  return (message) => message.type === 'event' && message.event === name && message.payload?.runId === runId;
}
