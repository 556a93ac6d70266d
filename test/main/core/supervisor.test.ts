/**
 * The supervisor's state machine, one transition at a time, without a process: a
 * fake spawner hands it children with in-memory pipes (test/helpers/fake-gateway-child.ts)
 * and fake timers drive the backoff, the readiness timeout and the stable-uptime reset.
 *
 * Every arrow of the diagram in docs/companion.md ("States") has a test here: start
 * (stopped → starting → running), a crash (running → restarting), the delayed restart
 * (restarting → starting), the backoff (doubling from ~100 ms, capped, started over
 * after 60 s of uptime), the breaker (5th crash in 3 minutes → failed), readiness
 * failing (no answer in time, applySettings failing, an exit) and a spawn error
 * (starting → restarting), a launch spec that fails (starting → failed), start and
 * restart from every state, restart while a stop is under way, and dispose in every
 * state. The real-process tests in test/integration/companion-*.test.ts prove the wiring.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CompanionError, type ExitInfo } from '../../../main/core/errors.js';
import { Supervisor, type LaunchSpec, type StateChange, type SupervisorOptions } from '../../../main/core/supervisor.js';
import type { Event } from '../../../rpc-host/protocol/schemas.js';
import { fakeSpawner, recordingLogger, type FakeGatewayChild } from '../../helpers/fake-gateway-child.js';
import { promiseState, type PromiseState } from '../../helpers/promise-state.js';

const T0 = 1_800_000_000_000;

const COMMAND = { file: 'node', args: ['host.js'], source: 'setting' as const, env: {} };
const LAUNCH: LaunchSpec = { ok: true, command: COMMAND, cwd: '/work', env: { TETHER_HOME: '/data' } };

const spawners: ReturnType<typeof fakeSpawner>[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});

afterEach(() => {
  for (const spawner of spawners) for (const child of spawner.children) child.exit();
  spawners.length = 0;
  vi.useRealTimers();
});

/** Lets the in-memory pipes and promise callbacks run, without moving the clock. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** How `promise` stands once the pipes are quiet. */
function stateOf(promise: Promise<unknown>): Promise<PromiseState> {
  return promiseState(promise, settle);
}

/** A supervisor over a fake spawner, with jitter off (every delay is exact) and its transitions recorded. */
function makeSupervisor(options: Partial<SupervisorOptions> = {}) {
  const spawner = fakeSpawner();
  spawners.push(spawner);
  const logger = recordingLogger();
  let spec: LaunchSpec = LAUNCH;
  const supervisor = new Supervisor({
    launchSpec: () => spec,
    spawn: spawner.spawn,
    logger,
    ...options,
    restartPolicy: { random: () => 0.5, ...options.restartPolicy },
  });
  const changes: StateChange[] = [];
  supervisor.onDidChangeState((change) => changes.push(change));
  let seen = 0;
  return {
    supervisor,
    spawner,
    logger,
    changes,
    setSpec(next: LaunchSpec): void {
      spec = next;
    },
    /** Each transition as `previous -> state: reason` (first line), `(stopping)` marked. */
    transitions(): string[] {
      return changes.map(({ previous, snapshot }) => `${previous} -> ${snapshot.state}${snapshot.stopping ? ' (stopping)' : ''}: ${snapshot.reason.split('\n')[0]}`);
    },
    /** The transitions since the last call. */
    newTransitions(): string[] {
      const all = this.transitions();
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh;
    },
  };
}

type Made = ReturnType<typeof makeSupervisor>;

/** Starts and waits until the first child is running. */
async function running(made: Made): Promise<FakeGatewayChild> {
  await made.supervisor.start('app started');
  expect(made.supervisor.currentState).toBe('running');
  made.newTransitions();
  return made.spawner.last;
}

/** Crashes the current child with `exit` and lets the supervisor react. */
async function crash(made: Made, exit: ExitInfo = { code: 1, signal: null }): Promise<void> {
  made.spawner.last.exit(exit);
  await settle();
}

/** The delays of the restarts so far, as the reasons state them. */
function delays(made: Made): number[] {
  return made.changes.filter((change) => change.snapshot.state === 'restarting').map((change) => Number(/restarting in (\d+) ms/u.exec(change.snapshot.reason)?.[1]));
}

