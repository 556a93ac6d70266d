/**
 * The per-session run queue: FIFO one-at-a-time within a session, sessions side by
 * side, aborting waiting and running runs, the `busy` limit, totals/details and
 * whenIdle. Ordering is proven with deferred promises, never with timing.
 */
import { describe, expect, it } from 'vitest';
import { RunQueue, type Run } from '../../../rpc-host/core/run-queue.js';
import { ProtocolError } from '../../../rpc-host/protocol/errors.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function makeRun(runId: string, session = 'main'): Run {
  return { runId, session, source: 'rpc', controller: new AbortController(), startedAt: undefined };
}

/** Lets pending promise callbacks run (several hops: then, finally, pump). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A queue plus a log of which runs started, each finishing when the test says so. */
function harness(maxWaiting = 100) {
  const queue = new RunQueue(maxWaiting);
  const started: string[] = [];
  const gates = new Map<string, Deferred<string>>();
  const enqueue = (run: Run) =>
    queue.enqueue(run, (current) => {
      started.push(current.runId);
      const gate = deferred<string>();
      gates.set(current.runId, gate);
      return gate.promise;
    });
  const finish = async (runId: string, value = `done ${runId}`) => {
    const gate = gates.get(runId);
    if (!gate) throw new Error(`run ${runId} has not started`);
    gate.resolve(value);
    await flush();
  };
  return { queue, started, enqueue, finish, gates };
}

/** Records how a promise settled without letting a rejection go unhandled. */
function track<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown } = { status: 'pending' };
  promise.then(
    (value) => Object.assign(state, { status: 'fulfilled', value }),
    (reason: unknown) => Object.assign(state, { status: 'rejected', reason }),
  );
  return state;
}

