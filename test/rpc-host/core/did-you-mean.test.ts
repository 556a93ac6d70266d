/**
 * The "did you mean" helper: case and a swap of two letters are cheap, short names
 * get few edits, and nothing is suggested when nothing is close.
 */
import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../../rpc-host/core/did-you-mean.js';

describe('closestName', () => {
  it('finds the key behind the typos people make', () => {
    const keys = ['provider', 'providers', 'fallback', 'echo', 'heartbeats', 'delivery'];
    expect(closestName('provdier', keys)).toBe('provider');
    expect(closestName('Providers', keys)).toBe('providers');
    expect(closestName('fallbak', keys)).toBe('fallback');
    expect(closestName('intervalMS', ['enabled', 'intervalMs', 'prompt'])).toBe('intervalMs');
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestName('colour', ['provider', 'echo'])).toBeUndefined();
    expect(closestName('to', ['tz', 'id'])).toBe('tz'); // one edit on a short name is still allowed
    expect(closestName('ab', ['xy'])).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts inserts, deletes, replacements and swaps of neighbours as one edit each', () => {
    expect(editDistance('provider', 'provider')).toBe(0);
    expect(editDistance('provdier', 'provider')).toBe(1);
    expect(editDistance('echo', 'ech')).toBe(1);
    expect(editDistance('echo', 'echos')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
