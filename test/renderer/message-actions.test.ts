/**
 * Message actions: follow-up keys derived from the send they follow (the same on a
 * repeat, the next number on the next press), the Continue text, and which rows
 * offer Edit, Regenerate and Continue.
 */
import { describe, expect, it } from 'vitest';
import { continueText, followUpKey, keyOrigin, planAction, regenerateArgs, rowActions } from '../../renderer/src/model/message-actions.js';
import type { TranscriptItem } from '../../renderer/src/model/transcript.js';

const user = (key: string, text = 'hi', extra: Partial<TranscriptItem> = {}): TranscriptItem => ({ key: `k:${key}`, role: 'user', text, ts: 1, runId: 'r', idempotencyKey: key, ...extra });
const reply = (key: string, runId: string, extra: Partial<TranscriptItem> = {}): TranscriptItem => ({ key: `r:${runId}`, role: 'assistant', text: 'echo: hi', ts: 2, runId, idempotencyKey: key, source: 'rpc', state: 'complete', ...extra });

describe('followUpKey', () => {
  it('derives the first regenerate key from the send it follows, and the next one from the keys already used', () => {
    expect(followUpKey('K1', 'regenerate', ['K1'])).toBe('K1#regenerate-1');
    expect(followUpKey('K1#regenerate-1', 'regenerate', ['K1', 'K1#regenerate-1'])).toBe('K1#regenerate-2');
    expect(followUpKey('K1', 'regenerate', ['K1', 'K1#regenerate-1', 'K1#regenerate-2'])).toBe('K1#regenerate-3');
  });

  it('names the same send when pressed again before the first shows (a repeat is attached, not run twice)', () => {
    expect(followUpKey('K1', 'continue', ['K1'])).toBe(followUpKey('K1', 'continue', ['K1']));
  });

  it('counts regenerate and continue apart, and keeps the base of a derived key', () => {
    expect(followUpKey('K1#regenerate-2', 'continue', ['K1', 'K1#regenerate-2'])).toBe('K1#continue-1');
    expect(keyOrigin('K1#continue-4')).toEqual({ base: 'K1', kind: 'continue', n: 4 });
    expect(keyOrigin('plain')).toEqual({ base: 'plain', kind: null, n: 0 });
  });

  it('stays within the wire limit of 200 characters', () => {
    const key = followUpKey('x'.repeat(200), 'regenerate', []);
    expect(key.length).toBe(200);
    expect(key.endsWith('#regenerate-1')).toBe(true);
  });
});

describe('continueText', () => {
  it('quotes the end of the stopped reply, since the model never sees an aborted reply', () => {
    expect(continueText('line one\nline two')).toBe('Continue your last reply from where it was stopped. It ended with:\n\n> line one\n> line two');
    const long = continueText('a'.repeat(5000));
    expect(long.length).toBeLessThan(1600);
    expect(long).toContain('> …aaa');
  });

  it('asks again when nothing had streamed', () => {
    expect(continueText('')).toMatch(/answer my last message again/);
  });
});

describe('rowActions', () => {
  it('offers Edit on user messages and Regenerate on the last reply only', () => {
    const actions = rowActions([user('K1'), reply('K1', 'A'), user('K2'), reply('K2', 'B')], false);
    expect(actions.get('k:K1')).toEqual({ edit: true, regenerate: false, continue: false });
    expect(actions.get('r:A')).toBeUndefined();
    expect(actions.get('r:B')).toEqual({ edit: false, regenerate: true, continue: false });
  });

  it('offers Continue on an aborted last reply', () => {
    expect(rowActions([user('K1'), reply('K1', 'A', { state: 'aborted' })], false).get('r:A')).toEqual({ edit: false, regenerate: true, continue: true });
  });

  it('offers no follow-up while a reply is on its way, for a heartbeat, or without the keyed message', () => {
    expect(rowActions([user('K1'), reply('K1', 'A')], true).get('r:A')).toBeUndefined();
    expect(rowActions([user('K1', 'ping', { source: 'heartbeat' }), reply('K1', 'A', { source: 'heartbeat' })], false).get('r:A')).toBeUndefined();
    expect(rowActions([reply('K1', 'A')], false).get('r:A')).toBeUndefined();
    expect(rowActions([user('K1', 'hi', { pending: true })], false).get('k:K1')).toBeUndefined();
  });
});

describe('regenerateArgs', () => {
  it('sends the message again with its options, under the model picked now', () => {
    expect(regenerateArgs(user('K1', 'hi', { sendArgs: { text: 'hi', thinking: 'low', model: 'old/x' } }), 'echo/echo')).toEqual({ text: 'hi', thinking: 'low', model: 'echo/echo' });
    expect(regenerateArgs(user('K1', 'hi', { sendArgs: { text: 'hi', model: 'old/x' } }), undefined)).toEqual({ text: 'hi' });
  });
});

describe('planAction', () => {
  const items = [user('K1', 'draft a plan', { sendArgs: { text: 'draft a plan', thinking: 'high' } }), reply('K1', 'A', { state: 'aborted', text: 'Step 1' })];

  it('regenerates under a key derived from the message it follows, with the model picked now', () => {
    expect(planAction({ kind: 'regenerate', item: items[1]! }, items, 'local/llama')).toEqual({ args: { text: 'draft a plan', thinking: 'high', model: 'local/llama' }, idempotencyKey: 'K1#regenerate-1' });
  });

  it('continues under its own derived key, quoting where the reply stopped', () => {
    expect(planAction({ kind: 'continue', item: items[1]! }, items, undefined)).toEqual({ args: { text: continueText('Step 1') }, idempotencyKey: 'K1#continue-1' });
  });

  it('sends an edit as a new message (no key: the app makes a fresh one), keeping the options', () => {
    expect(planAction({ kind: 'edit', item: items[0]!, text: 'draft a short plan' }, items, undefined)).toEqual({ args: { text: 'draft a short plan', thinking: 'high' } });
  });

  it('makes nothing when the message a reply follows is not loaded', () => {
    expect(planAction({ kind: 'regenerate', item: items[1]! }, [items[1]!], undefined)).toBeUndefined();
  });
});