describe('Supervisor: start', () => {
  it('stopped -> starting -> running: spawns the command with rpc, says hello, re-applies the settings, reads status', async () => {
    const made = makeSupervisor({
      applySettings: async (client) => {
        await client.request({ type: 'set-heartbeats', enabled: true });
      },
      requestTimeoutMs: 5000,
    });
    expect(made.supervisor.snapshot()).toEqual({
      state: 'stopped',
      reason: 'not started yet',
      failure: null,
      since: T0,
      stopping: false,
      pid: null,
      uptimeMs: null,
      restarts: 0,
      recentCrashes: 0,
      retryAt: null,
      retryInMs: null,
      lastExit: null,
      lastError: null,
      command: null,
      gateway: null,
    });

    await made.supervisor.start('app started');

    expect(made.transitions()).toEqual([
      'stopped -> starting: app started',
      'starting -> starting: app started: waiting for gateway pid 101 to answer',
      'starting -> running: gateway pid 101 is ready (provider echo, heartbeats on)',
    ]);
    const child = made.spawner.last;
    expect(child.options).toMatchObject({ command: COMMAND, args: ['rpc', '--listen'], cwd: '/work', env: { TETHER_HOME: '/data' }, requestTimeoutMs: 5000 });
    expect(child.requestTypes).toEqual(['hello', 'set-heartbeats', 'status']);
    expect(child.requests[0]).toMatchObject({ type: 'hello', protocol: 1, client: { name: 'tether-companion' } });
    expect(made.supervisor.client).toBe(child.client);
    expect(made.supervisor.currentState).toBe('running');

    vi.advanceTimersByTime(5000);
    expect(made.supervisor.snapshot()).toEqual({
      state: 'running',
      reason: 'gateway pid 101 is ready (provider echo, heartbeats on)',
      failure: null,
      since: T0,
      stopping: false,
      pid: 101,
      uptimeMs: 5000,
      restarts: 0,
      recentCrashes: 0,
      retryAt: null,
      retryInMs: null,
      lastExit: null,
      lastError: null,
      command: { file: 'node', args: ['host.js'], source: 'setting' },
      gateway: expect.objectContaining({ pid: 101, provider: 'echo', heartbeats: expect.objectContaining({ enabled: true }) }),
    });
    expect(made.logger.lines).toEqual([
      'info: gateway stopped -> starting: app started',
      'info: gateway pid 101 started: node host.js rpc --listen (in /work)',
      'info: gateway starting -> starting: app started: waiting for gateway pid 101 to answer',
      'info: gateway starting -> running: gateway pid 101 is ready (provider echo, heartbeats on)',
    ]);
  });

  it('goes on without hello when the host predates it (unknown_type)', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: { code: 'unknown_type', error: 'unsupported command: "hello"' } });
    await made.supervisor.start('app started');
    expect(made.supervisor.currentState).toBe('running');
    expect(made.spawner.last.requestTypes).toEqual(['hello', 'status']);
  });

  it('forwards the current child’s events', async () => {
    const made = makeSupervisor();
    const events: Event[] = [];
    made.supervisor.onDidReceiveEvent((event) => events.push(event));
    const child = await running(made);
    const event: Event = { type: 'event', event: 'session.updated', payload: { session: 'main', updatedAt: T0, messageCount: 1, preview: 'hi' } };
    child.emit(event);
    await settle();
    expect(events).toEqual([event]);
  });

  it('start while starting or running does nothing', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: 'hold' });
    const first = made.supervisor.start('app started');
    await settle();
    await made.supervisor.start('again');
    expect(made.spawner.children).toHaveLength(1);
    expect(made.supervisor.currentState).toBe('starting');

    made.spawner.last.release('hello');
    await first;
    made.newTransitions();
    await made.supervisor.start('and again');
    expect(made.spawner.children).toHaveLength(1);
    expect(made.newTransitions()).toEqual([]);
  });

  it('starting -> failed when there is no command to launch, and says why', async () => {
    const made = makeSupervisor();
    made.setSpec({ ok: false, error: 'the project root /nope is not a directory; fix it in the settings' });
    await made.supervisor.start('app started');
    expect(made.transitions()).toEqual(['stopped -> starting: app started', 'starting -> failed: the project root /nope is not a directory; fix it in the settings']);
    expect(made.spawner.children).toHaveLength(0);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'failed', command: null, lastError: 'the project root /nope is not a directory; fix it in the settings', pid: null });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Supervisor: readiness', () => {
  it('starting -> restarting when hello is not answered in time: the child is killed and it counts as a crash', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: 'hold', stderr: ['loading config'] });
    const started = made.supervisor.start('app started');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(made.supervisor.currentState).toBe('starting');
    expect(made.spawner.last.signals).toEqual([]);
    expect(await stateOf(started)).toBe('pending');

    await vi.advanceTimersByTimeAsync(1);
    expect(made.spawner.children[0]!.signals).toEqual(['SIGKILL']);
    expect(made.transitions().slice(2)).toEqual(['starting -> restarting: gateway pid 101 did not become ready: did not answer hello and status within 10000 ms; restarting in 100 ms (attempt 1)']);
    expect(made.logger.lines).toContain('error: gateway pid 101 did not become ready: did not answer hello and status within 10000 ms');
    expect(made.supervisor.snapshot()).toMatchObject({
      lastExit: { code: null, signal: 'SIGKILL', at: T0 + 10_000 },
      lastError: 'gateway pid 101 did not become ready: did not answer hello and status within 10000 ms\ngateway stderr (last 1 line):\n  loading config',
      recentCrashes: 1,
      restarts: 1,
    });
    expect(await stateOf(started)).toBe('resolved');
  });

  it('starting -> restarting when status is not answered within readyTimeoutMs', async () => {
    const made = makeSupervisor({ readyTimeoutMs: 300 });
    made.spawner.plan({ status: 'hold' });
    const started = made.supervisor.start('app started');
    await vi.advanceTimersByTimeAsync(300);
    await started;
    expect(made.spawner.children[0]!.requestTypes).toEqual(['hello', 'status']);
    expect(made.supervisor.snapshot().reason).toBe('gateway pid 101 did not become ready: did not answer hello and status within 300 ms; restarting in 100 ms (attempt 1)');
  });

  it('starting -> restarting when re-applying the settings fails', async () => {
    const made = makeSupervisor({
      applySettings: () => Promise.reject(new Error('the settings file could not be read')),
    });
    await made.supervisor.start('app started');
    expect(made.spawner.children[0]!.signals).toEqual(['SIGKILL']);
    expect(made.supervisor.snapshot().reason).toBe('gateway pid 101 did not become ready: the settings file could not be read; restarting in 100 ms (attempt 1)');
  });

  it('starting -> restarting when the child refuses hello', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: { code: 'internal', error: 'no provider configured' } });
    await made.supervisor.start('app started');
    expect(made.supervisor.snapshot().reason).toBe('gateway pid 101 did not become ready: the gateway refused hello: no provider configured; restarting in 100 ms (attempt 1)');
  });

  it('starting -> restarting when the child exits before it is ready; uptime counts from the spawn', async () => {
    const made = makeSupervisor({ restartPolicy: { stableUptimeMs: 1000 } });
    made.spawner.plan({ hello: 'hold' }, { hello: 'hold' });
    const started = made.supervisor.start('app started');
    await settle();
    made.spawner.last.writeStderr('Error: cannot find module', '    at load (host.js:1)');
    await crash(made, { code: 1, signal: null });
    expect(await stateOf(started)).toBe('resolved');
    expect(made.transitions().slice(2)).toEqual(['starting -> restarting: gateway pid 101 exited (exit code 1); restarting in 100 ms (attempt 1)']);
    expect(made.supervisor.snapshot().lastError).toBe('gateway pid 101 exited (exit code 1)\ngateway stderr (last 2 lines):\n  Error: cannot find module\n      at load (host.js:1)');
    expect(made.spawner.children[0]!.reaps).toHaveLength(1);

    // A child that hangs in starting for longer than stableUptimeMs ran stably: the doubling starts over.
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(1000);
    await crash(made, { code: 1, signal: null });
    expect(delays(made)).toEqual([100, 100]);
  });

  it('starting -> restarting on a spawn error, with no pid and no second starting', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ spawnError: 'spawn /opt/tether EACCES' });
    await made.supervisor.start('app started');
    expect(made.transitions()).toEqual(['stopped -> starting: app started', 'starting -> restarting: gateway exited (failed to start: spawn /opt/tether EACCES); restarting in 100 ms (attempt 1)']);
    expect(made.supervisor.snapshot()).toMatchObject({ pid: null, lastExit: { code: null, signal: null, spawnError: 'spawn /opt/tether EACCES', at: T0 }, recentCrashes: 1 });
    expect(made.logger.lines.some((line) => line.includes('started:'))).toBe(false);
  });

  it('starting -> failed at once when the program is not there (ENOENT): failure "not found", no restart burned', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ spawnError: 'spawn /nope/tether ENOENT' });
    await made.supervisor.start('app started');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made.spawner.children).toHaveLength(1);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'failed', failure: 'not found', restarts: 0, recentCrashes: 0, retryAt: null });
    expect(made.supervisor.snapshot().reason).toMatch(/^the gateway program \S+ was not found \(spawn \/nope\/tether ENOENT\); install it or correct the gateway command/u);
  });

  it('starting -> failed at once on the host\'s config-error exit (78), with the host\'s own message; Restart tries again', async () => {
    const made = makeSupervisor();
    const message = 'config file /d/config.json: top level: unrecognized key: "provdier"; fix the key or remove it to use its default';
    made.spawner.plan({ hello: 'hold', stderr: ['loading', `tether: ${message}`] }, {});
    const started = made.supervisor.start('app started');
    await settle();
    made.spawner.last.exit({ code: 78, signal: null });
    await started;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made.spawner.children).toHaveLength(1);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'failed', failure: 'config', reason: message, lastError: message, restarts: 0, recentCrashes: 0, retryAt: null });

    await made.supervisor.restart('restart requested');
    expect(made.spawner.children).toHaveLength(2);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'running', failure: null });
  });

  it('starting -> failed at once when another gateway already serves the data dir (exit 3), with the host\'s message', async () => {
    const made = makeSupervisor();
    const message = 'a gateway is already serving /d (pid 4242); connect to /d/run/gateway.sock';
    made.spawner.plan({ hello: 'hold', stderr: [`tether: ${message}`] }, {});
    const started = made.supervisor.start('app started');
    await settle();
    made.spawner.last.exit({ code: 3, signal: null });
    await started;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made.spawner.children).toHaveLength(1); // no restarts burned on a gateway that cannot start
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'failed', failure: 'already served', reason: `${message}; stop it (or quit the app that runs it), then use Restart Gateway`, restarts: 0, recentCrashes: 0 });
  });

  it('a config-error exit without a message still fails at once and says where to look', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: 'hold' });
    const started = made.supervisor.start('app started');
    await settle();
    made.spawner.last.exit({ code: 78, signal: null });
    await started;
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'failed', failure: 'config', restarts: 0 });
    expect(made.supervisor.snapshot().reason).toContain('run "tether rpc" in a terminal');
  });

  it('does not count as running a child that answered after a stop began', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: 'hold', stop: 'hang' });
    const started = made.supervisor.start('app started');
    await settle();
    const child = made.spawner.last;
    const stopped = made.supervisor.stop();
    await settle();
    child.release('hello');
    await settle();
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'starting', stopping: true });
    child.finishStop();
    await stopped;
    await started;
    expect(made.transitions()).toEqual([
      'stopped -> starting: app started',
      'starting -> starting: app started: waiting for gateway pid 101 to answer',
      'starting -> starting (stopping): app started: waiting for gateway pid 101 to answer',
      'starting -> stopped: stopped',
    ]);
  });
});

