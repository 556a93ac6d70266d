/**
 * The session store: append and read back, torn last lines, a second writer on the
 * same directory (another process), index rebuilds, key encoding to file names,
 * history paging, the provider context after a compaction, and replies written in
 * pieces: counted as a rebuild would count them, `streaming` or `interrupted` in
 * history, and left out of the context unless complete.
 */
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore, decodeSessionKey, encodeSessionKey } from '../../../rpc-host/core/session-store.js';
import type { CheckpointRecord, MessageRecord } from '../../../rpc-host/core/transcript-file.js';
import { plainContext } from '../../helpers/plain-context.js';

let dataDir: string;
const stores: SessionStore[] = [];

/** A store on the test's data dir that writes its index at once. */
function openStore(): SessionStore {
  const store = new SessionStore(dataDir, 0);
  stores.push(store);
  return store;
}

let clock = 1_700_000_000_000;
function message(role: 'user' | 'assistant', text: string, runId: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return { type: 'message', role, text, ts: clock++, runId, ...extra };
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tether-store-'));
});

afterEach(async () => {
  for (const store of stores.splice(0)) store.flush();
  await rm(dataDir, { recursive: true, force: true });
});

describe('SessionStore append and history', () => {
  it('appends messages and reads them back oldest first with their fields', () => {
    const store = openStore();
    const summary1 = store.appendMessage('main', message('user', 'hello there', 'r1', { source: 'rpc', thinking: 'low' }));
    expect(summary1).toMatchObject({ key: 'main', messageCount: 1, preview: 'hello there', thinking: 'low' });
    const summary2 = store.appendMessage('main', message('assistant', 'echo: hello\n  there', 'r1', { provider: 'echo', model: 'echo', aborted: true }));
    expect(summary2).toMatchObject({ messageCount: 2, preview: 'echo: hello there', thinking: 'low' });

    const page = store.history('main');
    expect(page.total).toBe(2);
    expect(page.hasMore).toBe(false);
    expect(page.messages).toEqual([
      { index: 0, role: 'user', text: 'hello there', ts: expect.any(Number), runId: 'r1', source: 'rpc' },
      { index: 1, role: 'assistant', text: 'echo: hello\n  there', ts: expect.any(Number), runId: 'r1', provider: 'echo', model: 'echo', aborted: true, state: 'aborted' },
    ]);
    expect(store.exists('main')).toBe(true);
    expect(store.exists('other')).toBe(false);
  });

  it('stores one JSON line per record in sessions/<key>.jsonl', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'a\u2028b', 'r1'));
    store.appendMessage('main', message('assistant', 'c', 'r1'));
    const raw = readFileSync(join(dataDir, 'sessions', 'main.jsonl'), 'utf8');
    expect(raw.endsWith('\n')).toBe(true);
    expect(raw.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { text: string }).text)).toEqual(['a\u2028b', 'c']);
  });

  it('truncates long previews to 120 characters with an ellipsis', () => {
    const store = openStore();
    const summary = store.appendMessage('main', message('user', 'x'.repeat(500), 'r1'));
    expect(summary.preview).toHaveLength(120);
    expect(summary.preview.endsWith('…')).toBe(true);
  });

  it('pages history with limit and before, reporting total and hasMore', () => {
    const store = openStore();
    for (let i = 0; i < 5; i++) store.appendMessage('main', message(i % 2 === 0 ? 'user' : 'assistant', `m${i}`, `r${i}`));
    const texts = (page: { messages: Array<{ text: string; index: number }> }) => page.messages.map((m) => `${m.index}:${m.text}`);

    const last2 = store.history('main', { limit: 2 });
    expect(texts(last2)).toEqual(['3:m3', '4:m4']);
    expect(last2).toMatchObject({ total: 5, hasMore: true });

    const before3 = store.history('main', { limit: 2, before: 3 });
    expect(texts(before3)).toEqual(['1:m1', '2:m2']);
    expect(before3.hasMore).toBe(true);

    const before1 = store.history('main', { limit: 2, before: 1 });
    expect(texts(before1)).toEqual(['0:m0']);
    expect(before1).toMatchObject({ total: 5, hasMore: false });

    expect(texts(store.history('main', { before: 99 }))).toEqual(['0:m0', '1:m1', '2:m2', '3:m3', '4:m4']);
    expect(store.history('main', { before: 0 })).toEqual({ messages: [], total: 5, hasMore: false });
    expect(store.history('nobody')).toEqual({ messages: [], total: 0, hasMore: false });
  });
});