describe('RunQueue', () => {
  it('runs one run at a time per session, in FIFO order', async () => {
    const { started, enqueue, finish } = harness();
    const a = track(enqueue(makeRun('a')));
    const b = track(enqueue(makeRun('b')));
    const c = track(enqueue(makeRun('c')));
    await flush();
    expect(started).toEqual(['a']);

    await finish('a');
    expect(a).toEqual({ status: 'fulfilled', value: 'done a' });
    expect(started).toEqual(['a', 'b']);
    expect(c.status).toBe('pending');

    await finish('b');
    expect(started).toEqual(['a', 'b', 'c']);
    await finish('c');
    expect([b.value, c.value]).toEqual(['done b', 'done c']);
  });

  it('starts the next run after a failing one, and passes the failure on', async () => {
    const { started, enqueue, gates } = harness();
    const a = track(enqueue(makeRun('a')));
    const b = track(enqueue(makeRun('b')));
    gates.get('a')!.reject(new Error('provider fell over'));
    await flush();
    expect(a.status).toBe('rejected');
    expect((a.reason as Error).message).toBe('provider fell over');
    expect(started).toEqual(['a', 'b']);
    expect(b.status).toBe('pending');
  });

  it('starts the next run after work that throws synchronously', async () => {
    const queue = new RunQueue(10);
    const first = track(
      queue.enqueue(makeRun('a'), () => {
        throw new Error('sync bug');
      }),
    );
    const second = track(queue.enqueue(makeRun('b'), async () => 'ok'));
    await flush();
    expect(first.status).toBe('rejected');
    expect(second).toEqual({ status: 'fulfilled', value: 'ok' });
  });

  it('runs different sessions concurrently', async () => {
    const { queue, started, enqueue, finish } = harness();
    const one = track(enqueue(makeRun('s1-a', 's1')));
    track(enqueue(makeRun('s1-b', 's1')));
    const two = track(enqueue(makeRun('s2-a', 's2')));
    await flush();
    // Both sessions' first runs are going before either finished.
    expect(started).toEqual(['s1-a', 's2-a']);
    expect(queue.totals()).toEqual({ depth: 1, running: 2 });

    await finish('s2-a'); // the second session can finish first
    expect(two.status).toBe('fulfilled');
    expect(one.status).toBe('pending');
    expect(started).toEqual(['s1-a', 's2-a']);
  });

  it('gives each run its startedAt when it starts, not when it is queued', async () => {
    const { enqueue, finish } = harness();
    const a = makeRun('a');
    const b = makeRun('b');
    track(enqueue(a));
    track(enqueue(b));
    await flush();
    expect(a.startedAt).toEqual(expect.any(Number));
    expect(b.startedAt).toBeUndefined();
    await finish('a');
    expect(b.startedAt).toEqual(expect.any(Number));
  });

  it('abortRun of a waiting run rejects it with code aborted, and it never starts', async () => {
    const { queue, started, enqueue, finish } = harness();
    track(enqueue(makeRun('a')));
    const runB = makeRun('b');
    const b = track(enqueue(runB));
    const c = track(enqueue(makeRun('c')));
    await flush();

    expect(queue.abortRun('b', 'user said stop')).toEqual(['b']);
    await flush();
    expect(b.status).toBe('rejected');
    expect(b.reason).toBeInstanceOf(ProtocolError);
    expect((b.reason as ProtocolError).code).toBe('aborted');
    expect((b.reason as ProtocolError).message).toContain('user said stop');
    expect(runB.controller.signal.aborted).toBe(true);

    await finish('a');
    expect(started).toEqual(['a', 'c']);
    await finish('c');
    expect(c.status).toBe('fulfilled');
    expect(started).not.toContain('b');
  });

  it('abortRun of the running run aborts its controller; the run settles on its own', async () => {
    const { queue, enqueue, finish } = harness();
    const runA = makeRun('a');
    const a = track(enqueue(runA));
    await flush();
    expect(queue.abortRun('a', 'stop')).toEqual(['a']);
    expect(runA.controller.signal.aborted).toBe(true);
    expect(runA.controller.signal.reason).toBe('stop');
    expect(a.status).toBe('pending'); // the work decides what an aborted run returns
    await finish('a', 'partial');
    expect(a).toEqual({ status: 'fulfilled', value: 'partial' });
  });

  it('abortRun of an unknown id aborts nothing', async () => {
    const { queue, enqueue } = harness();
    const runA = makeRun('a');
    track(enqueue(runA));
    expect(queue.abortRun('nope', 'x')).toEqual([]);
    expect(runA.controller.signal.aborted).toBe(false);
  });

  it('abortSession aborts the running run and rejects every waiting one, leaving other sessions alone', async () => {
    const { queue, started, enqueue, finish } = harness();
    const runA = makeRun('a');
    track(enqueue(runA));
    const b = track(enqueue(makeRun('b')));
    const c = track(enqueue(makeRun('c')));
    const other = makeRun('o', 'other');
    track(enqueue(other));
    await flush();

    expect(queue.abortSession('main', 'bye').sort()).toEqual(['a', 'b', 'c']);
    await flush();
    expect(runA.controller.signal.aborted).toBe(true);
    expect([b.status, c.status]).toEqual(['rejected', 'rejected']);
    expect((c.reason as ProtocolError).code).toBe('aborted');
    expect(other.controller.signal.aborted).toBe(false);
    await finish('a');
    expect(started).toEqual(['a', 'o']);
    expect(queue.abortSession('nobody', 'x')).toEqual([]);
  });

  it('abortAll aborts every session', async () => {
    const { queue, enqueue } = harness();
    const runs = [makeRun('a', 's1'), makeRun('b', 's2'), makeRun('c', 's2')];
    for (const run of runs) track(enqueue(run));
    await flush();
    expect(queue.abortAll('shutdown').sort()).toEqual(['a', 'b', 'c']);
    expect(runs.every((run) => run.controller.signal.aborted)).toBe(true);
  });

  it('throws busy when a session already has maxWaiting runs waiting', async () => {
    const { queue, enqueue } = harness(2);
    track(enqueue(makeRun('running')));
    track(enqueue(makeRun('w1')));
    track(enqueue(makeRun('w2')));
    let thrown: unknown;
    try {
      void enqueue(makeRun('w3'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe('busy');
    expect((thrown as ProtocolError).message).toContain('"main"');
    // Another session is not affected by main's full lane.
    expect(() => track(enqueue(makeRun('x', 'other')))).not.toThrow();
    expect(queue.totals()).toEqual({ depth: 2, running: 2 });
  });

  it('reports totals() and details() per session', async () => {
    const { queue, enqueue, finish } = harness();
    expect(queue.totals()).toEqual({ depth: 0, running: 0 });
    expect(queue.details()).toEqual([]);
    track(enqueue(makeRun('a', 's1')));
    track(enqueue(makeRun('b', 's1')));
    track(enqueue(makeRun('c', 's1')));
    track(enqueue(makeRun('d', 's2')));
    await flush();
    expect(queue.totals()).toEqual({ depth: 2, running: 2 });
    expect(queue.details()).toEqual([
      { session: 's1', queued: 2, running: { runId: 'a', startedAt: expect.any(Number), source: 'rpc' } },
      { session: 's2', queued: 0, running: { runId: 'd', startedAt: expect.any(Number), source: 'rpc' } },
    ]);
    expect(queue.isBusy('s1')).toBe(true);
    expect(queue.isBusy('s3')).toBe(false);

    await finish('d');
    expect(queue.details().map((detail) => detail.session)).toEqual(['s1']);
    expect(queue.isBusy('s2')).toBe(false);
  });

  it('whenIdle() resolves at once when idle, and only after the last run otherwise', async () => {
    const { queue, enqueue, finish } = harness();
    await expect(queue.whenIdle()).resolves.toBeUndefined();
    expect(queue.idle).toBe(true);

    track(enqueue(makeRun('a', 's1')));
    track(enqueue(makeRun('b', 's1')));
    track(enqueue(makeRun('c', 's2')));
    const idle = track(queue.whenIdle());
    await flush();

    await finish('a');
    await finish('c');
    expect(idle.status).toBe('pending'); // b is still going
    expect(queue.idle).toBe(false);
    await finish('b');
    expect(idle.status).toBe('fulfilled');
    expect(queue.idle).toBe(true);
  });

  it('whenIdle() resolves when the last waiting runs are aborted', async () => {
    const { queue, enqueue, finish } = harness();
    track(enqueue(makeRun('a')));
    track(enqueue(makeRun('b')));
    const idle = track(queue.whenIdle());
    await flush();
    queue.abortSession('main', 'stop');
    await flush();
    expect(idle.status).toBe('pending'); // a still has to settle
    await finish('a');
    expect(idle.status).toBe('fulfilled');
  });
});
