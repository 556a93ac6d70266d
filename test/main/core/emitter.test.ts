/**
 * The typed event source (`Emitter`): delivery in subscription order, unsubscribe,
 * and a throwing listener that is reported through `onListenerError` without
 * stopping the others.
 */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../main/core/emitter.js';

describe('Emitter', () => {
  it('delivers each value to every listener, in subscription order', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    emitter.event((value) => seen.push(`a${value}`));
    emitter.event((value) => seen.push(`b${value}`));
    emitter.fire(1);
    emitter.fire(2);
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('stops delivering to a listener once it unsubscribes', () => {
    const emitter = new Emitter<string>();
    const first: string[] = [];
    const second: string[] = [];
    const unsubscribe = emitter.event((value) => first.push(value));
    emitter.event((value) => second.push(value));
    emitter.fire('before');
    unsubscribe();
    emitter.fire('after');
    expect(first).toEqual(['before']);
    expect(second).toEqual(['before', 'after']);
    expect(emitter.size).toBe(1);
  });

  it('tolerates unsubscribing twice', () => {
    const emitter = new Emitter<void>();
    const unsubscribe = emitter.event(() => {});
    unsubscribe();
    expect(() => unsubscribe()).not.toThrow();
    expect(emitter.size).toBe(0);
  });

  it('keeps delivering the current value when a listener unsubscribes another during fire', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    let unsubscribeSecond = () => {};
    emitter.event(() => unsubscribeSecond());
    unsubscribeSecond = emitter.event((value) => seen.push(value));
    emitter.fire(1); // the snapshot still holds the second listener
    emitter.fire(2);
    expect(seen).toEqual([1]);
  });

  it('reports a throwing listener through onListenerError and still runs the others', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<number>((error) => errors.push(error));
    const seen: number[] = [];
    const boom = new Error('listener broke');
    emitter.event((value) => seen.push(value));
    emitter.event(() => {
      throw boom;
    });
    emitter.event((value) => seen.push(value * 10));
    expect(() => emitter.fire(3)).not.toThrow();
    expect(seen).toEqual([3, 30]);
    expect(errors).toEqual([boom]);
  });

  it('swallows a listener error when no onListenerError is given', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    emitter.event(() => {
      throw new Error('x');
    });
    emitter.event((value) => seen.push(value));
    expect(() => emitter.fire(1)).not.toThrow();
    expect(seen).toEqual([1]);
  });

  it('drops every listener on clear()', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    emitter.event((value) => seen.push(value));
    emitter.event((value) => seen.push(value));
    emitter.clear();
    emitter.fire(1);
    expect(seen).toEqual([]);
    expect(emitter.size).toBe(0);
  });
});