describe('SessionStore torn lines', () => {
  it('skips a torn last line on read, and recovers the record appended right after it', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'before', 'r1'));
    const file = store.transcriptPath('main');
    appendFileSync(file, '{"type":"message","role":"assistant","text":"cut of'); // a writer died mid-line
    expect(store.history('main').messages.map((m) => m.text)).toEqual(['before']);

    const summary = store.appendMessage('main', message('assistant', 'after', 'r2'));
    expect(summary.messageCount).toBe(2);
    expect(store.history('main').messages.map((m) => m.text)).toEqual(['before', 'after']);

    // Writers never repair (that would race); the torn piece and the next record share a line.
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(3); // before, torn+after, and '' after the final LF
    expect(lines[1]!.startsWith('{"type":"message","role":"assistant","text":"cut of{"type":')).toBe(true);
    expect(lines[2]).toBe('');
  });

  it('counts the right messages after a torn line in list() from a fresh store', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'one', 'r1'));
    appendFileSync(store.transcriptPath('main'), '{"type":"mess');
    store.appendMessage('main', message('assistant', 'two', 'r1'));
    expect(openStore().list()).toEqual([expect.objectContaining({ key: 'main', messageCount: 2, preview: 'two' })]);
  });
});

describe('SessionStore with two writers on one directory', () => {
  it("sees another instance's appends in list() with the right count and preview", () => {
    const host = openStore();
    host.appendMessage('main', message('user', 'from host', 'r1'));
    expect(host.list()).toEqual([expect.objectContaining({ key: 'main', messageCount: 1, preview: 'from host' })]);

    const cli = openStore(); // e.g. a one-shot `tether agent` process
    cli.appendMessage('main', message('user', 'from cli', 'r2'));
    cli.appendMessage('main', message('assistant', 'cli reply', 'r2'));
    cli.appendMessage('side', message('user', 'side session', 'r3'));

    const listed = host.list();
    expect(listed.find((s) => s.key === 'main')).toMatchObject({ messageCount: 3, preview: 'cli reply' });
    expect(listed.find((s) => s.key === 'side')).toMatchObject({ messageCount: 1, preview: 'side session' });
    expect(host.history('main').messages.map((m) => m.text)).toEqual(['from host', 'from cli', 'cli reply']);
  });

  it('keeps its own count exact when it appends after another writer did', () => {
    const host = openStore();
    host.appendMessage('main', message('user', 'a', 'r1'));
    openStore().appendMessage('main', message('assistant', 'b', 'r1'));
    expect(host.appendMessage('main', message('user', 'c', 'r2'))).toMatchObject({ messageCount: 3, preview: 'c' });
    expect(host.list()[0]).toMatchObject({ messageCount: 3 });
  });

  it('forgets sessions whose transcript was removed', () => {
    const store = openStore();
    store.appendMessage('gone', message('user', 'x', 'r1'));
    store.appendMessage('kept', message('user', 'y', 'r2'));
    rmSync(store.transcriptPath('gone'));
    expect(store.list().map((s) => s.key)).toEqual(['kept']);
  });

  it('lists most recently updated first', () => {
    const store = openStore();
    store.appendMessage('old', message('user', 'x', 'r1'));
    store.appendMessage('new', message('user', 'y', 'r2'));
    expect(store.list().map((s) => s.key)).toEqual(['new', 'old']);
  });
});

