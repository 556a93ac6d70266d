/**
 * `tether agent` and `tether status` against a gateway serving the data dir:
 * the turn goes through the gateway's socket (the gateway runs it, and every
 * connection, the app's stdio included, hears of it), with the same output as in
 * process and `meta.via` telling the two apart; with nothing listening, a stale
 * lock, or `--no-attach`, it runs in process as before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SendPayloadSchema, StatusPayloadSchema } from '../../rpc-host/protocol/schemas.js';
import { cleanupRpcChildren, createTempHome, runAgent, runCli, startRpcChild, type RpcChild, type WireMessage } from '../helpers/rpc-child.js';

afterEach(cleanupRpcChildren);

async function startListening(env: Record<string, string> = {}): Promise<RpcChild> {
  const child = startRpcChild({ args: ['--listen'], env });
  await child.request({ type: 'status', id: 'ready' });
  return child;
}

const userRecords = (home: string) =>
  readFileSync(join(home, 'sessions', 'main.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record.type === 'message' && record.role === 'user');

const ofRun = (runId: string) => (m: WireMessage) => (m.payload as { runId?: string } | undefined)?.runId === runId;

describe('tether agent attached to a serving gateway', () => {
  it('sends through the gateway: meta.via "gateway", the turn run and announced there', async () => {
    const gateway = await startListening();
    const from = gateway.mark();
    const result = await runAgent(['-m', 'through the socket', '--json'], { TETHER_HOME: gateway.home });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const payload = SendPayloadSchema.strict().parse(JSON.parse(result.stdout));
    expect(payload.payloads).toEqual([{ text: 'echo: through the socket' }]);
    expect(payload.meta.via).toBe('gateway');
    // The gateway ran it (its pid on the user record) and told its other connections: the app's stdio here.
    expect(userRecords(gateway.home)).toMatchObject([{ text: 'through the socket', pid: gateway.pid, runId: payload.meta.runId }]);
    const reply = await gateway.nextEvent((m) => m.event === 'reply' && ofRun(payload.meta.runId)(m), 5000, from);
    expect(reply.id).toBeUndefined();
    const updates = gateway.events((m) => m.event === 'session.updated', from);
    expect(updates.map((m) => (m.payload as { preview: string }).preview)).toEqual(['through the socket', 'echo: through the socket']);
    expect(gateway.events((m) => m.event === 'reply.delta', from)).toEqual([]); // the stream stays with its sender
  });

  it('prints the streamed reply exactly as in process', async () => {
    const gateway = await startListening({ TETHER_ECHO_DELAY_MS: '5' });
    const attached = await runAgent(['--message', 'plain words'], { TETHER_HOME: gateway.home });
    const alone = await runAgent(['--message', 'plain words', '--no-attach'], { TETHER_HOME: gateway.home });
    expect(attached).toMatchObject({ exitCode: 0, stdout: 'echo: plain words\n', stderr: '' });
    expect(alone).toMatchObject({ exitCode: 0, stdout: 'echo: plain words\n', stderr: '' });
  });

  it('--no-attach runs in process; the gateway notices the write from outside', async () => {
    const gateway = await startListening();
    const from = gateway.mark();
    const result = await runAgent(['-m', 'on my own', '--json', '--no-attach'], { TETHER_HOME: gateway.home });
    const payload = SendPayloadSchema.parse(JSON.parse(result.stdout));
    expect(payload.meta.via).toBe('in-process');
    const [user] = userRecords(gateway.home);
    expect(user).toMatchObject({ text: 'on my own', source: 'cli' });
    expect(user!.pid).not.toBe(gateway.pid);
    const update = await gateway.nextEvent((m) => m.event === 'session.updated' && (m.payload as { messageCount: number }).messageCount === 2, 5000, from);
    expect(update.payload).toMatchObject({ session: 'main', preview: 'echo: on my own' });
  });

  it('runs in process when nothing serves the data dir, or only a dead gateway left its lock', async () => {
    const home = createTempHome();
    const alone = await runAgent(['-m', 'nobody home', '--json'], { TETHER_HOME: home });
    expect(alone.exitCode).toBe(0);
    expect(SendPayloadSchema.parse(JSON.parse(alone.stdout)).meta.via).toBe('in-process');

    const gateway = await startListening();
    gateway.kill('SIGKILL');
    await gateway.waitForExit();
    const afterCrash = await runAgent(['-m', 'after the crash', '--json'], { TETHER_HOME: gateway.home });
    expect(afterCrash.exitCode).toBe(0);
    expect(SendPayloadSchema.parse(JSON.parse(afterCrash.stdout)).meta.via).toBe('in-process');
  });
});

describe('tether status', () => {
  it('prints the serving gateway, as text and as JSON', async () => {
    const gateway = await startListening();
    const socket = join(gateway.home, 'run', 'gateway.sock');
    const text = await runCli(['status'], { TETHER_HOME: gateway.home });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`gateway pid ${gateway.pid} `);
    expect(text.stdout).toContain(socket);
    const json = await runCli(['status', '--json'], { TETHER_HOME: gateway.home });
    expect(json.exitCode).toBe(0);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(StatusPayloadSchema.parse(parsed)).toMatchObject({ ok: true, pid: gateway.pid, dataDir: gateway.home });
    expect(parsed.socket).toBe(socket);
  });

  it('says no gateway is serving the data dir and exits 1', async () => {
    const home = createTempHome();
    const result = await runCli(['status', '--json'], { TETHER_HOME: home });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`no gateway is serving ${home}`);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'error', ok: false, code: 'not_found' });
  });
});