describe('Supervisor: crashes and backoff', () => {
  it('running -> restarting on a crash: pending calls fail at once, the group is reaped, the restart is scheduled', async () => {
    const made = makeSupervisor({ stopTimings: { stdinGraceMs: 10, termGraceMs: 20 } });
    const child = await running(made);
    const pending = child.client.request({ type: 'sessions' }).catch((caught: unknown) => caught);
    await settle();
    vi.advanceTimersByTime(2000);
    child.writeStderr('panic: out of cheese');
    await crash(made, { code: null, signal: 'SIGKILL' });

    expect(made.newTransitions()).toEqual(['running -> restarting: gateway pid 101 exited (signal SIGKILL); restarting in 100 ms (attempt 1)']);
    const error = await pending;
    expect(error).toBeInstanceOf(CompanionError);
    expect(error).toMatchObject({
      code: 'gateway_exited',
      message: 'gateway pid 101 exited (signal SIGKILL) before answering\ngateway stderr (last 1 line):\n  panic: out of cheese',
      details: { reached: 'maybe', exit: { code: null, signal: 'SIGKILL' } },
    });
    expect(child.reaps).toEqual([{ stdinGraceMs: 10, termGraceMs: 20 }]);
    expect(made.supervisor.client).toBeUndefined();
    expect(made.supervisor.stderrTail()).toEqual(['panic: out of cheese']);
    expect(made.logger.lines).toContain('warn: gateway pid 101 exited (signal SIGKILL)\ngateway stderr (last 1 line):\n  panic: out of cheese');

    vi.advanceTimersByTime(40);
    expect(made.supervisor.snapshot()).toEqual({
      state: 'restarting',
      failure: null,
      reason: 'gateway pid 101 exited (signal SIGKILL); restarting in 100 ms (attempt 1)',
      since: T0 + 2000,
      stopping: false,
      pid: null,
      uptimeMs: null,
      restarts: 1,
      recentCrashes: 1,
      retryAt: T0 + 2100,
      retryInMs: 60,
      lastExit: { code: null, signal: 'SIGKILL', at: T0 + 2000 },
      lastError: 'gateway pid 101 exited (signal SIGKILL)\ngateway stderr (last 1 line):\n  panic: out of cheese',
      command: { file: 'node', args: ['host.js'], source: 'setting' },
      gateway: expect.objectContaining({ pid: 101 }),
    });
  });

  it('restarting -> starting -> running when the delay is up', async () => {
    const made = makeSupervisor();
    await running(made);
    await crash(made);
    made.newTransitions();

    await vi.advanceTimersByTimeAsync(99);
    expect(made.spawner.children).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(made.spawner.children).toHaveLength(2);
    expect(made.newTransitions()).toEqual([
      'restarting -> starting: automatic restart 1',
      'starting -> starting: automatic restart 1: waiting for gateway pid 102 to answer',
      'starting -> running: gateway pid 102 is ready (provider echo, heartbeats off)',
    ]);
    expect(made.supervisor.snapshot()).toMatchObject({ pid: 102, restarts: 1, retryAt: null, lastError: null, lastExit: { code: 1, at: T0 } });
  });

  it('restarting -> starting -> failed when the command is gone by the time of the restart', async () => {
    const made = makeSupervisor();
    await running(made);
    await crash(made);
    made.newTransitions();
    made.setSpec({ ok: false, error: 'the gateway command from the settings, "/gone/tether", is not an executable file; fix it in the settings' });
    await vi.advanceTimersByTimeAsync(100);
    expect(made.newTransitions()).toEqual([
      'restarting -> starting: automatic restart 1',
      'starting -> failed: the gateway command from the settings, "/gone/tether", is not an executable file; fix it in the settings',
    ]);
    expect(made.supervisor.snapshot()).toMatchObject({ command: null, pid: null, retryAt: null, restarts: 1, lastExit: { code: 1 } });
    expect(made.spawner.children).toHaveLength(1);
  });

  it('doubles the delay from 100 ms on each crash', async () => {
    const made = makeSupervisor({ restartPolicy: { maxCrashes: 10 } });
    await running(made);
    for (let i = 0; i < 5; i++) {
      await crash(made);
      await vi.advanceTimersByTimeAsync(delays(made).at(-1)!);
    }
    expect(delays(made)).toEqual([100, 200, 400, 800, 1600]);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'running', restarts: 5, recentCrashes: 5 });
  });

  it('caps the delay at maxDelayMs', async () => {
    const made = makeSupervisor({ restartPolicy: { maxCrashes: 10, maxDelayMs: 300 } });
    await running(made);
    for (let i = 0; i < 4; i++) {
      await crash(made);
      await vi.advanceTimersByTimeAsync(delays(made).at(-1)!);
    }
    expect(delays(made)).toEqual([100, 200, 300, 300]);
  });

  it('starts the doubling over after a run of 60 s, not after 59.999 s', async () => {
    const made = makeSupervisor();
    await running(made);
    await crash(made);
    await vi.advanceTimersByTimeAsync(100);
    vi.advanceTimersByTime(59_999);
    await crash(made);
    expect(delays(made)).toEqual([100, 200]);

    await vi.advanceTimersByTimeAsync(200);
    vi.advanceTimersByTime(60_000);
    await crash(made);
    expect(delays(made)).toEqual([100, 200, 100]);
    expect(made.supervisor.snapshot().reason).toBe('gateway pid 103 exited (exit code 1); restarting in 100 ms (attempt 1)');
  });

  it('counts the uptime of a run from its readiness, not from its spawn', async () => {
    const made = makeSupervisor();
    made.spawner.plan({}, { hello: 'hold' });
    await running(made);
    await crash(made);
    await vi.advanceTimersByTimeAsync(100);
    vi.advanceTimersByTime(5000);
    made.spawner.last.release('hello'); // ready 5 s after its spawn
    await settle();
    expect(made.supervisor.currentState).toBe('running');
    vi.advanceTimersByTime(59_000); // 64 s since the spawn, 59 s since ready
    expect(made.supervisor.snapshot().uptimeMs).toBe(59_000);
    await crash(made);
    expect(delays(made)).toEqual([100, 200]);
  });

  it('restarting -> failed on the 5th crash in 3 minutes: no timer, no spawn, until someone starts it', async () => {
    const made = makeSupervisor();
    await running(made);
    for (let i = 0; i < 4; i++) {
      await crash(made);
      await vi.advanceTimersByTimeAsync(delays(made).at(-1)!);
    }
    made.spawner.last.writeStderr('boom: no config');
    await crash(made);

    const failed = made.supervisor.snapshot();
    expect(made.transitions().at(-1)).toBe(
      "running -> failed: gateway pid 105 exited (exit code 1); it crashed 5 times in 3 minutes, so it will not be restarted automatically. Fix the cause (see the gateway's stderr), then use Restart Gateway",
    );
    expect(failed).toMatchObject({ state: 'failed', restarts: 4, recentCrashes: 5, retryAt: null, retryInMs: null, pid: null });
    expect(failed.lastError).toBe('gateway pid 105 exited (exit code 1)\ngateway stderr (last 1 line):\n  boom: no config');
    expect(vi.getTimerCount()).toBe(0);
    const count = made.changes.length;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(made.spawner.children).toHaveLength(5);
    expect(made.changes).toHaveLength(count);
  });

  it('counts only the crashes inside the 3-minute window', async () => {
    const made = makeSupervisor();
    await running(made);
    for (let i = 0; i < 4; i++) {
      await crash(made);
      await vi.advanceTimersByTimeAsync(delays(made).at(-1)!);
    }
    vi.advanceTimersByTime(3 * 60_000);
    await crash(made);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'restarting', recentCrashes: 1, reason: 'gateway pid 105 exited (exit code 1); restarting in 100 ms (attempt 1)' });
  });
});

