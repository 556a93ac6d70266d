/** `--listen [PATH]`: taken out of argv with or without its optional value. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeListenFlag } from '../../../rpc-host/listen/listen-flag.js';

describe('takeListenFlag', () => {
  it('is absent unless given', () => {
    expect(takeListenFlag(['--grace', '10'])).toEqual({ listen: undefined, rest: ['--grace', '10'], empty: false });
  });

  it('takes the default when no path follows, or the next argument is a flag', () => {
    expect(takeListenFlag(['--listen'])).toEqual({ listen: { path: undefined }, rest: [], empty: false });
    expect(takeListenFlag(['--listen', '--grace', '10'])).toEqual({ listen: { path: undefined }, rest: ['--grace', '10'], empty: false });
  });

  it('takes a path after a space or "=", resolved against the working directory', () => {
    expect(takeListenFlag(['--home', 'h', '--listen', 'my.sock']).listen).toEqual({ path: resolve('my.sock') });
    expect(takeListenFlag(['--listen=/run/t.sock', '--grace', '1'])).toEqual({ listen: { path: '/run/t.sock' }, rest: ['--grace', '1'], empty: false });
  });

  it('reports an empty --listen=', () => {
    expect(takeListenFlag(['--listen=']).empty).toBe(true);
  });
});
