/**
 * The run index: keys and runs read from the transcripts, so they survive a restart
 * and include what other writers appended; incremental catch-up, a torn last line,
 * a replaced file, retention by count and age, outcome states and delivery
 * locations, the first message of a key winning, and a late record of an older run.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunIndex, type RunIndexRetention } from '../../../rpc-host/core/run-index.js';
import { SessionStore } from '../../../rpc-host/core/session-store.js';
import { appendRecord, type CheckpointRecord, type MessageRecord, type TranscriptRecord } from '../../../rpc-host/core/transcript-file.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tether-run-index-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pathOf = (session: string) => join(dir, `${session}.jsonl`);

function openIndex(retention?: RunIndexRetention, now?: () => number): RunIndex {
  return new RunIndex(pathOf, retention, now);
}

let clock = 1_700_000_000_000;

function user(text: string, runId: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return { type: 'message', role: 'user', text, ts: clock++, runId, source: 'rpc', ...extra };
}

function reply(text: string, runId: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return { type: 'message', role: 'assistant', text, ts: clock++, runId, provider: 'echo', model: 'echo', state: 'complete', ...extra };
}

function piece(runId: string, from: number, text: string, seq: number, extra: Partial<CheckpointRecord> = {}): CheckpointRecord {
  return { type: 'checkpoint', ts: clock++, runId, from, text, seq, ...extra };
}

function write(session: string, ...records: TranscriptRecord[]): void {
  for (const record of records) appendRecord(pathOf(session), record);
}

describe('RunIndex built from transcripts', () => {
  it('knows keys and runs written before it existed, as after a gateway restart', () => {
    write('main', user('q1', 'r1', { idempotencyKey: 'K1', requestedModel: 'echo/fast' }), reply('a1', 'r1', { idempotencyKey: 'K1' }), user('q2', 'r2'), piece('r2', 0, 'part', 0));
    const index = openIndex();

    expect(index.key('main', 'K1')).toEqual({
      key: 'K1',
      session: 'main',
      userRunId: 'r1',
      text: 'q1',
      requestedModel: 'echo/fast',
      ts: expect.any(Number),
      runIds: ['r1'],
      outcome: { state: 'complete', runId: 'r1', at: expect.any(Number), bytes: expect.any(Number) },
    });
    expect(index.run('main', 'r1')).toMatchObject({ runId: 'r1', key: 'K1', outcome: { state: 'complete' } });
    // An unkeyed run whose reply has pieces but no final record: known, not ended.
    expect(index.run('main', 'r2')).toEqual({ runId: 'r2', key: undefined, ts: expect.any(Number), outcome: undefined });
    expect(index.key('main', 'nope')).toBeUndefined();
    expect(index.run('main', 'nope')).toBeUndefined();
    expect(index.key('other', 'K1')).toBeUndefined(); // keys are per session
  });

  it('reads a reply back from where its outcome says it is', () => {
    write('main', user('q', 'r1', { idempotencyKey: 'K' }), piece('r1', 0, 'an', 0, { idempotencyKey: 'K' }), reply('answer', 'r1', { idempotencyKey: 'K' }));
    const index = openIndex();
    const outcome = index.key('main', 'K')!.outcome!;
    expect(index.readOutcome('main', outcome)).toEqual({ record: expect.objectContaining({ role: 'assistant', text: 'answer', runId: 'r1' }), delivery: undefined });
  });

  it('catches up with appends made after its last look-up', () => {
    const index = openIndex();
    expect(index.key('main', 'K')).toBeUndefined(); // no file yet
    write('main', user('q', 'r1', { idempotencyKey: 'K' }));
    expect(index.key('main', 'K')).toMatchObject({ runIds: ['r1'], outcome: undefined });
    write('main', piece('r1', 0, 'a', 0, { idempotencyKey: 'K' }));
    expect(index.key('main', 'K')).toMatchObject({ runIds: ['r1'], outcome: undefined });
    write('main', reply('ab', 'r1', { idempotencyKey: 'K' }));
    expect(index.key('main', 'K')?.outcome).toMatchObject({ state: 'complete', runId: 'r1' });
    write('main', user('q2', 'r2', { idempotencyKey: 'K2' }));
    expect(index.run('main', 'r2')).toMatchObject({ key: 'K2', outcome: undefined });
  });

  it('sees what other SessionStores on the same directory append', () => {
    const dataDir = join(dir, 'data');
    const host = new SessionStore(dataDir, 0);
    const cli = new SessionStore(dataDir, 0); // e.g. a one-shot `tether agent` process
    const index = new RunIndex((session) => host.transcriptPath(session));

    host.appendMessage('main', user('from host', 'r1', { idempotencyKey: 'H' }));
    expect(index.key('main', 'H')?.text).toBe('from host');
    cli.appendMessage('main', user('from cli', 'r2', { idempotencyKey: 'C' }));
    cli.appendRunRecord('main', piece('r2', 0, 'cl', 0, { idempotencyKey: 'C' }));
    cli.appendMessage('main', reply('cli reply', 'r2', { idempotencyKey: 'C' }));
    host.appendMessage('main', reply('host reply', 'r1', { idempotencyKey: 'H' }));

    expect(index.key('main', 'C')).toMatchObject({ text: 'from cli', runIds: ['r2'], outcome: { state: 'complete', runId: 'r2' } });
    expect(index.key('main', 'H')).toMatchObject({ runIds: ['r1'], outcome: { state: 'complete', runId: 'r1' } });
    expect(index.readOutcome('main', index.key('main', 'C')!.outcome!)?.record.text).toBe('cli reply');
    expect(index.readOutcome('main', index.key('main', 'H')!.outcome!)?.record.text).toBe('host reply');
    host.flush();
    cli.flush();
  });

  it('gives the same answers built at once as built one append at a time', () => {
    const records: TranscriptRecord[] = [
      user('q1', 'r1', { idempotencyKey: 'A' }),
      piece('r1', 0, 'x', 0, { idempotencyKey: 'A' }),
      reply('', 'r1', { state: 'failed', error: 'down', idempotencyKey: 'A' }),
      piece('r2', 0, 'y', 0, { idempotencyKey: 'A' }),
      reply('yz', 'r2', { idempotencyKey: 'A' }),
      { type: 'delivery', ts: clock++, runId: 'r2', delivered: true },
      user('q3', 'r3'),
      reply('a3', 'r3', { state: 'aborted', aborted: true }),
    ];
    const stepwise = openIndex();
    for (const record of records) {
      write('main', record);
      stepwise.run('main', 'r1');
    }
    const atOnce = openIndex();
    for (const runId of ['r1', 'r2', 'r3']) expect(stepwise.run('main', runId)).toEqual(atOnce.run('main', runId));
    expect(stepwise.key('main', 'A')).toEqual(atOnce.key('main', 'A'));
    expect(atOnce.key('main', 'A')).toMatchObject({ runIds: ['r1', 'r2'], outcome: { state: 'complete', runId: 'r2', delivery: expect.any(Object) } });
  });
});

describe('RunIndex and damaged or replaced files', () => {
  it('leaves a torn last line for later, then recovers the record glued after it', () => {
    write('main', user('q1', 'r1', { idempotencyKey: 'K1' }));
    const index = openIndex();
    expect(index.key('main', 'K1')).toBeDefined();

    appendFileSync(pathOf('main'), '{"type":"message","role":"user","text":"cut o'); // a writer died mid-line
    expect(index.key('main', 'K1')).toMatchObject({ text: 'q1' });

    write('main', user('q2', 'r2', { idempotencyKey: 'K2' }), reply('a2', 'r2', { idempotencyKey: 'K2' }));
    expect(index.key('main', 'K1')).toMatchObject({ text: 'q1', runIds: ['r1'] });
    expect(index.key('main', 'K2')).toMatchObject({ text: 'q2', runIds: ['r2'], outcome: { state: 'complete', runId: 'r2' } });
    // The reply's location reads back even though its line is not the glued one's start.
    expect(index.readOutcome('main', index.key('main', 'K2')!.outcome!)?.record.text).toBe('a2');
    // A fresh index over the same file finds the same.
    expect(openIndex().key('main', 'K2')).toEqual(index.key('main', 'K2'));
  });

  it('reads a reply record that is itself glued to a torn line back from its outcome', () => {
    write('main', user('q', 'r1', { idempotencyKey: 'K' }));
    appendFileSync(pathOf('main'), '{"type":"checkpoint","ts":1,"runId":"r1","fr');
    const index = openIndex();
    expect(index.key('main', 'K')?.outcome).toBeUndefined();
    write('main', reply('the answer', 'r1', { idempotencyKey: 'K' }));
    const outcome = index.key('main', 'K')?.outcome;
    expect(outcome).toMatchObject({ state: 'complete', runId: 'r1' });
    expect(index.readOutcome('main', outcome!)?.record.text).toBe('the answer');
  });

  it('starts over when the file was replaced by a shorter one', () => {
    write('main', user('old q', 'r1', { idempotencyKey: 'OLD' }), reply('a long old answer', 'r1', { idempotencyKey: 'OLD' }));
    const index = openIndex();
    expect(index.key('main', 'OLD')).toBeDefined();

    writeFileSync(pathOf('main'), `${JSON.stringify(user('new', 'r9', { idempotencyKey: 'NEW' }))}\n`);
    expect(index.key('main', 'OLD')).toBeUndefined();
    expect(index.run('main', 'r1')).toBeUndefined();
    expect(index.key('main', 'NEW')).toMatchObject({ text: 'new', runIds: ['r9'] });
  });

  it('forgets everything when the file was removed', () => {
    write('main', user('q', 'r1', { idempotencyKey: 'K' }));
    const index = openIndex();
    expect(index.key('main', 'K')).toBeDefined();
    rmSync(pathOf('main'));
    expect(index.key('main', 'K')).toBeUndefined();
  });

  it('skips foreign lines', () => {
    appendFileSync(pathOf('main'), 'not json\n{"type":"unknown"}\n');
    write('main', user('q', 'r1', { idempotencyKey: 'K' }));
    expect(openIndex().key('main', 'K')).toMatchObject({ text: 'q' });
  });
});

describe('RunIndex outcomes', () => {
  it.each([
    ['complete', { state: 'complete' as const }],
    ['aborted', { state: 'aborted' as const, aborted: true }],
    ['failed', { state: 'failed' as const, error: 'down' }],
    ['aborted', { state: undefined, aborted: true }], // written before `state`
    ['failed', { state: undefined, error: 'down' }],
    ['complete', { state: undefined }],
  ])('records a %s reply as its outcome', (state, marks) => {
    write('main', user('q', 'r1', { idempotencyKey: 'K' }), reply('a', 'r1', { idempotencyKey: 'K', ...marks }));
    const index = openIndex();
    expect(index.key('main', 'K')?.outcome?.state).toBe(state);
    expect(index.run('main', 'r1')?.outcome?.state).toBe(state);
  });

  it('locates the delivery report of a run and reads it back with the reply', () => {
    write('main', user('q', 'r1', { idempotencyKey: 'K' }), reply('a', 'r1', { idempotencyKey: 'K' }));
    const index = openIndex();
    expect(index.key('main', 'K')?.outcome?.delivery).toBeUndefined();
    write('main', { type: 'delivery', ts: clock++, runId: 'r1', delivered: false, error: 'webhook said 503' });
    const outcome = index.key('main', 'K')!.outcome!;
    expect(outcome.delivery).toEqual({ at: expect.any(Number), bytes: expect.any(Number) });
    expect(index.readOutcome('main', outcome)).toEqual({
      record: expect.objectContaining({ text: 'a' }),
      delivery: { type: 'delivery', ts: expect.any(Number), runId: 'r1', delivered: false, error: 'webhook said 503' },
    });
  });

  it('ignores a delivery report of a run it does not know', () => {
    write('main', { type: 'delivery', ts: clock++, runId: 'ghost', delivered: true });
    expect(openIndex().run('main', 'ghost')).toBeUndefined();
  });

  it('keeps the first message of a key when another user message reuses it', () => {
    write('main', user('first', 'r1', { idempotencyKey: 'K', requestedModel: 'a' }), user('second', 'r2', { idempotencyKey: 'K', requestedModel: 'b' }));
    const index = openIndex();
    expect(index.key('main', 'K')).toMatchObject({ userRunId: 'r1', text: 'first', requestedModel: 'a', runIds: ['r1'] });
    expect(index.run('main', 'r2')).toMatchObject({ key: 'K' });
  });

  it('lists every run of a resumed key and takes the latest run\'s end', () => {
    write('main', user('q', 'r1', { idempotencyKey: 'K' }), piece('r1', 0, 'cut', 0, { idempotencyKey: 'K' }));
    const index = openIndex();
    expect(index.key('main', 'K')).toMatchObject({ runIds: ['r1'], outcome: undefined });
    write('main', piece('r2', 0, 'again', 0, { idempotencyKey: 'K' }));
    expect(index.key('main', 'K')).toMatchObject({ runIds: ['r1', 'r2'], outcome: undefined });
    write('main', reply('again, whole', 'r2', { idempotencyKey: 'K' }));
    expect(index.key('main', 'K')).toMatchObject({ userRunId: 'r1', runIds: ['r1', 'r2'], outcome: { state: 'complete', runId: 'r2' } });
  });

  it('clears a failed outcome when a new run of the key starts streaming', () => {
    write('main', user('q', 'r1', { idempotencyKey: 'K' }), reply('', 'r1', { idempotencyKey: 'K', state: 'failed', error: 'down' }));
    const index = openIndex();
    expect(index.key('main', 'K')?.outcome?.state).toBe('failed');
    write('main', piece('r2', 0, 'ok', 0, { idempotencyKey: 'K' }));
    expect(index.key('main', 'K')?.outcome).toBeUndefined();
    expect(index.run('main', 'r1')?.outcome?.state).toBe('failed'); // the run itself still ended so
  });

  it('does not let an older run\'s late reply overrule a newer run of the same key', () => {
    write(
      'main',
      user('q', 'r1', { idempotencyKey: 'K' }),
      piece('r1', 0, 'old', 0, { idempotencyKey: 'K' }),
      piece('r2', 0, 'new', 0, { idempotencyKey: 'K' }),
      reply('new answer', 'r2', { idempotencyKey: 'K' }),
      reply('old', 'r1', { idempotencyKey: 'K', state: 'aborted', aborted: true }),
    );
    const index = openIndex();
    expect(index.key('main', 'K')).toMatchObject({ runIds: ['r1', 'r2'], outcome: { state: 'complete', runId: 'r2' } });
    expect(index.run('main', 'r1')?.outcome).toMatchObject({ state: 'aborted', runId: 'r1' });
  });
});

describe('RunIndex retention', () => {
  const base = 1_800_000_000_000;
  /** Five keyed sends, one second apart from `base`. */
  function fiveSends(): void {
    for (let i = 0; i < 5; i++) write('main', user(`q${i}`, `r${i}`, { idempotencyKey: `K${i}`, ts: base + i * 1000 }));
  }
  const known = (index: RunIndex) => [0, 1, 2, 3, 4].filter((i) => index.key('main', `K${i}`) !== undefined).map((i) => `K${i}`);
  const knownRuns = (index: RunIndex) => [0, 1, 2, 3, 4].filter((i) => index.run('main', `r${i}`) !== undefined).map((i) => `r${i}`);

  it('keeps only the last maxEntries of entries older than maxAgeMs', () => {
    fiveSends();
    const index = openIndex({ maxEntries: 2, maxAgeMs: 1000 }, () => base + 60_000);
    expect(known(index)).toEqual(['K3', 'K4']);
    expect(knownRuns(index)).toEqual(['r3', 'r4']);
  });

  it('keeps entries younger than maxAgeMs even past maxEntries', () => {
    fiveSends();
    // Now is 4.5 s after the first send: with a 2.5 s age limit K2 (just 2.5 s old), K3
    // and K4 are young, three entries where one is allowed.
    const index = openIndex({ maxEntries: 1, maxAgeMs: 2500 }, () => base + 4500);
    expect(known(index)).toEqual(['K2', 'K3', 'K4']);
    expect(knownRuns(index)).toEqual(['r2', 'r3', 'r4']);
  });

  it('keeps everything while there are no more than maxEntries', () => {
    fiveSends();
    expect(known(openIndex({ maxEntries: 5, maxAgeMs: 0 }, () => base + 1e9))).toEqual(['K0', 'K1', 'K2', 'K3', 'K4']);
  });

  it('prunes as it catches up, by the clock at that time', () => {
    let now = base;
    const index = openIndex({ maxEntries: 2, maxAgeMs: 10_000 }, () => now);
    fiveSends();
    expect(known(index)).toEqual(['K0', 'K1', 'K2', 'K3', 'K4']); // all young
    now = base + 12_500; // K0..K2 are now older than 10 s
    write('main', user('q5', 'r5', { idempotencyKey: 'K5', ts: now }));
    expect(known(index)).toEqual(['K3', 'K4']);
    expect(index.key('main', 'K5')).toBeDefined();
  });
});
