/**
 * Error text: `errorMessage` and `errorStack` turn any thrown value into text, the
 * same for an `Error` as the casts they replace, and without throwing for a thrown
 * string, `null` or `undefined`.
 */
import { describe, expect, it } from 'vitest';
import { errorMessage, errorStack } from '../../../rpc-host/protocol/errors.js';

describe('errorMessage', () => {
  it("is an Error's message, subclasses and system errors included", () => {
    expect(errorMessage(new Error('disk full'))).toBe('disk full');
    expect(errorMessage(new TypeError('not a function'))).toBe('not a function');
    expect(errorMessage(Object.assign(new Error('open /x: ENOENT'), { code: 'ENOENT' }))).toBe('open /x: ENOENT');
    expect(errorMessage(new DOMException('The operation timed out.', 'TimeoutError'))).toBe('The operation timed out.');
  });

  it('is the message of an error-like object from elsewhere (another realm)', () => {
    expect(errorMessage({ name: 'Error', message: 'from a worker' })).toBe('from a worker');
  });

  it('is String() of anything else, without throwing', () => {
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(null)).toBe('null');
    expect(errorMessage({ message: 7 })).toBe('[object Object]');
    expect(errorMessage(Symbol('odd'))).toBe('Symbol(odd)');
  });
});

describe('errorStack', () => {
  it("is an Error's stack, which starts with its name and message", () => {
    const error = new RangeError('too big');
    expect(errorStack(error)).toBe(error.stack);
    expect(errorStack(error).startsWith('RangeError: too big\n')).toBe(true);
  });

  it('is String() of an Error without a stack, and of anything else', () => {
    const bare = new Error('no trace');
    delete (bare as { stack?: string }).stack;
    expect(errorStack(bare)).toBe(String(bare));
    expect(errorStack('thrown text')).toBe('thrown text');
    expect(errorStack(undefined)).toBe('undefined');
    expect(errorStack(null)).toBe('null');
  });
});
