/**
 * `tether rpc --listen` through the real compiled child: many clients on one
 * gateway (strictly sequential runs of one session, each client's own events plus
 * the shared ones, per-connection FIFO), per-client backpressure and the
 * connection limit, one gateway per data dir (refusal, stale lock and socket after
 * SIGKILL, the warning of a plain `tether rpc`), permissions and path checks,
 * garbage on a socket, and writes from outside announced within a second.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, createTempHome, runCli, startRpcChild, type RpcChild, type WireMessage } from '../helpers/rpc-child.js';
import { SocketClient } from '../helpers/socket-client.js';

const clients: SocketClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await cleanupRpcChildren();
});

/** Starts a listening gateway and waits until its socket is up (stdin is read only after it listens). */
async function startListening(options: { home?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<{ child: RpcChild; socket: string }> {
  const child = startRpcChild({ ...options, args: ['--listen', ...(options.args ?? [])] });
  await child.request({ type: 'status', id: 'ready' });
  return { child, socket: join(child.home, 'run', 'gateway.sock') };
}

async function connect(path: string): Promise<SocketClient> {
  const client = await SocketClient.connect(path);
  clients.push(client);
  return client;
}

const transcript = (home: string, session: string): Array<Record<string, unknown>> =>
  readFileSync(join(home, 'sessions', `${session}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const isEvent = (name: string) => (message: WireMessage) => message.type === 'event' && message.event === name;

describe('many clients, one gateway', () => {
  it('two clients interleaving sends on one session: runs strictly one after another, each client its own events plus the shared ones', async () => {
    const { child, socket } = await startListening({ env: { TETHER_ECHO_DELAY_MS: '3' } });
    const a = await connect(socket);
    const b = await connect(socket);
    const texts = { a: ['a one', 'a two', 'a three'], b: ['b one', 'b two', 'b three'] };
    // Same ids on both connections: ids are each connection's own.
    for (let i = 0; i < 3; i++) {
      a.write({ type: 'send', id: i, session: 'shared', text: texts.a[i] });
      b.write({ type: 'send', id: i, session: 'shared', text: texts.b[i] });
    }
    const answers = async (client: SocketClient) =>
      Promise.all([0, 1, 2].map((id) => client.waitFor((m) => m.type === 'result' && m.id === id)));
    const [fromA, fromB] = await Promise.all([answers(a), answers(b)]);
    expect(fromA.map((m) => (m.payload as { payloads: Array<{ text: string }> }).payloads[0]!.text)).toEqual(texts.a.map((t) => `echo: ${t}`));
    expect(fromB.map((m) => (m.payload as { payloads: Array<{ text: string }> }).payloads[0]!.text)).toEqual(texts.b.map((t) => `echo: ${t}`));

    // Strictly sequential: every user message is followed by its own reply before the next one.
    const messages = transcript(child.home, 'shared').filter((record) => record.type === 'message');
    expect(messages).toHaveLength(12);
    for (let i = 0; i < 12; i += 2) {
      expect(messages[i]).toMatchObject({ role: 'user' });
      expect(messages[i + 1]).toMatchObject({ role: 'assistant', runId: messages[i]!.runId, text: `echo: ${messages[i]!.text as string}` });
    }

    const runIdsOf = (results: WireMessage[]) => new Set(results.map((m) => (m.payload as { meta: { runId: string } }).meta.runId));
    const runsA = runIdsOf(fromA);
    const runsB = runIdsOf(fromB);
    const runOf = (m: WireMessage) => (m.payload as { runId: string }).runId;
    for (const [client, own, other] of [[a, runsA, runsB], [b, runsB, runsA]] as const) {
      // The other client's last turn may still be announcing itself.
      await client.waitFor(() => client.messages.filter(isEvent('session.updated')).length >= 12, 5000, 'twelve session.updated');
      // Deltas only of its own runs, always under its own ids.
      const deltas = client.messages.filter(isEvent('reply.delta'));
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.every((m) => own.has(runOf(m)) && typeof m.id === 'number')).toBe(true);
      // Every reply of the other client's runs, without an id; its own with its ids.
      const replies = client.messages.filter(isEvent('reply'));
      expect(new Set(replies.filter((m) => m.id === undefined).map(runOf))).toEqual(other);
      expect(new Set(replies.filter((m) => m.id !== undefined).map(runOf))).toEqual(own);
      // session.updated for all twelve messages, whoever wrote them.
      expect(client.messages.filter(isEvent('session.updated'))).toHaveLength(12);
    }
    // The stdio connection (the app) saw every turn's reply too.
    await child.waitUntil(() => child.events((m) => m.event === 'reply').length === 6, 5000, 'six replies on stdio');
  });

  it('answers id-less requests in order per connection, without one connection waiting for another', async () => {
    const { socket } = await startListening({ env: { TETHER_ECHO_DELAY_MS: '40' } });
    const a = await connect(socket);
    const b = await connect(socket);
    a.write({ type: 'send', text: 'slow words for a while now', session: 'slow' });
    a.write({ type: 'status' });
    b.write({ type: 'status' });
    const idless = (m: WireMessage) => (m.type === 'result' || m.type === 'error') && m.id === undefined;
    const bStatus = await b.waitFor(idless);
    expect(bStatus.payload).toMatchObject({ ok: true });
    // a's status is done long before its send, yet waits behind it.
    expect(a.messages.filter(idless)).toHaveLength(0);
    await a.waitFor((m) => idless(m) && (m.payload as { ok?: boolean }).ok === true);
    expect(a.messages.filter(idless).map((m) => Object.keys(m.payload!).includes('payloads') ? 'send' : 'status')).toEqual(['send', 'status']);
  });

  it('a client that stops reading stalls nobody and is cut off once ~8 MiB of its output is pending', async () => {
    const { child, socket } = await startListening();
    const stalled = await connect(socket);
    const other = await connect(socket);
    stalled.socket.pause(); // reads nothing from here on
    const text = 'x'.repeat(4 * 1024 * 1024); // deltas, reply and result: about 12 MiB back
    stalled.write({ type: 'send', id: 'big', text, session: 'big' });
    await child.waitUntil(() => child.stderr.includes('disconnected a socket client that stopped reading'), 20_000, 'the stalled client to be cut off');
    // The other client is served all along.
    expect((await other.request({ type: 'status', id: 1 })).payload).toMatchObject({ ok: true });
    expect((await other.request({ type: 'send', id: 2, text: 'still here' })).payload).toMatchObject({ payloads: [{ text: 'echo: still here' }] });
    // The stalled one, reading at last, finds its connection ended before its answer.
    stalled.socket.resume();
    await stalled.closed;
    expect(stalled.messages.some((m) => m.type === 'result')).toBe(false);
    expect(stalled.bytesRead).toBeLessThan(12 * 1024 * 1024);
    expect(child.stderr).toMatch(/bytes of output pending, over the 8388608-byte limit/u);
  });

  it('serves 64 connections at once; the 65th gets one busy line and is closed', async () => {
    const { socket } = await startListening();
    const open = await Promise.all(Array.from({ length: 64 }, () => connect(socket)));
    const statuses = await Promise.all(open.map((client, i) => client.request({ type: 'status', id: i })));
    expect(statuses.every((m) => m.type === 'result')).toBe(true);
    const extra = await connect(socket);
    await extra.closed;
    expect(extra.messages).toHaveLength(1);
    expect(extra.messages[0]).toMatchObject({ type: 'error', ok: false, code: 'busy' });
    expect(extra.messages[0]!.error).toMatch(/at most 64 at once/u);
    // The ones already in are unaffected; one leaving makes room.
    expect((await open[63]!.request({ type: 'status', id: 'again' })).type).toBe('result');
    await open[0]!.close();
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      const next = await connect(socket); // the server may hear of the close a moment after us
      next.write({ type: 'status', id: 'in' });
      const first = await next.waitFor(() => true);
      served = first.type === 'result';
    }
    expect(served).toBe(true);
  });

  it('answers garbage with error lines and keeps serving', async () => {
    const { child, socket } = await startListening();
    const client = await connect(socket);
    client.write('not json\n\n{"type":"frobnicate"}\n\xff\xfe\n');
    client.write({ type: 'status', id: 'after' });
    await client.waitFor((m) => m.id === 'after');
    expect(client.messages.filter((m) => m.type === 'error').map((m) => m.code)).toEqual(['parse_error', 'parse_error', 'unknown_type', 'parse_error']);
    client.socket.destroy(); // vanishing mid-conversation stops nothing
    expect((await child.request({ type: 'status', id: 'stdio' })).payload).toMatchObject({ ok: true });
  });
});

describe('one gateway per data dir', () => {
  it('refuses a second gateway with exit 3 and where to connect; a plain tether rpc warns and runs', async () => {
    const { child, socket } = await startListening();
    const second = await runCli(['rpc', '--listen', '--home', child.home]);
    expect(second.exitCode).toBe(3);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(`tether: a gateway is already serving ${child.home} (pid ${child.pid}); connect to ${socket}\n`);
    const plain = startRpcChild({ home: child.home });
    expect((await plain.request({ type: 'status', id: 1 })).payload).toMatchObject({ ok: true, pid: plain.pid });
    expect(plain.stderr).toContain(`another gateway is serving ${child.home} (pid ${child.pid}, socket ${socket})`);
    // The first one still serves its socket.
    const client = await connect(socket);
    expect((await client.request({ type: 'status', id: 1 })).payload).toMatchObject({ pid: child.pid });
  });

  it('replaces the lock and socket a SIGKILLed gateway left behind', async () => {
    const { child, socket } = await startListening();
    child.kill('SIGKILL');
    await child.waitForExit();
    expect(existsSync(socket)).toBe(true);
    expect(existsSync(join(child.home, 'run', 'gateway.lock'))).toBe(true);
    const { child: next } = await startListening({ home: child.home });
    const client = await connect(socket);
    expect((await client.request({ type: 'status', id: 1 })).payload).toMatchObject({ pid: next.pid });
  });

  it('removes its socket and lock when it shuts down', async () => {
    const { child, socket } = await startListening();
    child.endInput();
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(join(child.home, 'run', 'gateway.lock'))).toBe(false);
  });
});

describe('permissions and paths', () => {
  it.runIf(process.platform !== 'win32')('makes the folder 0700 and the socket 0600', async () => {
    const { child, socket } = await startListening();
    expect(statSync(join(child.home, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  // POSIX only: folder modes and Unix socket path limits; Windows uses named pipes.
  it.runIf(process.platform !== 'win32')('refuses a folder others can write, and a path too long, naming --listen PATH (exit 78: the configuration, not a crash)', async () => {
    const home = createTempHome();
    const open = join(home, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const refused = await runCli(['rpc', '--home', home, '--listen', join(open, 'g.sock')]);
    expect(refused.exitCode).toBe(78);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`the socket folder ${open} can be written by others (mode 0777)`);
    const long = join(home, 'a'.repeat(120), 'g.sock');
    const tooLong = await runCli(['rpc', '--home', home, '--listen', long]);
    expect(tooLong.exitCode).toBe(78);
    expect(tooLong.stderr).toMatch(/over the 107-byte limit .*--listen PATH/u);
    // Neither left a lock that would turn the next gateway away.
    expect(existsSync(join(home, 'run', 'gateway.lock'))).toBe(false);
  });
});

describe('writes from outside', () => {
  it('announces a transcript appended by a process that did not attach within a second', async () => {
    const { child, socket } = await startListening();
    const client = await connect(socket);
    mkdirSync(join(child.home, 'sessions'), { recursive: true });
    const from = child.mark();
    const record = { type: 'message', role: 'user', text: 'written by a sync tool', ts: Date.now(), runId: 'r-outside', source: 'cli' };
    appendFileSync(join(child.home, 'sessions', 'synced.jsonl'), JSON.stringify(record) + '\n');
    const matches = (m: WireMessage) => m.event === 'session.updated' && (m.payload as { session?: string }).session === 'synced';
    const seen = await child.nextEvent(matches, 1000, from);
    expect(seen.id).toBeUndefined();
    expect(seen.payload).toMatchObject({ session: 'synced', messageCount: 1, preview: 'written by a sync tool' });
    expect((await client.waitFor((m) => m.type === 'event' && matches(m), 1000)).id).toBeUndefined();
  });
});
