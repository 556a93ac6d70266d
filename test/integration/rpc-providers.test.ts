/**
 * Configured providers through the real `tether rpc` child and `tether agent`:
 * streaming from a real local SSE server, the fallback chain in `meta`, the API key
 * never written anywhere (stdout, stderr at debug level, the data dir), abort of a
 * command provider leaving no process behind, and invalid config refused at start.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRpcChildren, createTempHome, REPO_ROOT, runAgent, startRpcChild } from '../helpers/rpc-child.js';
import { expectError, expectEvent, expectResult, isEvent } from '../helpers/wire-expect.js';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { closedPort } from '../helpers/webhook-receiver.js';
import { isRunning } from '../helpers/processes.js';

const KEY = 'sk-live-REDACTME-4b8f2c1d9e7a6b5c3d2e1f0a';
let server: FakeOpenAiServer;
let refusedUrl: string;

beforeAll(async () => {
  server = await startFakeOpenAiServer();
  refusedUrl = `http://127.0.0.1:${await closedPort()}/v1`;
});
afterAll(() => server.close());
afterEach(async () => {
  server.reset();
  await cleanupRpcChildren();
});

/** A temp home with `config` written as its config.json. */
function homeWith(config: unknown): string {
  const home = createTempHome();
  writeFileSync(join(home, 'config.json'), JSON.stringify(config, null, 2));
  return home;
}

/** Every file under `dir`, as text. */
function allFiles(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...allFiles(path));
    else out.push({ path, text: readFileSync(path, 'utf8') });
  }
  return out;
}