describe('Supervisor: start and restart by hand', () => {
  it('failed -> starting on restart: the crash history is cleared', async () => {
    const made = makeSupervisor({ restartPolicy: { maxCrashes: 2 } });
    await running(made);
    await crash(made);
    await vi.advanceTimersByTimeAsync(100);
    await crash(made);
    expect(made.supervisor.currentState).toBe('failed');
    made.newTransitions();

    await made.supervisor.restart('restart requested');
    expect(made.newTransitions()).toEqual([
      'failed -> starting: restart requested',
      'starting -> starting: restart requested: waiting for gateway pid 103 to answer',
      'starting -> running: gateway pid 103 is ready (provider echo, heartbeats off)',
    ]);
    expect(made.supervisor.snapshot()).toMatchObject({ recentCrashes: 0, restarts: 1 });
    await crash(made);
    expect(made.supervisor.snapshot().reason).toContain('restarting in 100 ms (attempt 1)');
  });

  it('failed -> starting on start: the crash history is cleared too', async () => {
    const made = makeSupervisor({ restartPolicy: { maxCrashes: 2 } });
    await running(made);
    await crash(made);
    await vi.advanceTimersByTimeAsync(100);
    await crash(made);
    made.newTransitions();

    await made.supervisor.start('start requested');
    expect(made.newTransitions()[0]).toBe('failed -> starting: start requested');
    await crash(made);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'restarting', recentCrashes: 1 });
  });

  it.each([
    { call: 'start', history: 'keeping', recentCrashes: 2, retry: 'restarting in 200 ms (attempt 2)' },
    { call: 'restart', history: 'clearing', recentCrashes: 1, retry: 'restarting in 100 ms (attempt 1)' },
  ] as const)('restarting -> starting at once on $call, $history the crash history; the old timer spawns nothing', async ({ call, recentCrashes, retry }) => {
    const made = makeSupervisor();
    await running(made);
    await crash(made);
    made.newTransitions();

    await made.supervisor[call](`${call} requested`);
    expect(made.newTransitions()).toEqual([
      `restarting -> starting: ${call} requested`,
      `starting -> starting: ${call} requested: waiting for gateway pid 102 to answer`,
      'starting -> running: gateway pid 102 is ready (provider echo, heartbeats off)',
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(made.spawner.children).toHaveLength(2);
    await crash(made);
    expect(made.supervisor.snapshot()).toMatchObject({ recentCrashes, reason: `gateway pid 102 exited (exit code 1); ${retry}` });
  });

  it('a restart asked for just before the delay is up: one new child, not two', async () => {
    const made = makeSupervisor();
    await running(made);
    await crash(made);
    made.newTransitions();
    const restarted = made.supervisor.restart('restart requested');
    vi.advanceTimersByTime(100); // the timer fires before the queued restart has run
    await restarted;
    await settle();
    expect(made.spawner.children).toHaveLength(2);
    expect(made.newTransitions()).toEqual([
      'restarting -> starting: restart requested',
      'starting -> starting: restart requested: waiting for gateway pid 102 to answer',
      'starting -> running: gateway pid 102 is ready (provider echo, heartbeats off)',
    ]);
  });

  it('running -> starting on restart: the child is stopped in stages first, and that exit is no crash', async () => {
    const made = makeSupervisor({ stopTimings: { stdinGraceMs: 10, termGraceMs: 20 } });
    const child = await running(made);
    await made.supervisor.restart('restart requested');

    expect(child.stops).toEqual([{ stdinGraceMs: 10, termGraceMs: 20 }]);
    expect(child.reaps).toEqual([]);
    expect(made.newTransitions()).toEqual([
      'running -> running (stopping): gateway pid 101 is ready (provider echo, heartbeats off)',
      'running -> starting: restart requested',
      'starting -> starting: restart requested: waiting for gateway pid 102 to answer',
      'starting -> running: gateway pid 102 is ready (provider echo, heartbeats off)',
    ]);
    expect(made.supervisor.snapshot()).toMatchObject({ restarts: 0, recentCrashes: 0, lastExit: { code: 0, signal: null }, pid: 102 });
    expect(made.logger.lines).toContain('info: gateway pid 101 stopped (exit code 0)');
  });

  it('a stop waits for the host\'s own shutdown grace (from its status) before SIGTERM', async () => {
    const made = makeSupervisor({ stopTimings: { stdinGraceMs: 10, termGraceMs: 20 } });
    made.spawner.plan({ shutdownGraceMs: 5000 });
    const child = await running(made);
    await made.supervisor.stop('quit');
    expect(child.stops).toEqual([{ stdinGraceMs: 5010, termGraceMs: 20 }]);
  });

  it('starting -> starting on restart: the unready child is stopped and never counts as running', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: 'hold' });
    const started = made.supervisor.start('app started');
    await settle();
    await made.supervisor.restart('restart requested');
    await started;

    expect(made.transitions()).toEqual([
      'stopped -> starting: app started',
      'starting -> starting: app started: waiting for gateway pid 101 to answer',
      'starting -> starting (stopping): app started: waiting for gateway pid 101 to answer',
      'starting -> starting: restart requested',
      'starting -> starting: restart requested: waiting for gateway pid 102 to answer',
      'starting -> running: gateway pid 102 is ready (provider echo, heartbeats off)',
    ]);
    expect(made.spawner.children[0]!.stops).toHaveLength(1);
    expect(made.supervisor.snapshot().restarts).toBe(0);
  });

  it('restart while a stop is under way waits for it: one child at a time', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ stop: 'hang' });
    const child = await running(made);
    const stopped = made.supervisor.stop('stopped');
    await settle();
    expect(made.newTransitions()).toEqual(['running -> running (stopping): gateway pid 101 is ready (provider echo, heartbeats off)']);
    expect(made.supervisor.client).toBeUndefined();
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'running', stopping: true, pid: 101, uptimeMs: 0 });

    const restarted = made.supervisor.restart('restart requested');
    await vi.advanceTimersByTimeAsync(5000);
    expect(made.spawner.children).toHaveLength(1);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'running', stopping: true, uptimeMs: 5000 });

    child.finishStop();
    await stopped;
    await restarted;
    expect(made.newTransitions()).toEqual([
      'running -> stopped: stopped',
      'stopped -> starting: restart requested',
      'starting -> starting: restart requested: waiting for gateway pid 102 to answer',
      'starting -> running: gateway pid 102 is ready (provider echo, heartbeats off)',
    ]);
    expect(made.supervisor.snapshot()).toMatchObject({ restarts: 0, lastExit: { code: 0, signal: null, at: T0 + 5000 } });
  });

  it('between the exit and the end of a stop, the snapshot has no pid and no uptime', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ stop: 'hang', stderr: ['bye'] });
    const child = await running(made);
    const stopped = made.supervisor.stop('stopped');
    await settle();
    expect(made.newTransitions()).toEqual(['running -> running (stopping): gateway pid 101 is ready (provider echo, heartbeats off)']);
    child.exit({ code: 0, signal: null }); // the child is gone; the stop still waits for its group
    await settle();
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'running', stopping: true, pid: null, uptimeMs: null, lastExit: { code: 0 }, restarts: 0 });
    expect(made.supervisor.client).toBeUndefined();
    expect(made.supervisor.stderrTail()).toEqual(['bye']);
    expect(made.newTransitions()).toEqual([]);
    child.finishStop();
    await stopped;
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'stopped', pid: null, restarts: 0 });
  });
});

