/**
 * Sessions list and status words: merging updates, unread marks, new-session
 * names, relative times, durations, state tones, and when a send can go.
 */
import { describe, expect, it } from 'vitest';
import { adviceFor, adviceForFailure, asSentence, describeState, formatDuration, formatRelativeTime, plural, sendAvailability } from '../../renderer/src/model/format.js';
import { applySessionActivity, applySessionUpdate, isUnread, seedSeen, validateSessionKey, type SessionSummary } from '../../renderer/src/model/sessions.js';
import { STATE_NOW, stateWith } from '../helpers/companion-state.js';

const session = (key: string, updatedAt: number, messageCount: number): SessionSummary => ({ key, updatedAt, messageCount, preview: `${key} preview`, thinking: null });

describe('sessions', () => {
  it('moves an updated session to the top and adds new ones', () => {
    const list = [session('a', 30, 2), session('b', 20, 4)];
    expect(applySessionUpdate(list, { session: 'b', updatedAt: 40, messageCount: 6, preview: 'new' }).map((s) => [s.key, s.messageCount, s.preview])).toEqual([
      ['b', 6, 'new'],
      ['a', 2, 'a preview'],
    ]);
    expect(applySessionUpdate(list, { session: 'c', updatedAt: 10, messageCount: 1, preview: 'x' }).map((s) => s.key)).toEqual(['a', 'b', 'c']);
  });

  it('moves a session a CLI send answered to the top with its preview, keeping the count as last listed', () => {
    const list = [session('a', 30, 2), session('b', 20, 4)];
    expect(applySessionActivity(list, { session: 'b', updatedAt: 40, preview: 'echo: hi' }).map((s) => [s.key, s.messageCount, s.preview])).toEqual([
      ['b', 4, 'echo: hi'],
      ['a', 2, 'a preview'],
    ]);
    expect(applySessionActivity(list, { session: 'c', updatedAt: 50, preview: 'new one' })[0]).toMatchObject({ key: 'c', messageCount: 0, preview: 'new one' });
  });

  it('marks sessions with unseen messages, never the open one, and seeds what is there on first load', () => {
    const list = [session('a', 1, 4), session('b', 1, 2)];
    const seen = seedSeen(list, { b: 1 });
    expect(seen).toEqual({ a: 4, b: 1 });
    expect(isUnread(list[0]!, seen, null)).toBe(false);
    expect(isUnread(list[1]!, seen, null)).toBe(true);
    expect(isUnread(list[1]!, seen, 'b')).toBe(false);
  });

  it('checks new session names the way the gateway does', () => {
    expect(validateSessionKey('research', [])).toBeNull();
    expect(validateSessionKey('  ', [])).toContain('Type a name');
    expect(validateSessionKey('a/b', [])).toContain('"/"');
    expect(validateSessionKey('x'.repeat(129), [])).toContain('128');
    expect(validateSessionKey('a', [session('a', 1, 1)])).toContain('exists already');
  });
});

