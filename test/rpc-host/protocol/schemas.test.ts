/**
 * Wire schemas: every example line of the seed contract validates verbatim, the
 * seed's response shapes are outbound messages, and session keys follow their
 * rules (length, no "/", "\" or control characters; phone numbers and unicode fine).
 */
import { describe, expect, it } from 'vitest';
import {
  ErrorResponseSchema,
  OutboundMessageSchema,
  REQUEST_SCHEMAS,
  REQUEST_TYPES,
  RESULT_PAYLOAD_SCHEMAS,
  RequestSchema,
  SessionKeySchema,
} from '../../../rpc-host/protocol/schemas.js';

/** The request lines of rpc-contract-seed.md, exactly as written there. */
const SEED_REQUEST_LINES = [
  '{"type":"status"}',
  '{"type":"send","text":"hi","session":"main","thinking":"low","deliver":false,"to":"+1555..."}',
  '{"type":"set-heartbeats","enabled":true}',
  '{"type":"set-heartbeats","enabled":false}',
];

describe('seed contract requests', () => {
  it.each(SEED_REQUEST_LINES)('%s validates verbatim, with nothing dropped', (line) => {
    const value: unknown = JSON.parse(line);
    const result = RequestSchema.safeParse(value);
    expect(result.success).toBe(true);
    expect(result.data).toEqual(value);
  });

  it('validates each seed line against its own per-type schema too', () => {
    for (const line of SEED_REQUEST_LINES) {
      const value = JSON.parse(line) as { type: keyof typeof REQUEST_SCHEMAS };
      expect(REQUEST_SCHEMAS[value.type].safeParse(value).success, line).toBe(true);
    }
  });

  it('has a per-type request schema and a result payload schema for every request type', () => {
    expect([...REQUEST_TYPES].sort()).toEqual(Object.keys(RESULT_PAYLOAD_SCHEMAS).sort());
  });
});

describe('seed contract responses', () => {
  it('accepts the seed result shape as an outbound message', () => {
    expect(OutboundMessageSchema.safeParse({ type: 'result', ok: true, payload: { payloads: [{ text: 'hi' }] } }).success).toBe(true);
  });

  it('error lines keep the seed `error` string and add ok:false and a code', () => {
    const line = { type: 'error', ok: false, code: 'unknown_type', error: 'unsupported command: frobnicate' };
    expect(ErrorResponseSchema.parse(line)).toEqual(line);
    expect(ErrorResponseSchema.safeParse({ ...line, code: 'nope' }).success).toBe(false);
  });
});

describe('SessionKeySchema', () => {
  it.each(['main', '+15551234567', 'Main', 'a.b', '.hidden', 'con', 'café', '会话', '🙂 chat', 'a'.repeat(128), 'with space', 'x:y'])(
    'accepts %j',
    (key) => {
      expect(SessionKeySchema.safeParse(key).success).toBe(true);
    },
  );

  it.each([
    ['', 'must not be empty'],
    ['a'.repeat(129), 'at most 128'],
    ['a/b', '"/"'],
    ['/', '"/"'],
    ['..\\x', '"\\"'],
    ['tab\there', 'control'],
    ['nl\n', 'control'],
    ['nul\u0000', 'control'],
    ['del\u007f', 'control'],
    ['esc\u001b[0m', 'control'],
  ])('refuses %j (%s)', (key, why) => {
    const result = SessionKeySchema.safeParse(key);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(why);
  });

  it('applies to the session field of requests', () => {
    expect(RequestSchema.safeParse({ type: 'send', text: 'hi', session: 'a/b' }).success).toBe(false);
    expect(RequestSchema.safeParse({ type: 'history', session: '+15551234567' }).success).toBe(true);
  });
});