describe('configured providers through the child', () => {
  it('streams an openai reply as reply.delta events and reports usage', async () => {
    server.next({ kind: 'stream', pieces: ['Hi', ' from', ' the', ' server'], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 }, delayMs: 5, splitEvery: 50 });
    const home = homeWith({ provider: 'local', providers: { local: { type: 'openai', baseUrl: server.baseUrl, model: 'llama-test' } } });
    const child = startRpcChild({ home });
    const send = expectResult('send', await child.request({ type: 'send', id: 1, text: 'hello', thinking: 'high' }));
    expect(send.payloads[0]!.text).toBe('Hi from the server');
    expect(send.meta).toMatchObject({ provider: 'local', model: 'llama-test', usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9 } });
    const deltas = child.events(isEvent('reply.delta', 1)).map((event) => expectEvent('reply.delta', event).text);
    expect(deltas.join('')).toBe('Hi from the server');
    expect(deltas.length).toBeGreaterThan(1);
    const status = expectResult('status', await child.request({ type: 'status', verbose: true }));
    expect(status.provider).toBe('local');
    expect(status.providers?.map((p) => p.id)).toEqual(['echo', 'local']);
    expect(child.nonJsonLines).toEqual([]);
  });

  it('falls back along the chain and never writes the API key anywhere', async () => {
    server.next(
      { kind: 'error', status: 503, body: JSON.stringify({ error: { message: `overloaded for key ${KEY}` } }) },
      { kind: 'error', status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}` } }) },
    );
    const home = homeWith({
      provider: 'down',
      fallback: ['hosted', 'echo'],
      providers: {
        down: { type: 'openai', baseUrl: refusedUrl, model: 'm' },
        hosted: { type: 'openai', baseUrl: server.baseUrl, model: 'gpt-test', apiKeyEnv: 'TETHER_TEST_API_KEY' },
      },
    });
    const child = startRpcChild({ home, env: { TETHER_TEST_API_KEY: KEY, TETHER_LOG: 'debug' } });
    const first = expectResult('send', await child.request({ type: 'send', id: 'a', text: 'one' }));
    expect(first.meta.provider).toBe('echo');
    expect(first.meta.failures?.map((f) => f.provider)).toEqual(['down', 'hosted']);
    expect(first.meta.failures?.[1]!.error).toMatch(/HTTP 503.*overloaded for key \[redacted\]/);
    // No fallback past a 401: the chain stops and the error is reported, redacted.
    const second = expectError(await child.request({ type: 'send', id: 'b', text: 'two' }), 'provider_error');
    expect(second.error).toMatch(/Incorrect API key provided: \[redacted\]/);
    expect(expectResult('status', await child.request({ type: 'status', verbose: true })).ok).toBe(true);
    // The key was really sent to the server…
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    child.endInput();
    expect((await child.waitForExit()).code).toBe(0);
    // …and appears in nothing the gateway wrote.
    expect(child.stdoutLines.join('\n')).not.toContain(KEY);
    expect(child.stderr).toContain('[redacted]');
    expect(child.stderr).not.toContain(KEY);
    const files = allFiles(home);
    expect(files.some((file) => file.path.endsWith('.jsonl'))).toBe(true);
    for (const file of files) expect(file.text, file.path).not.toContain(KEY);
  });

  it('scrubs a key the model streams back, cut across three pieces, from every output', async () => {
    // The key is cut inside itself twice, so no single piece holds it whole.
    server.next({ kind: 'stream', pieces: ['the key is sk-live-RED', 'ACTME-4b8f2c1d9e7a', '6b5c3d2e1f0a, keep it safe'], delayMs: 5 });
    const home = homeWith({ provider: 'hosted', providers: { hosted: { type: 'openai', baseUrl: server.baseUrl, model: 'gpt-test', apiKeyEnv: 'TETHER_TEST_API_KEY' } } });
    const child = startRpcChild({ home, env: { TETHER_TEST_API_KEY: KEY } });
    const expected = 'the key is [redacted], keep it safe';
    const send = expectResult('send', await child.request({ type: 'send', id: 's', text: 'what is my key?' }));
    expect(send.payloads[0]!.text).toBe(expected);
    const deltas = child.events(isEvent('reply.delta', 's')).map((event) => expectEvent('reply.delta', event).text);
    expect(deltas.join('')).toBe(expected);
    const reply = expectEvent('reply', child.events(isEvent('reply', 's'))[0]!);
    expect(reply).toMatchObject({ text: expected });
    const history = expectResult('history', await child.request({ type: 'history', id: 'h', session: 'main' }));
    expect(history.messages.at(-1)!.text).toBe(expected);
    const sessions = expectResult('sessions', await child.request({ type: 'sessions', id: 'l' }));
    expect(sessions.sessions[0]!.preview).toContain('[redacted]');
    child.endInput();
    expect((await child.waitForExit()).code).toBe(0);
    expect(child.stdoutLines.join('\n')).not.toContain('4b8f2c1d9e7a');
    for (const file of allFiles(home)) expect(file.text, file.path).not.toContain('4b8f2c1d9e7a');
    expect(allFiles(home).some((file) => file.text.includes(expected))).toBe(true);
  });

  it('abort of a command provider kills its whole process group', async () => {
    const home = createTempHome();
    const pidFile = join(home, 'grandchild.pid');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ provider: 'agent', providers: { agent: { type: 'command', argv: [join(REPO_ROOT, 'test/fixtures/spawn-grandchild.sh'), pidFile] } } }));
    const child = startRpcChild({ home });
    const pending = child.request({ type: 'send', id: 'cmd', text: 'go' });
    const delta = expectEvent('reply.delta', await child.nextEvent(isEvent('reply.delta', 'cmd'), undefined, 0));
    expect(delta.text).toBe('started');
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    expect(isRunning(grandchild)).toBe(true);
    expect(expectResult('abort', await child.request({ type: 'abort', id: 'stop' })).aborted).toBe(1);
    const send = expectResult('send', await pending);
    expect(send.meta).toMatchObject({ aborted: true, provider: 'agent' });
    expect(send.payloads[0]!.text).toBe('started');
    await expect.poll(() => isRunning(grandchild), { timeout: 5000 }).toBe(false);
  });

  it('shutting the gateway down leaves no command process behind', async () => {
    const home = createTempHome();
    const pidFile = join(home, 'grandchild.pid');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ provider: 'agent', providers: { agent: { type: 'command', argv: [join(REPO_ROOT, 'test/fixtures/spawn-grandchild.sh'), pidFile] } } }));
    const child = startRpcChild({ home, args: ['--grace', '100'] });
    void child.request({ type: 'send', id: 'cmd', text: 'go' });
    await child.nextEvent(isEvent('reply.delta', 'cmd'), undefined, 0);
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    child.kill('SIGTERM');
    expect((await child.waitForExit()).code).toBe(0);
    await expect.poll(() => isRunning(grandchild), { timeout: 5000 }).toBe(false);
  });

  it('a gateway whose client went away (EPIPE) exits without leaving its command running', async () => {
    const home = createTempHome();
    const pidFile = join(home, 'grandchild.pid');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ provider: 'agent', providers: { agent: { type: 'command', argv: [join(REPO_ROOT, 'test/fixtures/spawn-grandchild.sh'), pidFile] } } }));
    const child = startRpcChild({ home });
    void child.request({ type: 'send', id: 'cmd', text: 'go' });
    await child.nextEvent(isEvent('reply.delta', 'cmd'), undefined, 0);
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    child.process.stdout.destroy(); // the client stops reading: the next write fails with EPIPE
    await child.writeLine({ type: 'status', id: 'after' });
    await child.waitForExit();
    // Killed with its group as the gateway exits; the kernel may take a moment to finish it on a loaded machine.
    await expect.poll(() => isRunning(grandchild), { timeout: 2000, interval: 20 }).toBe(false);
  });

  it('a command provider\'s non-zero exit is a provider_error with its stderr', async () => {
    const home = homeWith({ provider: 'agent', providers: { agent: { type: 'command', argv: ['sh', '-c', 'echo "no such model: x" >&2; exit 3'] } } });
    const child = startRpcChild({ home });
    const error = expectError(await child.request({ type: 'send', id: 1, text: 'hi' }), 'provider_error');
    expect(error.error).toMatch(/provider "agent" \(sh\) exited with code 3; stderr: no such model: x/);
  });

  it('tether agent uses the same providers (model per call, JSON output of another agent)', async () => {
    server.next({ kind: 'stream', pieces: ['via', ' agent'] });
    const home = homeWith({
      providers: {
        local: { type: 'openai', baseUrl: server.baseUrl, model: 'm' },
        nested: { type: 'command', argv: ['printf', '%s', '{"payloads":[{"text":"nested {prompt}"}],"meta":{}}'], output: 'json' },
      },
    });
    const viaServer = await runAgent(['--message', 'hi', '--model', 'local', '--json'], { TETHER_HOME: home });
    expect(viaServer.exitCode).toBe(0);
    expect(JSON.parse(viaServer.stdout)).toMatchObject({ payloads: [{ text: 'via agent' }], meta: { provider: 'local', model: 'm' } });
    const nested = await runAgent(['--message', 'ping', '--model', 'nested', '--json'], { TETHER_HOME: home });
    expect(JSON.parse(nested.stdout)).toMatchObject({ payloads: [{ text: 'nested ping' }], meta: { provider: 'nested' } });
  });

  it('tether agent says on stderr which models failed before the one that answered', async () => {
    const home = homeWith({ provider: 'down', fallback: ['echo'], providers: { down: { type: 'openai', baseUrl: refusedUrl, model: 'm' } } });
    const result = await runAgent(['--message', 'hi'], { TETHER_HOME: home });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('echo: hi\n');
    expect(result.stderr).toMatch(/tether agent: down\/m failed, answered by echo\/echo: provider "down" cannot reach .*ECONNREFUSED/);
  });
});

describe('invalid config is refused at start', () => {
  it('tether rpc exits with the config-error code 78 naming the key and the fix', async () => {
    const home = homeWith({ fallback: ['ghost'], providers: {} });
    const child = startRpcChild({ home });
    const exit = await child.waitForExit();
    expect(exit.code).toBe(78);
    expect(child.stderr).toMatch(/"fallback\.0": unknown provider "ghost".*add it under "providers"/);
    expect(child.stdoutLines).toEqual([]);
  });

  it('tether rpc refuses an API key variable that is not set, before any send', async () => {
    const home = homeWith({ provider: 'hosted', providers: { hosted: { type: 'openai', baseUrl: server.baseUrl, model: 'm', apiKeyEnv: 'TETHER_UNSET_KEY' } } });
    const child = startRpcChild({ home });
    expect((await child.waitForExit()).code).not.toBe(0);
    expect(child.stderr).toMatch(/"providers\.hosted\.apiKeyEnv": the environment variable TETHER_UNSET_KEY is not set/);
  });

  it('tether agent --json reports it as a JSON error and exits 78 (a configuration error)', async () => {
    const home = homeWith({ providers: { local: { type: 'openai', baseUrl: 'localhost', model: 'm' } } });
    const result = await runAgent(['--message', 'hi', '--json'], { TETHER_HOME: home });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toMatch(/field "providers\.local\.baseUrl": must be an http:\/\/ or https:\/\/ URL/);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'error', ok: false, code: 'invalid_request' });
  });
});
