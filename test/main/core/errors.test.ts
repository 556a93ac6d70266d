/**
 * The main-process error family: `CompanionError` and its `toJSON`,
 * `isCompanionError` with and without a code, `describeExit`, and `withStderrTail`
 * (blank lines skipped, only the last N lines).
 */
import { describe, expect, it } from 'vitest';
import { CompanionError, describeExit, isCompanionError, withStderrTail } from '../../../main/core/errors.js';

describe('CompanionError', () => {
  it('is an Error with a name, a code and a message', () => {
    const error = new CompanionError('timeout', 'the gateway did not answer status within 100 ms');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CompanionError');
    expect(error.code).toBe('timeout');
    expect(error.message).toBe('the gateway did not answer status within 100 ms');
    expect(error.details).toEqual({});
  });

  it('turns into plain data with its details', () => {
    const error = new CompanionError('gateway_exited', 'the gateway exited', {
      exit: { code: 3, signal: null },
      stderrTail: ['boom'],
    });
    expect(error.toJSON()).toEqual({ code: 'gateway_exited', message: 'the gateway exited', exit: { code: 3, signal: null }, stderrTail: ['boom'] });
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'gateway_exited', message: 'the gateway exited', exit: { code: 3, signal: null }, stderrTail: ['boom'] });
  });

  it('carries the wire code of a gateway error', () => {
    const error = new CompanionError('gateway_error', 'refused', { wireCode: 'invalid_request' });
    expect(error.toJSON()).toEqual({ code: 'gateway_error', message: 'refused', wireCode: 'invalid_request' });
  });
});

describe('isCompanionError', () => {
  const error = new CompanionError('closed', 'the companion was shut down');

  it('recognises a CompanionError without a code', () => {
    expect(isCompanionError(error)).toBe(true);
  });

  it('checks the code when one is given', () => {
    expect(isCompanionError(error, 'closed')).toBe(true);
    expect(isCompanionError(error, 'timeout')).toBe(false);
  });

  it.each([
    ['a plain Error', new Error('closed')],
    ['a look-alike object', { name: 'CompanionError', code: 'closed', message: 'x' }],
    ['its JSON form', error.toJSON()],
    ['undefined', undefined],
    ['a string', 'closed'],
  ])('refuses %s', (_what, value) => {
    expect(isCompanionError(value)).toBe(false);
    expect(isCompanionError(value, 'closed')).toBe(false);
  });
});

describe('describeExit', () => {
  it('names the exit code', () => {
    expect(describeExit({ code: 3, signal: null })).toBe('exit code 3');
    expect(describeExit({ code: 0, signal: null })).toBe('exit code 0');
  });

  it('names the signal over the code', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('signal SIGKILL');
  });

  it('says when neither is known', () => {
    expect(describeExit({ code: null, signal: null })).toBe('exit code unknown');
  });

  it('says the process never started, over everything else', () => {
    expect(describeExit({ code: null, signal: null, spawnError: 'spawn tether ENOENT' })).toBe('failed to start: spawn tether ENOENT');
    expect(describeExit({ code: 1, signal: 'SIGTERM', spawnError: 'spawn x EACCES' })).toBe('failed to start: spawn x EACCES');
  });
});

describe('withStderrTail', () => {
  it('returns the message alone when there is no stderr', () => {
    expect(withStderrTail('gateway exited', [])).toBe('gateway exited');
  });

  it('returns the message alone when the stderr tail is all blank', () => {
    expect(withStderrTail('gateway exited', ['', '   ', '\t'])).toBe('gateway exited');
  });

  it('appends the lines, indented, with a count', () => {
    expect(withStderrTail('gateway exited', ['Error: bad config', '    at load (config.js:1)'])).toBe(
      'gateway exited\ngateway stderr (last 2 lines):\n  Error: bad config\n      at load (config.js:1)',
    );
  });

  it('says "line" for a single line', () => {
    expect(withStderrTail('gateway exited', ['only'])).toBe('gateway exited\ngateway stderr (last 1 line):\n  only');
  });

  it('skips blank lines', () => {
    expect(withStderrTail('m', ['a', '', 'b', '  '])).toBe('m\ngateway stderr (last 2 lines):\n  a\n  b');
  });

  it('keeps only the last 5 lines by default', () => {
    const tail = ['1', '2', '3', '4', '5', '6', '7'];
    expect(withStderrTail('m', tail)).toBe('m\ngateway stderr (last 5 lines):\n  3\n  4\n  5\n  6\n  7');
  });

  it('keeps only the last N lines when asked', () => {
    expect(withStderrTail('m', ['1', '2', '3', '4'], 2)).toBe('m\ngateway stderr (last 2 lines):\n  3\n  4');
  });
});
