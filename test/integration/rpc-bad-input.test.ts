/**
 * Bad input through the real child: every malformed line (invalid JSON, valid JSON
 * of the wrong shape, unknown type, wrong field types, oversize, invalid UTF-8,
 * blank) gets exactly one error line and the host stays alive; framing edge cases
 * (CRLF, U+2028 inside a string, lines split across writes) work; and 10,000
 * seeded random garbage lines get exactly 10,000 errors with memory staying bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, startRpcChild, type RpcChild } from '../helpers/rpc-child.js';
import { expectError, expectResult } from '../helpers/wire-expect.js';
import { seededRandom } from '../helpers/seeded-random.js';

afterEach(cleanupRpcChildren);

/**
 * Writes `input` (one bad line, LF included), then an id-less status: FIFO order
 * means the answers after `from` must be exactly one error, then the status.
 */
async function expectOneErrorThenAlive(child: RpcChild, input: string | Buffer, code: string): Promise<string> {
  const from = child.responses.length;
  await child.writeRaw(input);
  child.expectIdlessAnswers(1);
  const status = await child.request({ type: 'status' });
  expectResult('status', status);
  const answers = child.responses.slice(from);
  expect(answers, `answers to ${JSON.stringify(String(input)).slice(0, 100)}`).toHaveLength(2);
  const error = expectError(answers[0]!, code as never);
  expect(error.id).toBeUndefined();
  expect(answers[1]).toBe(status);
  return error.error;
}