describe('SessionStore index', () => {
  const indexPath = () => join(dataDir, 'sessions', 'index.json');

  it('writes an index that a new instance reads', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'hi', 'r1', { thinking: 'high' }));
    const index = JSON.parse(readFileSync(indexPath(), 'utf8')) as { version: number; sessions: Record<string, { messageCount: number }> };
    expect(index.version).toBe(1);
    expect(index.sessions.main?.messageCount).toBe(1);
    const fresh = openStore();
    expect(fresh.size).toBe(1);
    expect(fresh.summary('main')).toMatchObject({ messageCount: 1, preview: 'hi', thinking: 'high' });
  });

  it.each([
    ['deleted', () => rmSync(join(dataDir, 'sessions', 'index.json'))],
    ['garbage', () => writeFileSync(join(dataDir, 'sessions', 'index.json'), '{"version":1,"sessions":{"main":')],
    ['foreign', () => writeFileSync(join(dataDir, 'sessions', 'index.json'), '{"version":9,"sessions":[]}')],
    ['lying', () => writeFileSync(join(dataDir, 'sessions', 'index.json'), JSON.stringify({ version: 1, sessions: { main: { updatedAt: 1, messageCount: 99, preview: 'lie', thinking: null, bytes: 3 } } }))],
  ])('rebuilds a %s index from the transcripts', (_label, damage) => {
    const store = openStore();
    store.appendMessage('main', message('user', 'one', 'r1'));
    store.appendMessage('main', message('assistant', 'two', 'r1'));
    store.appendMessage('+1555', message('user', 'three', 'r2'));
    damage();

    const fresh = openStore();
    const listed = fresh.list();
    expect(listed.map((s) => [s.key, s.messageCount, s.preview]).sort()).toEqual([
      ['+1555', 1, 'three'],
      ['main', 2, 'two'],
    ]);
    const rebuilt = JSON.parse(readFileSync(indexPath(), 'utf8')) as { sessions: Record<string, { messageCount: number }> };
    expect(rebuilt.sessions.main?.messageCount).toBe(2);
    expect(rebuilt.sessions['+1555']?.messageCount).toBe(1);
  });

  it('coalesces index writes until flush() when a delay is set', () => {
    const store = new SessionStore(dataDir, 60_000);
    stores.push(store);
    store.appendMessage('main', message('user', 'hi', 'r1'));
    expect(existsSync(indexPath())).toBe(false);
    store.flush();
    expect(existsSync(indexPath())).toBe(true);
  });
});