describe('format', () => {
  it('says how long ago, in words', () => {
    const now = 10 * 86_400_000;
    expect(formatRelativeTime(now - 10_000, now)).toBe('just now');
    expect(formatRelativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatRelativeTime(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(formatRelativeTime(now - 86_400_000, now)).toBe('yesterday');
    expect(formatRelativeTime(now - 3 * 86_400_000, now)).toBe('3 days ago');
    expect(formatRelativeTime(0, now)).toBe('1970-01-01');
  });

  it('formats durations and counts', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration((3 * 60 + 5) * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(52 * 3_600_000)).toBe('2 d 4 h');
    expect(plural(1, 'message')).toBe('1 message');
    expect(plural(10_000, 'message')).toBe('10,000 messages');
  });

  it('gives each state a tone and words', () => {
    expect(describeState(stateWith({}), STATE_NOW)).toMatchObject({ tone: 'ok', label: 'Running' });
    expect(describeState(stateWith({ state: 'restarting', retryAt: STATE_NOW + 1400, reason: 'crashed' }), STATE_NOW)).toMatchObject({ tone: 'busy', label: 'Restarting', detail: 'Crashed. Next try in 2 s.' });
    // The supervisor's own countdown is frozen when written: only the live one shows, never both.
    const soon = describeState(stateWith({ state: 'restarting', retryAt: STATE_NOW + 95, reason: 'gateway pid 7 exited with code 1; restarting in 95 ms (attempt 4)' }), STATE_NOW);
    expect(soon.detail).toBe('Gateway pid 7 exited with code 1. Next try in under a second (attempt 4).');
    expect(describeState(stateWith({ state: 'failed', reason: 'it crashed 5 times' }), STATE_NOW)).toMatchObject({ tone: 'bad', detail: expect.stringContaining('Use Restart') });
    expect(describeState(stateWith({ state: 'stopped', reason: 'shut down' }), STATE_NOW)).toMatchObject({ tone: 'idle', detail: 'Shut down.' });
    const config = stateWith({ state: 'failed', failure: 'config', reason: 'config file /d/config.json: top level: unrecognized key: "provdier"; fix the key or remove it to use its default' });
    expect(describeState(config, STATE_NOW).detail).toBe(
      'Config file /d/config.json: top level: unrecognized key: "provdier"; fix the key or remove it to use its default. Saving the config file starts the gateway again, or press Restart.',
    );
  });

  it('shows the supervisor\'s log-style reasons as sentences', () => {
    expect(asSentence('gateway pid 7 exited (exit code 3)')).toBe('Gateway pid 7 exited (exit code 3).');
    expect(asSentence('Already a sentence.')).toBe('Already a sentence.');
    expect(asSentence('  ')).toBe('');
  });

  it('says whether a send can go, by which path, and why not', () => {
    expect(sendAvailability(stateWith({}))).toEqual({ ok: true, via: 'gateway' });
    expect(sendAvailability(stateWith({ state: 'failed' }, { fallbackEnabled: true }))).toEqual({ ok: true, via: 'cli' });
    expect(sendAvailability(stateWith({ state: 'failed' }, { fallbackEnabled: false }))).toMatchObject({ ok: false, reason: expect.stringContaining('Use CLI fallback') });
    expect(sendAvailability(stateWith({ state: 'restarting' }, { fallbackEnabled: false }))).toMatchObject({ ok: false, reason: expect.stringContaining('restarting') });
    expect(sendAvailability(stateWith({ stopping: true }, { fallbackEnabled: false }))).toMatchObject({ ok: false, reason: expect.stringContaining('stopping') });
    expect(sendAvailability(null)).toMatchObject({ ok: false });
  });

  it('has advice for every code a call can fail with', () => {
    for (const code of ['gateway_unavailable', 'gateway_exited', 'timeout', 'fallback_failed', 'disconnected', 'invalid_request', 'closed', 'internal']) {
      expect(adviceFor(code).length).toBeGreaterThan(20);
    }
    // The app has no gateway command setting to check; the CLI's own message says what is wrong.
    expect(adviceFor('fallback_failed')).not.toContain('gateway command');
    expect(adviceFor('fallback_failed')).toContain('config file');
  });

  it('points a refused deliver at the "to" field next to Deliver, not at the status panel', () => {
    const refused = { code: 'gateway_error', wireCode: 'invalid_request', message: 'invalid send request: "deliver": true needs a "to" target (for example "to":"+15551234567"), or a default "delivery.to" in the config file' };
    expect(adviceForFailure(refused)).toContain('"to" next to Deliver');
    expect(adviceForFailure(refused)).not.toContain('status panel');
    expect(adviceForFailure({ code: 'gateway_error', wireCode: 'provider_error', message: 'provider "local" cannot reach…' })).toContain('Pick another model');
    expect(adviceForFailure({ code: 'gateway_unavailable', message: 'down' })).toBe(adviceFor('gateway_unavailable'));
  });

  it('does not send a refused send (a "Deliver" without a target) to the status panel, which has nothing on it', () => {
    expect(adviceFor('gateway_error')).not.toContain('status panel');
    expect(adviceFor('gateway_error')).toContain('the message above says why');
  });
});
