/**
 * Nothing a `command` provider started outlives the gateway (issue 17 item 1):
 * after a SIGKILL of the gateway during a run, the supervisor reaps the provider's
 * processes, and a gateway started on the same data dir reaps what an earlier one
 * left; a shutdown waits for the host's own grace (`shutdownGraceMs`) before it
 * escalates, so the host stops its providers itself. Orphans are counted by scanning
 * /proc for a marker in their environment.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { treeRecordsDir } from '../../rpc-host/process-tree/tree-records.js';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCompanions, makeCompanion, waitForRunning, waitForState } from '../helpers/companion.js';
import { cleanupRpcChildren, createTempHome, startRpcChild } from '../helpers/rpc-child.js';
import { processesWithEnv, settleCount, waitForCount } from '../helpers/processes.js';

const probes: string[] = [];
afterEach(async () => {
  await cleanupCompanions();
  await cleanupRpcChildren();
  // A failing test must not leave its sleeps behind for the next one to count.
  for (const probe of probes.splice(0)) for (const pid of processesWithEnv('ORPHAN_PROBE', probe)) process.kill(pid, 'SIGKILL');
});

/** A fresh marker, its processes killed after the test whatever happens. */
/** The process-tree record files in a data dir. */
function recordFiles(home: string): number {
  const dir = treeRecordsDir(home);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')).length : 0;
}

function newProbe(): string {
  const probe = randomUUID();
  probes.push(probe);
  return probe;
}

/** A config whose provider `s` runs `sh` with two `sleep`s, all marked with `probe` in their environment. */
function sleeperConfig(probe: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    provider: 's',
    providers: { s: { type: 'command', argv: ['sh', '-c', 'sleep 321 & sleep 322; wait'], env: { ORPHAN_PROBE: probe } } },
    ...extra,
  });
}

const orphansOf = (probe: string) => () => processesWithEnv('ORPHAN_PROBE', probe).length;

// Linux only: orphans are counted through /proc, and trees are recorded only where /proc can check their identity.
describe.skipIf(process.platform !== 'linux')('command provider processes after the gateway is killed', () => {
  it('the next gateway on the data dir reaps what a SIGKILLed one left running', async () => {
    const probe = newProbe();
    const home = createTempHome();
    writeFileSync(join(home, 'config.json'), sleeperConfig(probe));
    const first = startRpcChild({ home });
    void first.writeLine({ type: 'send', id: 1, text: 'hi' });
    await waitForCount(orphansOf(probe), 3); // sh and both sleeps
    // The gateway records a tree right after spawning it; on a loaded machine the
    // processes can show up before that write, and a kill in between is the one
    // crash no record can cover. Kill it once the record is there.
    await waitForCount(() => recordFiles(home), 1);
    first.process.kill('SIGKILL');
    await first.waitForExit();
    expect(orphansOf(probe)()).toBe(3); // nothing else killed them

    const second = startRpcChild({ home });
    await second.request({ type: 'status', id: 1 });
    expect(await settleCount(orphansOf(probe), 0, 5000)).toBe(0);
  });

  it('the supervisor reaps them once the gateway dies, without waiting for the next start', async () => {
    const probe = newProbe();
    const root = createTempHome();
    writeFileSync(join(root, 'config.json'), sleeperConfig(probe));
    // No automatic restart for a minute: only the supervisor's reap can clear them.
    const { companion } = makeCompanion({ dataDir: root, restartPolicy: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    await companion.start();
    const pid = (await waitForRunning(companion)).gateway.pid!;
    companion.send({ text: 'hi' }).catch(() => {}); // fails when the gateway dies
    await waitForCount(orphansOf(probe), 3);
    // As above: the reap works from the tree's record, so kill once it is written.
    await waitForCount(() => recordFiles(root), 1);
    process.kill(pid, 'SIGKILL');
    await waitForState(companion, (state) => state.gateway.state === 'restarting');
    expect(await settleCount(orphansOf(probe), 0, 5000)).toBe(0);
  });
});

// Linux only: orphans are counted through /proc (see above).
describe.skipIf(process.platform !== 'linux')('command provider processes at app shutdown', () => {
  it('the stop waits for the host\'s grace: a run that ends within it completes, and the gateway exits 0 unsignalled', async () => {
    const probe = newProbe();
    const root = createTempHome();
    writeFileSync(join(root, 'config.json'), JSON.stringify({
      provider: 's',
      providers: { s: { type: 'command', argv: ['sh', '-c', 'sleep 1.5; echo finished'], env: { ORPHAN_PROBE: probe } } },
      shutdownGraceMs: 4000,
    }));
    // Stages far shorter than the host's grace: only the grace from its status can hold them back.
    const { companion, logger } = makeCompanion({ dataDir: root, stopTimings: { stdinGraceMs: 300, termGraceMs: 300 } });
    await companion.start();
    await waitForRunning(companion);
    const sent = companion.send({ text: 'hi' });
    await waitForCount(orphansOf(probe), 2); // sh and its sleep
    await companion.shutdown();
    await expect(sent).resolves.toMatchObject({ via: 'gateway', payload: { payloads: [{ text: 'finished' }] } });
    expect(companion.state().gateway.lastExit).toMatchObject({ code: 0, signal: null });
    expect(logger.lines.filter((line) => line.includes('SIGTERM') || line.includes('SIGKILL'))).toEqual([]);
    expect(orphansOf(probe)()).toBe(0);
  });

  it('leaves nothing behind when a run outlasts a 5 s grace (the sh and two sleeps of the issue)', async () => {
    const probe = newProbe();
    const root = createTempHome();
    writeFileSync(join(root, 'config.json'), sleeperConfig(probe, { shutdownGraceMs: 5000 }));
    const { companion } = makeCompanion({ dataDir: root });
    await companion.start();
    await waitForRunning(companion);
    companion.send({ text: 'hi' }).catch(() => {}); // aborted by the host when its grace runs out
    await waitForCount(orphansOf(probe), 3);
    await companion.shutdown();
    expect(orphansOf(probe)()).toBe(0);
    expect(companion.state().gateway.lastExit).toMatchObject({ code: 0, signal: null });
  });
});