describe('Supervisor: stop and dispose', () => {
  it('stop in running -> stopped: no automatic restart follows', async () => {
    const made = makeSupervisor();
    await running(made);
    await made.supervisor.stop('stopped by the user');
    expect(made.newTransitions()).toEqual(['running -> running (stopping): gateway pid 101 is ready (provider echo, heartbeats off)', 'running -> stopped: stopped by the user']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made.spawner.children).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose in stopped: stopped, then nothing more', async () => {
    const made = makeSupervisor();
    await made.supervisor.dispose();
    expect(made.transitions()).toEqual(['stopped -> stopped: shut down']);
    await made.supervisor.start('app started');
    await made.supervisor.restart('restart requested');
    expect(made.spawner.children).toHaveLength(0);
    expect(made.supervisor.currentState).toBe('stopped');
  });

  it('dispose in starting: the child is stopped, never runs, and start resolves', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ hello: 'hold' });
    const started = made.supervisor.start('app started');
    await settle();
    await made.supervisor.dispose();
    await started;
    expect(made.transitions().slice(2)).toEqual(['starting -> starting (stopping): app started: waiting for gateway pid 101 to answer', 'starting -> stopped: shut down']);
    expect(made.spawner.children[0]!.stops).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose in running: the child is stopped, its exit recorded, listeners dropped', async () => {
    const made = makeSupervisor();
    const events: Event[] = [];
    made.supervisor.onDidReceiveEvent((event) => events.push(event));
    const child = await running(made);
    await made.supervisor.dispose();
    expect(made.newTransitions()).toEqual(['running -> running (stopping): gateway pid 101 is ready (provider echo, heartbeats off)', 'running -> stopped: shut down']);
    expect(child.stops).toHaveLength(1);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'stopped', reason: 'shut down', pid: null, lastExit: { code: 0, signal: null } });
    await made.supervisor.start('app started');
    expect(made.spawner.children).toHaveLength(1);
    expect(made.changes).toHaveLength(5);
  });

  it('dispose in restarting: the scheduled restart never happens', async () => {
    const made = makeSupervisor();
    await running(made);
    await crash(made);
    made.newTransitions();
    await made.supervisor.dispose();
    expect(made.newTransitions()).toEqual(['restarting -> stopped: shut down']);
    expect(made.supervisor.snapshot()).toMatchObject({ retryAt: null, retryInMs: null });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made.spawner.children).toHaveLength(1);
  });

  it('dispose in failed: stopped', async () => {
    const made = makeSupervisor({ restartPolicy: { maxCrashes: 1 } });
    await running(made);
    await crash(made);
    made.newTransitions();
    await made.supervisor.dispose();
    expect(made.newTransitions()).toEqual(['failed -> stopped: shut down']);
  });

  it('dispose while a stop is under way: stopped once the stop is done, then shut down', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ stop: 'hang' });
    const child = await running(made);
    const stopped = made.supervisor.stop('stopped');
    await settle();
    const disposed = made.supervisor.dispose();
    expect(await stateOf(disposed)).toBe('pending');
    child.finishStop();
    await stopped;
    await disposed;
    expect(made.newTransitions()).toEqual(['running -> running (stopping): gateway pid 101 is ready (provider echo, heartbeats off)', 'running -> stopped: stopped', 'stopped -> stopped: shut down']);
  });
});