describe('session key encoding', () => {
  it.each([
    ['main', 'main'],
    ['Main', '%4Dain'],
    ['+1555', '%2B1555'],
    ['a.b', 'a.b'],
    ['.hidden', '%2Ehidden'],
    ['trailing.', 'trailing%2E'],
    ['con', '%63on'],
    ['nul', '%6Eul'],
    ['lpt1', '%6Cpt1'],
    ['café', 'caf%C3%A9'],
    ['a b', 'a%20b'],
    ['100%', '100%25'],
  ])('encodes %j as %j and decodes it back', (key, name) => {
    expect(encodeSessionKey(key)).toBe(name);
    expect(decodeSessionKey(name)).toBe(key);
  });

  it('round-trips unicode keys through names made only of safe characters', () => {
    for (const key of ['会话', '🙂 chat', 'Ünïcödé', 'x:y*z?', 'COM1', 'A.B.C']) {
      const name = encodeSessionKey(key);
      expect(name).toMatch(/^[a-z0-9_.%A-F-]+$/);
      expect(decodeSessionKey(name)).toBe(key);
    }
  });

  it('never makes a Windows device name followed by an extension', () => {
    // Windows treats "NUL.txt" and "NUL.tar.gz" as the device NUL too, so the part
    // of the file name before the first dot must not be a device name either.
    const keys = ['con.x', 'nul.tar.gz', 'aux.1', 'lpt1.log'];
    const devices = keys.map(encodeSessionKey).filter((name) => /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/u.test(name.split('.')[0]!));
    expect(devices, `file names that open a device on Windows: ${devices.map((name) => `${name}.jsonl`).join(', ')}`).toEqual([]);
    for (const key of keys) expect(decodeSessionKey(encodeSessionKey(key))).toBe(key);
  });

  it('keeps keys that differ only in case in distinct files, even on a case-insensitive file system', () => {
    const names = ['main', 'Main', 'MAIN'].map(encodeSessionKey);
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(3);
  });

  it.each(['Main', '%4dain', '%2b1555', '.hidden', 'con', '%E0%A4%A', '%ZZ', 'a%2', 'caf\u00e9', 'has space'])('refuses the foreign file name %j', (name) => {
    expect(decodeSessionKey(name)).toBeUndefined();
  });

  it('ignores foreign files in the sessions dir when listing', () => {
    const store = openStore();
    store.appendMessage('Main', message('user', 'x', 'r1'));
    writeFileSync(join(store.dir, 'Main.jsonl'), `${JSON.stringify(message('user', 'foreign', 'r9'))}\n`);
    writeFileSync(join(store.dir, 'notes.txt'), 'hello');
    expect(readdirSync(store.dir).sort()).toEqual(['%4Dain.jsonl', 'Main.jsonl', 'index.json', 'notes.txt']);
    expect(store.list().map((s) => s.key)).toEqual(['Main']);
    expect(store.history('Main').messages.map((m) => m.text)).toEqual(['x']);
  });
});

describe('SessionStore context', () => {
  it('returns everything when nothing was compacted', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'q', 'r1'));
    store.appendMessage('main', message('assistant', 'a', 'r1'));
    expect(plainContext(store.context('main'))).toEqual({
      summary: undefined,
      messages: [
        { role: 'user', text: 'q' },
        { role: 'assistant', text: 'a' },
      ],
      firstIndex: 0,
      total: 2,
    });
  });

  it('after a compaction returns the summary and only the later messages, without the excluded run', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'old q', 'r1'));
    store.appendMessage('main', message('assistant', 'old a', 'r1'));
    store.appendCompaction('main', 2, 'they talked about old things');
    store.appendMessage('main', message('user', 'new q', 'r2'));
    store.appendMessage('main', message('assistant', 'new a', 'r2'));
    store.appendMessage('main', message('user', 'current prompt', 'r3'));

    expect(plainContext(store.context('main', ['r3']))).toEqual({
      summary: 'they talked about old things',
      messages: [
        { role: 'user', text: 'new q' },
        { role: 'assistant', text: 'new a' },
      ],
      firstIndex: 2,
      total: 5,
    });
    // The transcript keeps every message; compaction markers are not messages.
    expect(store.history('main').messages.map((m) => m.text)).toEqual(['old q', 'old a', 'new q', 'new a', 'current prompt']);
    expect(store.list()[0]).toMatchObject({ messageCount: 5, preview: 'current prompt' });
  });

  it('uses the latest of several compactions', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'a', 'r1'));
    store.appendCompaction('main', 1, 'first');
    store.appendMessage('main', message('user', 'b', 'r2'));
    store.appendCompaction('main', 2, 'second');
    store.appendMessage('main', message('user', 'c', 'r3'));
    expect(plainContext(store.context('main'))).toMatchObject({ summary: 'second', messages: [{ role: 'user', text: 'c' }], firstIndex: 2, total: 3 });
  });
});

