/**
 * Session management through the gateway: a title and a pin that survive a new
 * gateway (and an index rebuilt from scratch), delete to the trash and restore with
 * the title back, a restore refused when the key was written again, a delete refused
 * while a reply runs, and search over titles and message text with snippets and
 * pages.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../rpc-host/core/config.js';
import { Gateway, type GatewayEvent } from '../../../rpc-host/core/gateway.js';
import { snippetOf } from '../../../rpc-host/core/session-search.js';
import { isProtocolError } from '../../../rpc-host/protocol/errors.js';

const dirs: string[] = [];
const gateways: Gateway[] = [];

afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.shutdown(0);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openGateway(dir = mkdtempSync(join(tmpdir(), 'tether-manage-')), env: NodeJS.ProcessEnv = {}) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const config = loadConfig({ dataDir: dir }, env);
  const gateway = new Gateway({ config, longLived: false });
  gateways.push(gateway);
  const events: GatewayEvent[] = [];
  gateway.onDidEmit((event) => events.push(event));
  return { gateway, events, dir };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isProtocolError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('update-session', () => {
  it('sets a title and a pin that a new gateway still lists, after the index cache is gone', async () => {
    const { gateway, events, dir } = openGateway();
    await gateway.handle({ type: 'send', text: 'hello', session: 'work' });
    const { session } = await gateway.handle({ type: 'update-session', session: 'work', title: '  Release notes ', pinned: true });
    expect(session).toMatchObject({ key: 'work', title: 'Release notes', pinned: true, messageCount: 2 });
    expect(events.at(-1)).toMatchObject({ event: 'session.updated', payload: { session: 'work', title: 'Release notes', pinned: true } });
    await gateway.shutdown(0);
    rmSync(join(dir, 'sessions', 'index.json'));

    const again = openGateway(dir).gateway;
    const { sessions } = await again.handle({ type: 'sessions' });
    expect(sessions).toEqual([expect.objectContaining({ key: 'work', title: 'Release notes', pinned: true })]);
    const cleared = await again.handle({ type: 'update-session', session: 'work', title: null, pinned: false });
    expect(cleared.session.title).toBeUndefined();
    expect(cleared.session.pinned).toBeUndefined();
  });

  it('refuses a session that has no transcript, naming it', async () => {
    const { gateway } = openGateway();
    expect(await failure(gateway.handle({ type: 'update-session', session: 'nope', title: 'x' }))).toMatchObject({ code: 'not_found', message: expect.stringContaining('"nope"') });
  });
});

describe('delete-session and restore-session', () => {
  it('moves the transcript to the trash, and restores it with its title and pin', async () => {
    const { gateway, events, dir } = openGateway();
    await gateway.handle({ type: 'send', text: 'keep me', session: 'notes', idempotencyKey: 'k1' });
    await gateway.handle({ type: 'update-session', session: 'notes', title: 'My notes', pinned: true });

    const deleted = await gateway.handle({ type: 'delete-session', session: 'notes' });
    expect(deleted.trashPath.startsWith(join(dir, 'trash'))).toBe(true);
    expect(existsSync(deleted.trashPath)).toBe(true);
    expect(existsSync(join(dir, 'sessions', 'notes.jsonl'))).toBe(false);
    expect(events.at(-1)).toEqual({ event: 'session.deleted', payload: { session: 'notes', trashId: deleted.trashId } });
    expect((await gateway.handle({ type: 'sessions' })).sessions).toEqual([]);
    expect((await failure(gateway.handle({ type: 'history', session: 'notes' }))).code).toBe('not_found');

    const restored = await gateway.handle({ type: 'restore-session', trashId: deleted.trashId });
    expect(restored.session).toMatchObject({ key: 'notes', title: 'My notes', pinned: true, messageCount: 2 });
    expect(readdirSync(join(dir, 'trash'))).toEqual([]);
    expect((await gateway.handle({ type: 'history', session: 'notes' })).messages.map((m) => m.text)).toEqual(['keep me', 'echo: keep me']);
    // The idempotency key is known again: the same send is answered from the transcript.
    const repeated = await gateway.handle({ type: 'send', text: 'keep me', session: 'notes', idempotencyKey: 'k1' });
    expect(repeated.meta.replayed).toBe(true);
  });

  it('forgets the idempotency keys of a deleted session: the same key runs again in a new transcript', async () => {
    const { gateway } = openGateway();
    await gateway.handle({ type: 'send', text: 'once', session: 'a', idempotencyKey: 'same' });
    await gateway.handle({ type: 'delete-session', session: 'a' });
    const again = await gateway.handle({ type: 'send', text: 'once', session: 'a', idempotencyKey: 'same' });
    expect(again.meta.replayed).toBeUndefined();
    expect((await gateway.handle({ type: 'history', session: 'a' })).total).toBe(2);
  });

  it('refuses to restore over a transcript written since the delete, and keeps both', async () => {
    const { gateway } = openGateway();
    await gateway.handle({ type: 'send', text: 'old', session: 'x' });
    const { trashId, trashPath } = await gateway.handle({ type: 'delete-session', session: 'x' });
    await gateway.handle({ type: 'send', text: 'new', session: 'x' });
    const refused = await failure(gateway.handle({ type: 'restore-session', trashId }));
    expect(refused).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(trashPath) });
    expect(existsSync(trashPath)).toBe(true);
    expect((await gateway.handle({ type: 'history', session: 'x' })).messages[0]!.text).toBe('new');
  });

  it('answers not_found for a trash id that was restored already', async () => {
    const { gateway } = openGateway();
    await gateway.handle({ type: 'send', text: 'hi', session: 'y' });
    const { trashId } = await gateway.handle({ type: 'delete-session', session: 'y' });
    await gateway.handle({ type: 'restore-session', trashId });
    expect((await failure(gateway.handle({ type: 'restore-session', trashId }))).code).toBe('not_found');
  });

  it('refuses to delete a session while its reply runs', async () => {
    const { gateway } = openGateway(undefined, { TETHER_ECHO_DELAY_MS: '50' });
    const sending = gateway.handle({ type: 'send', text: 'a slow reply here', session: 'busy' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await failure(gateway.handle({ type: 'delete-session', session: 'busy' }))).toMatchObject({ code: 'busy', message: expect.stringContaining('abort') });
    await sending;
    expect((await gateway.handle({ type: 'delete-session', session: 'busy' })).session).toBe('busy');
  });
});

describe('search', () => {
  it('finds titles first, then messages newest first, each word anywhere, case-insensitive', async () => {
    const { gateway } = openGateway();
    // Newest first is by time: each turn gets a millisecond of its own, or ties fall back to the session key.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 2));
    await gateway.handle({ type: 'send', text: 'The build log shows a Flaky test', session: 'ci' });
    await tick();
    await gateway.handle({ type: 'send', text: 'nothing relevant', session: 'other' });
    await tick();
    await gateway.handle({ type: 'send', text: 'flaky network, then the test passed', session: 'other' });
    await gateway.handle({ type: 'update-session', session: 'other', title: 'Flaky test hunt' });

    const result = await gateway.handle({ type: 'search', query: 'TEST flaky' });
    expect(result.hits.map((hit) => [hit.kind, hit.session, hit.index ?? null])).toEqual([
      ['title', 'other', null],
      ['message', 'other', 3],
      ['message', 'other', 2],
      ['message', 'ci', 1],
      ['message', 'ci', 0],
    ]);
    expect(result.total).toBe(5);
    const first = result.hits[2]!;
    expect(first).toMatchObject({ role: 'user', title: 'Flaky test hunt', snippet: 'flaky network, then the test passed' });
    expect(first.matches.map(({ start, end }) => first.snippet.slice(start, end))).toEqual(['flaky', 'test']);
  });

  it('pages with offset and says where the next page starts', async () => {
    const { gateway } = openGateway();
    for (let i = 0; i < 5; i++) await gateway.handle({ type: 'send', text: `needle ${i}`, session: 'hay' });
    const page1 = await gateway.handle({ type: 'search', query: 'needle', limit: 4 });
    expect(page1).toMatchObject({ total: 10, nextOffset: 4 });
    const page3 = await gateway.handle({ type: 'search', query: 'needle', limit: 4, offset: 8 });
    expect(page3.hits).toHaveLength(2);
    expect(page3.nextOffset).toBeUndefined();
    expect(page3.hits.at(-1)).toMatchObject({ index: 0, snippet: 'needle 0' });
  });

  it('sees messages written after the last search, and forgets deleted sessions', async () => {
    const { gateway } = openGateway();
    await gateway.handle({ type: 'send', text: 'alpha', session: 's' });
    expect((await gateway.handle({ type: 'search', query: 'beta' })).total).toBe(0);
    await gateway.handle({ type: 'send', text: 'beta', session: 's' });
    expect((await gateway.handle({ type: 'search', query: 'beta' })).total).toBe(2);
    await gateway.handle({ type: 'delete-session', session: 's' });
    expect((await gateway.handle({ type: 'search', query: 'beta' })).total).toBe(0);
  });
});

describe('snippetOf', () => {
  it('cuts around the first match on a word boundary and marks the cuts', () => {
    const text = `${'word '.repeat(30)}the needle is here ${'tail '.repeat(60)}`;
    const { snippet, matches } = snippetOf(text, ['needle']);
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).toContain('the needle is here');
    expect(matches).toHaveLength(1);
    expect(snippet.slice(matches[0]!.start, matches[0]!.end)).toBe('needle');
  });
});
