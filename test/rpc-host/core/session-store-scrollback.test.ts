/**
 * Scrolling back through a session longer than a store holds in memory: the
 * first page past the held messages reads the whole file, and the pages after it
 * reuse that read (until the file changes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const reads = vi.hoisted(() => ({ fromStart: 0 }));
vi.mock('../../../rpc-host/core/transcript-file.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../rpc-host/core/transcript-file.js')>();
  return {
    ...actual,
    forEachRecordFrom: (...args: Parameters<typeof actual.forEachRecordFrom>) => {
      if (args[1] === 0) reads.fromStart++;
      return actual.forEachRecordFrom(...args);
    },
  };
});

const { SessionStore } = await import('../../../rpc-host/core/session-store.js');

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tether-scrollback-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('scrolling back through a long session', () => {
  it('reads the whole file once for all the pages past what is held, and again after it changed', () => {
    const store = new SessionStore(dataDir, 0, { messages: 5, chars: 10 });
    for (let turn = 0; turn < 60; turn++) {
      store.appendMessage('main', { type: 'message', role: 'user', text: `question ${turn}`, ts: turn * 2, runId: `r${turn}` });
      store.appendMessage('main', { type: 'message', role: 'assistant', text: `answer ${turn}`, ts: turn * 2 + 1, runId: `r${turn}`, state: 'complete' });
    }
    store.history('main', { limit: 1 }); // the newest message: the session is now held (its newest messages)
    reads.fromStart = 0;
    const texts: string[] = [];
    for (let before = 120; before > 0; before -= 10) {
      texts.unshift(...store.history('main', { limit: 10, before }).messages.map((message) => message.text));
    }
    expect(texts).toHaveLength(120);
    expect(texts[0]).toBe('question 0');
    expect(reads.fromStart).toBe(1);

    store.appendMessage('main', { type: 'message', role: 'user', text: 'one more', ts: 999, runId: 'r99' });
    expect(store.history('main', { limit: 10, before: 10 }).messages[0]!.text).toBe('question 0');
    expect(reads.fromStart).toBe(2);
  });
});