describe('malformed lines', () => {
  it('invalid JSON gets parse_error', async () => {
    const child = startRpcChild();
    expect(await expectOneErrorThenAlive(child, '{"type":\n', 'parse_error')).toMatch(/^line 1 is not valid JSON/);
    expect(await expectOneErrorThenAlive(child, "{'type':'status'}\n", 'parse_error')).toMatch(/^line 3 is not valid JSON/);
    expect(await expectOneErrorThenAlive(child, '{"type":"status"}}\n', 'parse_error')).toContain('not valid JSON');
    expect(child.nonJsonLines).toEqual([]);
  });

  it('valid JSON of the wrong shape gets invalid_request', async () => {
    const child = startRpcChild();
    expect(await expectOneErrorThenAlive(child, '[{"type":"status"}]\n', 'invalid_request')).toBe('a request must be a JSON object, got an array');
    expect(await expectOneErrorThenAlive(child, '42\n', 'invalid_request')).toBe('a request must be a JSON object, got number');
    expect(await expectOneErrorThenAlive(child, '"status"\n', 'invalid_request')).toBe('a request must be a JSON object, got string');
    expect(await expectOneErrorThenAlive(child, 'null\n', 'invalid_request')).toBe('a request must be a JSON object, got null');
    expect(await expectOneErrorThenAlive(child, '{}\n', 'invalid_request')).toContain('missing field "type"');
    expect(await expectOneErrorThenAlive(child, '{"text":"hi"}\n', 'invalid_request')).toContain('missing field "type"');
    expect(await expectOneErrorThenAlive(child, '{"type":42}\n', 'invalid_request')).toContain('field "type" must be a string');
  });

  it('an unknown type gets unknown_type naming it', async () => {
    const child = startRpcChild();
    expect(await expectOneErrorThenAlive(child, '{"type":"frobnicate"}\n', 'unknown_type')).toBe('unsupported command: frobnicate');
    expect(await expectOneErrorThenAlive(child, '{"type":"toString"}\n', 'unknown_type')).toBe('unsupported command: toString');
    expect(await expectOneErrorThenAlive(child, '{"type":"__proto__"}\n', 'unknown_type')).toBe('unsupported command: __proto__');
  });

  it('wrong field types get invalid_request naming the field', async () => {
    const child = startRpcChild();
    const cases: Array<[string, string]> = [
      ['{"type":"send","text":42}', '"text"'],
      ['{"type":"send"}', '"text"'],
      ['{"type":"send","text":""}', '"text"'],
      ['{"type":"send","text":"hi","thinking":"max"}', '"thinking"'],
      ['{"type":"send","text":"hi","session":"../etc"}', '"session"'],
      ['{"type":"send","text":"hi","deliver":"yes"}', '"deliver"'],
      ['{"type":"set-heartbeats","enabled":"true"}', '"enabled"'],
      ['{"type":"set-heartbeats"}', '"enabled"'],
      ['{"type":"status","verbose":1}', '"verbose"'],
      ['{"type":"history","session":"main","limit":0}', '"limit"'],
      ['{"type":"history"}', '"session"'],
      ['{"type":"compact","session":""}', '"session"'],
      ['{"type":"hello","protocol":"1"}', '"protocol"'],
      ['{"type":"status","id":{"nested":true}}', '"id"'],
    ];
    for (const [line, field] of cases) {
      expect(await expectOneErrorThenAlive(child, line + '\n', 'invalid_request'), line).toContain(field);
    }
  });

  it('a rejected request with a valid id gets its id back', async () => {
    const child = startRpcChild();
    const error = expectError(await child.request({ type: 'send', id: 'bad-1', text: 42 }), 'invalid_request');
    expect(error.id).toBe('bad-1');
    const unknown = expectError(await child.request({ type: 'nope', id: 9 }), 'unknown_type');
    expect(unknown.id).toBe(9);
  });

  it('invalid UTF-8 gets parse_error', async () => {
    const child = startRpcChild();
    const bare = Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
    expect(await expectOneErrorThenAlive(child, bare, 'parse_error')).toContain('not valid UTF-8');
    const inString = Buffer.concat([Buffer.from('{"type":"send","text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    expect(await expectOneErrorThenAlive(child, inString, 'parse_error')).toContain('not valid UTF-8');
    const overlong = Buffer.concat([Buffer.from('{"type":"send","text":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}\n')]);
    expect(await expectOneErrorThenAlive(child, overlong, 'parse_error')).toContain('not valid UTF-8');
  });

  it('blank lines each get parse_error', async () => {
    const child = startRpcChild();
    expect(await expectOneErrorThenAlive(child, '\n', 'parse_error')).toContain('blank');
    expect(await expectOneErrorThenAlive(child, '   \t \n', 'parse_error')).toContain('blank');
    expect(await expectOneErrorThenAlive(child, '\r\n', 'parse_error')).toContain('blank');
    // Three blank lines: three errors, in order, then the status.
    const from = child.responses.length;
    await child.writeRaw('\n\n\n');
    child.expectIdlessAnswers(3);
    expectResult('status', await child.request({ type: 'status' }));
    expect(child.responses.slice(from).map((response) => response.type)).toEqual(['error', 'error', 'error', 'result']);
  });

  it('an oversize line gets line_too_long and the next line is answered normally', async () => {
    const child = startRpcChild({ args: ['--max-line-bytes', '4096'] });
    const huge = JSON.stringify({ type: 'send', text: 'x'.repeat(100 * 1024) });
    // The oversize line and a good one in the same write.
    await child.writeRaw(`${huge}\n{"type":"status","id":"next"}\n`);
    child.expectIdlessAnswers(1); // the oversize line's error
    await child.waitUntil(() => child.responses.length === 2);
    const error = expectError(child.responses[0]!, 'line_too_long');
    expect(error.error).toContain('4096');
    expect(child.responses[1]!.id).toBe('next');
    expectResult('status', child.responses[1]!);
    // Split across many writes, LF in a write of its own: still one error, then the status.
    const from = child.responses.length;
    for (let i = 0; i < huge.length; i += 7000) await child.writeRaw(huge.slice(i, i + 7000));
    await child.writeRaw('\n');
    child.expectIdlessAnswers(1);
    expectResult('status', await child.request({ type: 'status' }));
    const answers = child.responses.slice(from);
    expect(answers.map((answer) => answer.type)).toEqual(['error', 'result']);
    expect(expectError(answers[0]!, 'line_too_long').error).toContain('longer than');
    // Nothing of the oversize line was run: no session exists.
    expect(expectResult('sessions', await child.request({ type: 'sessions' })).sessions).toEqual([]);
    // A line just under the limit still works.
    const fits = JSON.stringify({ type: 'send', id: 'fits', text: 'y'.repeat(3000) });
    expect(expectResult('send', await child.request(JSON.parse(fits) as Record<string, unknown>)).payloads[0]!.text).toBe(`echo: ${'y'.repeat(3000)}`);
  });
});

describe('the line limit from the environment', () => {
  it('TETHER_MAX_LINE_BYTES caps lines like --max-line-bytes', async () => {
    const child = startRpcChild({ env: { TETHER_MAX_LINE_BYTES: '2048' } });
    const line = JSON.stringify({ type: 'send', text: 'z'.repeat(3000) });
    expect(await expectOneErrorThenAlive(child, line + '\n', 'line_too_long')).toContain('2048');
  });
});

describe('framing edge cases that must work', () => {
  it('ignores unknown fields on a request', async () => {
    const child = startRpcChild();
    const status = await child.request({ type: 'status', id: 'extra', futureField: { nested: [1, 2] } });
    expectResult('status', status);
  });

  it('accepts CRLF, U+2028/U+2029 inside strings, and a line split across writes', async () => {
    const child = startRpcChild();
    await child.writeRaw('{"type":"status","id":"crlf"}\r\n');
    await child.waitUntil(() => child.responses.some((response) => response.id === 'crlf'));
    expectResult('status', child.responses.find((response) => response.id === 'crlf')!);

    const text = 'a\u2028b\u2029c';
    const send = expectResult('send', await child.request({ type: 'send', id: 'sep', text }));
    expect(send.payloads[0]!.text).toBe(`echo: ${text}`);

    const euro = Buffer.from('{"type":"send","id":"split","text":"€uro"}\n', 'utf8');
    const cut = euro.indexOf(0xe2) + 1; // inside the three bytes of €
    await child.writeRaw(euro.subarray(0, cut));
    await child.writeRaw(euro.subarray(cut));
    await child.waitUntil(() => child.responses.some((response) => response.id === 'split'));
    expect(expectResult('send', child.responses.find((response) => response.id === 'split')!).payloads[0]!.text).toBe('echo: €uro');
    expect(child.responses.filter((response) => response.type === 'error')).toEqual([]);
  });
});


/** Characters JSON is made of, so JSON-ish garbage reaches the parser and the schemas. */
const JSONISH = Buffer.from('{}[]":,.-+eE0123456789 \t\rtruefalsnlyp\\u');

/**
 * `count` garbage lines, each ending in LF: random bytes (1–300, never LF), or with
 * `jsonish` random characters of the JSON alphabet.
 */
function garbage(count: number, seed: number, jsonish: boolean): Buffer {
  const random = seededRandom(seed);
  const parts: Buffer[] = [];
  for (let line = 0; line < count; line++) {
    const length = 1 + Math.floor(random() * 300);
    const bytes = Buffer.alloc(length + 1);
    for (let i = 0; i < length; i++) {
      let byte = jsonish ? JSONISH[Math.floor(random() * JSONISH.length)]! : Math.floor(random() * 256);
      if (byte === 0x0a) byte = 0x0b;
      bytes[i] = byte;
    }
    bytes[length] = 0x0a;
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

describe('a flood of garbage', () => {
  it.each([
    { kind: 'random bytes', jsonish: false, seed: 0x7e7e7 },
    { kind: 'random JSON-alphabet text', jsonish: true, seed: 0x5eed },
  ])('answers 10,000 lines of $kind with exactly 10,000 errors, stays up, and keeps memory bounded', { timeout: 120_000 }, async ({ jsonish, seed }) => {
    const child = startRpcChild();
    const before = expectResult('status', await child.request({ type: 'status', id: 'before', verbose: true }));
    const input = garbage(10_000, seed, jsonish);
    const errorsFrom = child.responses.length;
    // Big chunks cut at arbitrary byte offsets, not at line ends.
    const CHUNK = 256 * 1024 + 17;
    for (let offset = 0; offset < input.length; offset += CHUNK) await child.writeRaw(input.subarray(offset, offset + CHUNK));
    child.expectIdlessAnswers(10_000);
    await child.waitUntil(() => child.responses.length - errorsFrom >= 10_000, 90_000, '10,000 error responses');

    const after = expectResult('status', await child.request({ type: 'status', id: 'after', verbose: true }, 30_000));
    const answers = child.responses.slice(errorsFrom, -1);
    expect(answers).toHaveLength(10_000);
    const codes = new Map<string, number>();
    for (const answer of answers) {
      const error = expectError(answer);
      codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
    }
    expect([...codes.keys()].every((code) => ['parse_error', 'invalid_request', 'unknown_type'].includes(code)), JSON.stringify([...codes])).toBe(true);
    expect(child.nonJsonLines).toEqual([]);
    expect(after.pid).toBe(before.pid);

    const MB = 1024 * 1024;
    expect(after.memory!.heapUsed - before.memory!.heapUsed).toBeLessThan(64 * MB);
    expect(after.memory!.rss - before.memory!.rss).toBeLessThan(64 * MB);
    // And it still does real work.
    expect(expectResult('send', await child.request({ type: 'send', id: 'still', text: 'alive' })).payloads[0]!.text).toBe('echo: alive');
  });
});