describe('Supervisor: a stop that fails', () => {
  it('leaves the state as it was, with no child, no client and no stopping; only restart starts again', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ stop: 'throw' });
    await running(made);
    await expect(made.supervisor.stop('stopped')).rejects.toThrow('kill EPERM: process group 101');
    expect(made.logger.lines.some((line) => line.startsWith('error: supervisor operation failed (a bug): Error: kill EPERM: process group 101'))).toBe(true);
    expect(made.newTransitions()).toEqual(['running -> running (stopping): gateway pid 101 is ready (provider echo, heartbeats off)']);
    expect(made.supervisor.snapshot()).toMatchObject({ state: 'running', stopping: false, pid: null, uptimeMs: null, reason: 'gateway pid 101 is ready (provider echo, heartbeats off)' });
    expect(made.supervisor.client).toBeUndefined();
    expect(made.supervisor.currentState).toBe('running');

    await made.supervisor.start('start requested');
    expect(made.spawner.children).toHaveLength(1);
    await made.supervisor.restart('restart requested');
    expect(made.newTransitions()).toEqual([
      'running -> starting: restart requested',
      'starting -> starting: restart requested: waiting for gateway pid 102 to answer',
      'starting -> running: gateway pid 102 is ready (provider echo, heartbeats off)',
    ]);
  });
});