describe('SessionStore with replies written in pieces', () => {
  const piece = (runId: string, from: number, text: string, seq: number, extra: Partial<CheckpointRecord> = {}): CheckpointRecord => ({
    type: 'checkpoint',
    ts: clock++,
    runId,
    from,
    text,
    seq,
    source: 'rpc',
    provider: 'echo',
    model: 'echo',
    ...extra,
  });

  /** What a store that never saw the appends makes of the file: the index deleted, a fresh store, `list()`. */
  function rebuilt(session: string) {
    rmSync(join(dataDir, 'sessions', 'index.json'), { force: true });
    return openStore()
      .list()
      .find((s) => s.key === session);
  }

  it('counts pieces and their final record as one message, as a rebuild from the file does', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'question', 'r1', { thinking: 'low' }));
    store.appendRunRecord('main', piece('r1', 0, 'Hel', 0));
    store.appendRunRecord('main', piece('r1', 3, 'lo', 1));
    expect(store.summary('main').messageCount).toBe(2);
    const summary = store.appendMessage('main', message('assistant', 'Hello!', 'r1', { state: 'complete' }));
    expect(summary).toMatchObject({ messageCount: 2, preview: 'Hello!', thinking: 'low' });
    expect(store.list()).toEqual([summary]);
    expect(rebuilt('main')).toEqual(summary);
  });

  it('keeps the preview of a session with a reply still in pieces equal to a rebuild (pieces do not change it)', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'question', 'r1'));
    store.appendRunRecord('main', piece('r1', 0, 'partial answer', 0));
    store.appendRunRecord('main', piece('r1', 14, ' more', 1));
    const live = store.summary('main');
    expect(live).toMatchObject({ messageCount: 2, preview: 'question' });
    expect(rebuilt('main')).toEqual(live);
  });

  it('keeps its count and preview equal to a rebuild through a resumed key, a gap and a lost first piece', () => {
    const store = openStore();
    /** Appends, then checks the count this store keeps against a fold of the file. */
    const append = (record: MessageRecord | CheckpointRecord) => {
      if (record.type === 'message') store.appendMessage('main', record);
      else store.appendRunRecord('main', record);
      expect(store.summary('main').messageCount, `after ${record.type} ${record.runId} ${JSON.stringify(record.text)}`).toBe(store.history('main').total);
    };
    append(message('user', 'q1', 'r1', { idempotencyKey: 'K' }));
    append(piece('r1', 0, 'cut off', 0, { idempotencyKey: 'K' }));
    // The gateway stopped; the key ran again as r2 on the stored message.
    append(piece('r2', 0, 'again', 0, { idempotencyKey: 'K' }));
    append(message('assistant', 'again, whole', 'r2', { state: 'complete', idempotencyKey: 'K' }));
    // A run with a gap in its pieces, then its final record.
    append(message('user', 'q3', 'r3'));
    append(piece('r3', 0, 'abc', 0));
    append(piece('r3', 9, 'xyz', 3));
    append(message('assistant', 'abcdefghixyz', 'r3', { state: 'complete' }));
    // A run whose first piece is lost (no message to show), then its final record.
    append(message('user', 'q4', 'r4'));
    append(piece('r4', 5, 'tail', 1));
    append(message('assistant', 'head tail', 'r4', { state: 'complete' }));

    expect(store.history('main').messages.map((m) => `${m.runId}:${m.text}:${m.state ?? ''}`)).toEqual([
      'r1:q1:',
      'r1:cut off:interrupted',
      'r2:again, whole:complete',
      'r3:q3:',
      'r3:abcdefghixyz:complete',
      'r4:q4:',
      'r4:head tail:complete',
    ]);
    const summary = store.summary('main');
    expect(summary).toMatchObject({ messageCount: 7, preview: 'head tail' });
    expect(rebuilt('main')).toEqual(summary);
  });

  it('keeps its count equal to a rebuild when another writer wrote the pieces and it writes the final record', () => {
    const host = openStore();
    host.appendMessage('main', message('user', 'q', 'r1'));
    const other = openStore();
    other.appendRunRecord('main', piece('r1', 0, 'par', 0));
    host.appendRunRecord('main', piece('r1', 3, 'tial', 1));
    const summary = host.appendMessage('main', message('assistant', 'partial', 'r1', { state: 'complete' }));
    expect(summary).toMatchObject({ messageCount: 2, preview: 'partial' });
    expect(rebuilt('main')).toEqual(summary);
  });

  it('marks a reply in pieces streaming (with its seq) while its run is live, interrupted once it is not', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'q', 'r1'));
    store.appendRunRecord('main', piece('r1', 0, 'so ', 4));
    store.appendRunRecord('main', piece('r1', 3, 'far', 7));
    store.appendMessage('main', message('user', 'q2', 'r2'));
    store.appendMessage('main', message('assistant', 'done', 'r2', { state: 'complete' }));

    const live = store.history('main', { isLive: (runId) => runId === 'r1' || runId === 'r2' }).messages;
    expect(live[1]).toEqual({ index: 1, role: 'assistant', text: 'so far', ts: expect.any(Number), runId: 'r1', source: 'rpc', provider: 'echo', model: 'echo', state: 'streaming', seq: 7 });
    expect(live[3]).toMatchObject({ text: 'done', state: 'complete' }); // a finished reply is never streaming
    expect(live[3]).not.toHaveProperty('seq');

    for (const isLive of [undefined, () => false]) {
      const stopped = store.history('main', isLive ? { isLive } : {}).messages[1];
      expect(stopped).toMatchObject({ text: 'so far', state: 'interrupted' });
      expect(stopped).not.toHaveProperty('seq');
    }
  });

  it('leaves aborted, failed and interrupted replies and the excluded runs out of the context', () => {
    const store = openStore();
    store.appendMessage('main', message('user', 'q1', 'r1'));
    store.appendMessage('main', message('assistant', 'a1', 'r1', { state: 'complete' }));
    store.appendMessage('main', message('user', 'q2', 'r2'));
    store.appendMessage('main', message('assistant', 'a2 half', 'r2', { state: 'aborted', aborted: true }));
    store.appendMessage('main', message('user', 'q3', 'r3'));
    store.appendMessage('main', message('assistant', 'a3 broken', 'r3', { state: 'failed', error: 'down' }));
    store.appendMessage('main', message('user', 'q4', 'r4'));
    store.appendMessage('main', message('assistant', 'legacy half', 'r4', { aborted: true })); // written before `state`
    store.appendMessage('main', message('user', 'q5', 'r5'));
    store.appendMessage('main', message('assistant', 'legacy broken', 'r5', { error: 'down' }));
    store.appendMessage('main', message('user', 'q6', 'r6'));
    store.appendRunRecord('main', piece('r6', 0, 'a6 cut', 0));
    store.appendMessage('main', message('user', 'q7', 'r7'));
    store.appendMessage('main', message('assistant', 'legacy whole', 'r7'));
    store.appendMessage('main', message('user', 'resumed prompt', 'r8', { idempotencyKey: 'K' }));
    store.appendMessage('main', message('assistant', 'r8 failed', 'r8', { state: 'failed', error: 'down', idempotencyKey: 'K' }));

    // The key runs again as r9: its prompt is passed on its own, so both runs are excluded.
    expect(plainContext(store.context('main', ['r9', 'r8']))).toEqual({
      summary: undefined,
      messages: [
        { role: 'user', text: 'q1' },
        { role: 'assistant', text: 'a1' },
        { role: 'user', text: 'q2' },
        { role: 'user', text: 'q3' },
        { role: 'user', text: 'q4' },
        { role: 'user', text: 'q5' },
        { role: 'user', text: 'q6' },
        { role: 'user', text: 'q7' },
        { role: 'assistant', text: 'legacy whole' },
      ],
      firstIndex: 0,
      total: 16,
    });
    expect(plainContext(store.context('main')).messages.at(-1)).toEqual({ role: 'user', text: 'resumed prompt' });
  });
});
