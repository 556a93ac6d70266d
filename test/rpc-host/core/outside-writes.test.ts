/**
 * Writes from outside the gateway: a transcript appended by another process (here
 * a second store on the same folder, as a one-shot CLI has) is announced, the
 * gateway's own appends are not, both with `fs.watch` and with the polling fallback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../rpc-host/protocol/schemas.js';
import { OutsideWriteWatcher } from '../../../rpc-host/core/outside-writes.js';
import { SessionStore } from '../../../rpc-host/core/session-store.js';
import type { MessageRecord } from '../../../rpc-host/core/transcript-file.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function message(text: string): MessageRecord {
  return { type: 'message', role: 'user', text, ts: Date.now(), runId: `r-${text}`, source: 'cli' };
}

/** A gateway's store with a watcher, another process's store, and the summaries the watcher announced. */
function setUp(forcePoll: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'tether-outside-'));
  const ours = new SessionStore(dir, 0);
  const theirs = new SessionStore(dir, 0);
  const seen: SessionSummary[] = [];
  let wake: (() => void) | undefined;
  const watcher = new OutsideWriteWatcher(ours, (summary) => {
    seen.push(summary);
    wake?.();
  }, { forcePoll, pollMs: 50 });
  cleanups.push(() => {
    watcher.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Resolves once a summary of `session` has been announced (the test times out otherwise). */
  const announced = (session: string): Promise<SessionSummary> =>
    new Promise((resolve) => {
      const check = () => {
        const found = seen.find((summary) => summary.key === session);
        if (found) resolve(found);
        else wake = check;
      };
      check();
    });
  return { ours, theirs, seen, announced };
}

describe.each([
  ['fs.watch', false],
  ['polling', true],
])('outside writes (%s)', (_name, forcePoll) => {
  it("announces another process's append with the session's new summary, and not our own", async () => {
    const { ours, theirs, seen, announced } = setUp(forcePoll);
    ours.appendMessage('mine', message('written by the gateway'));
    theirs.appendMessage('shared', message('one'));
    theirs.appendMessage('shared', message('two from outside'));
    const summary = await announced('shared');
    expect(summary).toMatchObject({ key: 'shared', preview: 'two from outside' });
    // Our own append was looked at first (its change came first) and not announced.
    expect(seen.map((s) => s.key)).not.toContain('mine');
    // The store now knows the file: a second look finds nothing new.
    expect(ours.noticeOutsideChange('shared')).toBeUndefined();
    expect(ours.summary('shared').messageCount).toBe(2);
  });

  it('announces a session created from outside', async () => {
    const { theirs, announced } = setUp(forcePoll);
    theirs.appendMessage('Fresh Session', message('hello'));
    expect(await announced('Fresh Session')).toMatchObject({ messageCount: 1, preview: 'hello' });
  });
});