describe('Supervisor: what it reports', () => {
  it('noteStatus keeps the running child’s status fresh and ignores any other', async () => {
    const made = makeSupervisor();
    const child = await running(made);
    const fresh = { ...child.status(), sessions: 7 };
    made.supervisor.noteStatus(fresh);
    expect(made.supervisor.snapshot().gateway).toEqual(fresh);
    made.supervisor.noteStatus({ ...fresh, pid: 999, sessions: 9 });
    expect(made.supervisor.snapshot().gateway?.sessions).toBe(7);

    await crash(made);
    made.supervisor.noteStatus({ ...fresh, sessions: 8 });
    expect(made.supervisor.snapshot().gateway?.sessions).toBe(7); // the last known status, kept while down
  });

  it('noteStatus still takes the status of a running child while it is being stopped, until it exits', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ stop: 'hang' });
    const child = await running(made);
    const stopped = made.supervisor.stop('stopped');
    await settle();
    made.supervisor.noteStatus({ ...child.status(), sessions: 3 });
    expect(made.supervisor.snapshot().gateway?.sessions).toBe(3);
    child.exit({ code: 0, signal: null });
    await settle();
    made.supervisor.noteStatus({ ...child.status(), sessions: 4 });
    expect(made.supervisor.snapshot().gateway?.sessions).toBe(3);
    child.finishStop();
    await stopped;
  });

  it('stderrTail is the current child’s, else the last child’s', async () => {
    const made = makeSupervisor();
    made.spawner.plan({ stderr: ['one', 'two', 'three'] }, { hello: 'hold', stderr: ['fresh'] });
    const first = await running(made);
    expect(made.supervisor.stderrTail()).toEqual(['one', 'two', 'three']);
    expect(made.supervisor.stderrTail(2)).toEqual(['two', 'three']);
    first.writeStderr('four');
    await crash(made);
    expect(made.supervisor.stderrTail(2)).toEqual(['three', 'four']);
    await vi.advanceTimersByTimeAsync(100);
    expect(made.supervisor.stderrTail()).toEqual(['fresh']);
  });

  it('a listener that throws is reported and the others still hear', async () => {
    const made = makeSupervisor();
    made.supervisor.onDidChangeState(() => {
      throw new Error('broken tray');
    });
    const later: string[] = [];
    made.supervisor.onDidChangeState((change) => later.push(change.snapshot.state));
    await made.supervisor.start('app started');
    expect(later).toEqual(['starting', 'starting', 'running']);
    expect(made.logger.lines.filter((line) => line.startsWith('error: a supervisor listener threw: Error: broken tray'))).toHaveLength(3);
  });
});
