/**
 * The shared protocol vectors: the example lines of docs/protocol.md, extracted into
 * test/fixtures/protocol-vectors.jsonl, which the Python client's tests read too.
 *
 * The file must match the document (so an edited example reaches both test suites),
 * every output line must parse with the wire schemas (results with their request's
 * payload schema), and every request must validate exactly when the document shows
 * it answered with a result.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../../rpc-host/protocol/parse-request.js';
import {
  ErrorResponseSchema,
  EventSchema,
  REQUEST_TYPES,
  RESULT_PAYLOAD_SCHEMAS,
  ResultResponseSchema,
  type RequestType,
} from '../../../rpc-host/protocol/schemas.js';

interface Vector {
  doc: number;
  kind: 'request' | 'result' | 'error' | 'event';
  request?: string | null;
  answer?: string | null;
  line: string;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const vectors: Vector[] = readFileSync(new URL('test/fixtures/protocol-vectors.jsonl', `file://${root}`), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Vector);
const label = (vector: Vector) => `protocol.md:${vector.doc} ${vector.line.slice(0, 60)}`;
const ofKind = (kind: Vector['kind']) => vectors.filter((vector) => vector.kind === kind).map((vector) => [label(vector), vector] as const);

describe('protocol vectors from docs/protocol.md', () => {
  it('are up to date with the document (node scripts/protocol-vectors.mjs rewrites them)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/protocol-vectors.mjs', '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('cover every request type, event and response kind', () => {
    const requestTypes = new Set(vectors.filter((v) => v.kind === 'request').map((v) => (JSON.parse(v.line) as { type?: unknown }).type));
    for (const type of REQUEST_TYPES) expect(requestTypes).toContain(type);
    const events = new Set(vectors.filter((v) => v.kind === 'event').map((v) => (JSON.parse(v.line) as { event: string }).event));
    expect([...events].sort()).toEqual(['approval.requested', 'approval.resolved', 'delivery', 'heartbeat', 'reply', 'reply.delta', 'session.deleted', 'session.updated', 'tool.call', 'tool.result']);
    expect(vectors.filter((v) => v.kind === 'error').length).toBeGreaterThan(0);
  });

  it.each(ofKind('event'))('%s is an event', (_, vector) => {
    expect(EventSchema.safeParse(JSON.parse(vector.line)).error).toBeUndefined();
  });

  it.each(ofKind('error'))('%s is an error response', (_, vector) => {
    expect(ErrorResponseSchema.safeParse(JSON.parse(vector.line)).error).toBeUndefined();
  });

  it.each(ofKind('result'))('%s is a result, with its request type\'s payload', (_, vector) => {
    const parsed = ResultResponseSchema.parse(JSON.parse(vector.line));
    if (vector.request === null || vector.request === undefined) return; // the block shows the result alone
    const schema = RESULT_PAYLOAD_SCHEMAS[vector.request as RequestType];
    expect(schema).toBeDefined();
    expect(schema.safeParse(parsed.payload).error).toBeUndefined();
  });

  // invalid_request also covers what only the gateway can judge (an unknown model, a
  // reused key), so such a request may pass the schemas; a result never follows a
  // request the schemas refuse, and unknown_type is always the schemas' verdict.
  it.each(ofKind('request'))('%s validates when the document answers it with a result, and is refused with its code otherwise', (_, vector) => {
    const outcome = validateRequest(JSON.parse(vector.line));
    if (vector.answer === 'result') expect(outcome.ok).toBe(true);
    if (vector.answer === 'error:unknown_type') expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(`error:${outcome.error.code}`).toBe(vector.answer);
  });
});
