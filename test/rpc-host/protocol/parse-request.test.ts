/**
 * `parseRequestLine` / `validateRequest`: each kind of bad line gets the right
 * error code and a message naming the problem (UTF-8, blank, JSON, not an object,
 * `type`, fields), the id is echoed when it can be, and unknown fields are stripped.
 */
import { describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '../../../rpc-host/protocol/errors.js';
import { parseRequestLine, validateRequest, type ParsedLine } from '../../../rpc-host/protocol/parse-request.js';
import { REQUEST_SCHEMAS, type RequestType } from '../../../rpc-host/protocol/requests.js';

const parse = (text: string, lineNumber?: number): ParsedLine => parseRequestLine(Buffer.from(text, 'utf8'), lineNumber);

/** The error of a rejected line (fails the test if it was accepted). */
function rejection(result: ParsedLine): { code: string; message: string; id: unknown; hasId: boolean } {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.request)}`);
  expect(result.error).toBeInstanceOf(ProtocolError);
  return { code: result.error.code, message: result.error.message, id: result.id, hasId: 'id' in result };
}

describe('parseRequestLine', () => {
  it('accepts the seed status request', () => {
    expect(parse('{"type":"status"}')).toEqual({ ok: true, request: { type: 'status' } });
  });

  it('refuses invalid UTF-8 as parse_error saying UTF-8 and naming the line', () => {
    const error = rejection(parseRequestLine(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 7));
    expect(error.code).toBe('parse_error');
    expect(error.message).toMatch(/UTF-8/);
    expect(error.message).toContain('line 7');
  });

  it('refuses a truncated multi-byte character as invalid UTF-8', () => {
    const euro = Buffer.from('{"type":"send","text":"€"}', 'utf8');
    const cut = Buffer.concat([euro.subarray(0, 23), euro.subarray(24)]); // drop the middle byte of €
    expect(rejection(parseRequestLine(cut))).toMatchObject({ code: 'parse_error', message: expect.stringMatching(/UTF-8/) });
  });

  it.each(['', '   ', '\t', ' \r '])('refuses a blank line %j as parse_error', (line) => {
    const error = rejection(parse(line, 3));
    expect(error.code).toBe('parse_error');
    expect(error.message).toMatch(/line 3 is blank/);
  });

  it.each(['{"type":"status"', "{'type':'status'}", 'status', '{"type":"status"} x'])('refuses invalid JSON %j as parse_error', (line) => {
    const error = rejection(parse(line));
    expect(error.code).toBe('parse_error');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it.each([
    ['garbage line 17 that is not json', '"garbage line"…'],
    ['  \t<html>', '"<html>"'],
    ['tru', '"tru"'],
    ["'status'", `"'status'"`],
  ])('refuses %j, which no JSON value can start like, without a thrown SyntaxError, showing how it begins', (line, begins) => {
    // A flood of such lines, each throwing inside JSON.parse, filled V8's old generation (issue 17).
    const parseSpy = vi.spyOn(JSON, 'parse');
    try {
      const error = rejection(parse(line, 4));
      expect(error.code).toBe('parse_error');
      expect(error.message).toBe(`line 4 is not valid JSON (it begins ${begins}): expected one JSON object per line, e.g. {"type":"status"}`);
      expect(parseSpy).not.toHaveBeenCalled();
    } finally {
      parseSpy.mockRestore();
    }
  });

  it.each([
    ['[]', 'an array'],
    ['[{"type":"status"}]', 'an array'],
    ['null', 'null'],
    ['42', 'number'],
    ['"status"', 'string'],
    ['true', 'boolean'],
  ])('refuses %s as invalid_request (not an object)', (line, got) => {
    const error = rejection(parse(line));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe(`a request must be a JSON object, got ${got}`);
  });

  it('refuses a missing type, naming the field', () => {
    const error = rejection(parse('{"text":"hi"}'));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/missing field "type"/);
  });

  it.each(['3', 'null', '["send"]', '{"name":"send"}'])('refuses a non-string type %s', (type) => {
    const error = rejection(parse(`{"type":${type}}`));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('field "type" must be a string');
  });

  it('answers an unknown type with unknown_type and exactly "unsupported command: <type>"', () => {
    const error = rejection(parse('{"type":"frobnicate"}'));
    expect(error.code).toBe('unknown_type');
    expect(error.message).toBe('unsupported command: frobnicate');
    expect(error.hasId).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('treats the inherited name %s as an unknown type', (type) => {
    expect(rejection(parse(JSON.stringify({ type })))).toMatchObject({ code: 'unknown_type', message: `unsupported command: ${type}` });
  });

  it.each([
    ['{"type":"send","text":"hi","thinking":"max"}', '"thinking"'],
    ['{"type":"send","text":"hi","thinking":1}', '"thinking"'],
    ['{"type":"set-heartbeats","enabled":"yes"}', '"enabled"'],
    ['{"type":"set-heartbeats"}', '"enabled"'],
    ['{"type":"send","text":5}', '"text"'],
    ['{"type":"send"}', '"text"'],
    ['{"type":"send","text":""}', '"text"'],
    ['{"type":"send","text":"hi","deliver":"yes"}', '"deliver"'],
    ['{"type":"send","text":"hi","session":""}', '"session"'],
    ['{"type":"history","session":"main","limit":0}', '"limit"'],
    ['{"type":"history","session":"main","before":-1}', '"before"'],
    ['{"type":"status","verbose":"yes"}', '"verbose"'],
    ['{"type":"hello","protocol":"1"}', '"protocol"'],
    ['{"type":"hello","protocol":1,"events":["reply","bogus"]}', '"events.1"'],
    ['{"type":"compact"}', '"session"'],
  ])('names the bad field of %s', (line, field) => {
    const error = rejection(parse(line));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain(`field ${field}`);
  });

  it('says which values a bad enum accepts', () => {
    expect(rejection(parse('{"type":"send","text":"hi","thinking":"max"}')).message).toMatch(/"off".*"minimal".*"low".*"medium".*"high"/);
  });

  it.each([
    ['{"type":"send","id":"r-1","text":5}', 'r-1', 'invalid_request'],
    ['{"type":"send","id":42,"thinking":"max","text":"hi"}', 42, 'invalid_request'],
    ['{"type":"frobnicate","id":"x"}', 'x', 'unknown_type'],
    ['{"id":0}', 0, 'invalid_request'],
    ['{"id":"z","type":true}', 'z', 'invalid_request'],
  ])('echoes a valid id on a rejected request: %s', (line, id, code) => {
    const error = rejection(parse(line));
    expect(error.code).toBe(code);
    expect(error.hasId).toBe(true);
    expect(error.id).toBe(id);
  });

  it.each(['{"type":"status","id":{"n":1}}', '{"type":"status","id":null}', '{"type":"status","id":true}', '{"type":"status","id":1e400}', `{"type":"status","id":"${'i'.repeat(257)}"}`])(
    'refuses a bad id %s as invalid_request without echoing it',
    (line) => {
      const error = rejection(parse(line));
      expect(error.code).toBe('invalid_request');
      expect(error.message).toContain('field "id"');
      expect(error.hasId).toBe(false);
    },
  );

  it('accepts string and number ids and keeps them', () => {
    expect(parse('{"type":"status","id":"abc"}')).toEqual({ ok: true, request: { type: 'status', id: 'abc' } });
    expect(parse('{"type":"status","id":-1.5}')).toEqual({ ok: true, request: { type: 'status', id: -1.5 } });
  });

  it('strips unknown extra fields and keeps the known ones', () => {
    const result = parse('{"type":"send","text":"hi","future":{"x":1},"session":"s","priority":9}');
    expect(result).toEqual({ ok: true, request: { type: 'send', text: 'hi', session: 's' } });
  });

  it('accepts U+2028 inside a string and a leading byte order mark', () => {
    expect(parse('{"type":"send","text":"a\u2028b"}')).toEqual({ ok: true, request: { type: 'send', text: 'a\u2028b' } });
    expect(parse('\ufeff{"type":"status"}').ok).toBe(true);
  });
});

describe('validateRequest', () => {
  it('validates already-parsed values the same way', () => {
    expect(validateRequest({ type: 'set-heartbeats', enabled: false })).toEqual({ ok: true, request: { type: 'set-heartbeats', enabled: false } });
    expect(rejection(validateRequest(undefined))).toMatchObject({ code: 'invalid_request', message: 'a request must be a JSON object, got undefined' });
  });

  // A request with nothing but its type (and id) is checked once per type and reused.
  it.each(Object.keys(REQUEST_SCHEMAS) as RequestType[])('answers a bare %s request as its schema does, on every call', (type) => {
    const bySchema = REQUEST_SCHEMAS[type].safeParse({ type, id: 7 });
    for (const id of [7, 7, undefined]) {
      const result = validateRequest(id === undefined ? { type } : { type, id });
      if (bySchema.success) {
        expect(result).toEqual({ ok: true, request: id === undefined ? { type } : bySchema.data });
      } else {
        const error = rejection(result);
        expect(error).toMatchObject({ code: 'invalid_request', id });
        expect(error.message).toMatch(new RegExp(`^invalid ${type} request: `));
        expect(error.hasId).toBe(id !== undefined);
      }
    }
  });

  it('gives each bare request an object of its own', () => {
    const first = validateRequest({ type: 'status', id: 1 });
    const second = validateRequest({ type: 'status', id: 2 });
    expect(first.ok && second.ok && first.request !== second.request).toBe(true);
    if (first.ok) (first.request as { verbose?: boolean }).verbose = true;
    expect(validateRequest({ type: 'status' })).toEqual({ ok: true, request: { type: 'status' } });
  });
});
