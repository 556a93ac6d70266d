/**
 * JSON Schema of the wire protocol, generated from the zod schemas.
 *
 * The generated document is checked in as `docs/protocol.schema.json` so that
 * clients in other languages can validate against it; a test regenerates it and
 * fails when the checked-in copy has drifted (`npm run schema` rewrites it).
 */
import * as z from 'zod';
import { PROTOCOL_VERSION, RequestSchema, RESULT_PAYLOAD_SCHEMAS, ErrorResponseSchema, EventSchema, ResultResponseSchema } from './schemas.js';

/** Builds the protocol's JSON Schema document (deterministic: same schemas, same text). */
export function buildProtocolJsonSchema(): Record<string, unknown> {
  const payloads = Object.fromEntries(
    Object.entries(RESULT_PAYLOAD_SCHEMAS).map(([type, schema]) => [type, toSchema(schema, 'output')]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `tether rpc wire protocol, version ${PROTOCOL_VERSION}`,
    description: 'Newline-delimited JSON over stdin/stdout. Generated from rpc-host/protocol/schemas.ts; do not edit by hand (npm run schema).',
    protocol: PROTOCOL_VERSION,
    request: toSchema(RequestSchema, 'input'),
    result: toSchema(ResultResponseSchema, 'output'),
    resultPayloads: payloads,
    error: toSchema(ErrorResponseSchema, 'output'),
    event: toSchema(EventSchema, 'output'),
  };
}

/** The schema document as it is written to disk. */
export function renderProtocolJsonSchema(): string {
  return JSON.stringify(buildProtocolJsonSchema(), null, 2) + '\n';
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'throw' }) as Record<string, unknown>;
  return rest;
}
