/**
 * The command provider with real subprocesses: stdin and argument prompts, text
 * streamed as deltas, JSON output at a path, non-zero exits and timeouts with the
 * stderr tail, a missing program, and abort killing the whole process group (a
 * grandchild that ignores SIGTERM included).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedCommandEntry } from '../../../rpc-host/core/config.js';
import { createCommandProvider, fillArgv, formatTools, readJsonPath } from '../../../rpc-host/providers/command.js';
import { ProviderFailure, type ProviderRequest } from '../../../rpc-host/providers/provider.js';
import { REPO_ROOT } from '../../helpers/rpc-child.js';
import { isRunning } from '../../helpers/processes.js';
import { providerRequest } from '../../helpers/provider-request.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function command(argv: string[], overrides: Partial<ResolvedCommandEntry> = {}) {
  return createCommandProvider('agent', { type: 'command', argv, env: {}, ...overrides }, ['s3cret-token-value']);
}

function request(prompt: string, overrides: Partial<ProviderRequest> = {}) {
  return providerRequest({ prompt, ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<ProviderFailure> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProviderFailure);
  return error as ProviderFailure;
}

describe('command provider', () => {
  it('feeds the prompt on stdin and replies with stdout (cat), without the final newline', async () => {
    const { req, deltas } = request('hello from stdin\n');
    expect((await command(['cat']).run(req)).text).toBe('hello from stdin');
    expect(deltas.join('')).toBe('hello from stdin');
  });

  it('puts the prompt into an argument, without a shell', async () => {
    const { req } = request('$(touch /tmp/should-not-exist) ; echo nope');
    const reply = await command(['printf', '%s|%s|%s', '{prompt}', '{model}', '{session}'], { model: 'm1' }).run({ ...req, model: 'm1' });
    expect(reply.text).toBe('$(touch /tmp/should-not-exist) ; echo nope|m1|main');
    expect(fillArgv(['x={thinking}'], { prompt: '', model: '', session: '', thinking: undefined })).toEqual(['x=off']);
  });

  it('streams stdout as it comes', async () => {
    const { req, deltas } = request('');
    const reply = await command(['sh', '-c', "printf 'one '; sleep 0.2; printf 'two'; sleep 0.2; printf 'three\\n'"]).run(req);
    expect(reply.text).toBe('one twothree');
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.join('')).toBe('one twothree');
  });

  it('reads JSON output at payloads[0].text by default, or at a configured path', async () => {
    const payload = JSON.stringify({ payloads: [{ text: 'from json' }], meta: {} });
    expect((await command(['printf', '%s', payload], { output: 'json' }).run(request('').req)).text).toBe('from json');
    expect((await command(['printf', '%s', '{"result":"r"}'], { output: 'json', jsonPath: 'result' }).run(request('').req)).text).toBe('r');
    expect(readJsonPath({ a: [{ b: 1 }] }, 'a.0.b')).toBe(1);
    const missing = await failure(command(['printf', '%s', '{"x":1}'], { output: 'json' }).run(request('').req));
    expect(missing.message).toMatch(/without a string at "payloads\[0\]\.text".*set "jsonPath"/);
    const notJson = await failure(command(['printf', 'plain'], { output: 'json' }).run(request('').req));
    expect(notJson.message).toMatch(/not JSON/);
  });

  it('turns a non-zero exit into a failure carrying the tail of stderr', async () => {
    const exit3 = await failure(command(['sh', '-c', 'echo "first line" >&2; echo "model not found" >&2; exit 3']).run(request('').req));
    expect(exit3.message).toMatch(/provider "agent" \(sh\) exited with code 3; stderr: first line\nmodel not found/);
    expect(exit3.retryable).toBe(true);
    const long = await failure(command(['sh', '-c', 'head -c 10000 /dev/zero | tr "\\0" x >&2; echo END >&2; exit 1']).run(request('').req));
    expect(long.message).toContain('END');
    expect(long.message.length).toBeLessThan(2300);
  });

  it('does not redo a failed reply that already streamed output (not retryable)', async () => {
    const failed = await failure(command(['sh', '-c', 'echo partial; exit 2']).run(request('').req));
    expect(failed.retryable).toBe(false);
  });

  it('reports a program that does not exist', async () => {
    const missing = await failure(command(['tether-no-such-agent-cli']).run(request('').req));
    expect(missing.message).toMatch(/could not start: .*ENOENT.*is "tether-no-such-agent-cli" installed and on PATH\?/);
  });

  it('kills a command that runs past its timeout', async () => {
    const started = Date.now();
    const slow = await failure(command(['sh', '-c', 'echo working >&2; sleep 30'], { timeoutMs: 200 }).run(request('').req));
    expect(slow.message).toMatch(/timed out after 200 ms.*stderr: working/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('never reports configured secrets', async () => {
    const leaked = await failure(command(['sh', '-c', 'echo "token is s3cret-token-value" >&2; exit 1']).run(request('').req));
    expect(leaked.message).toContain('token is [redacted]');
  });

  it('abort kills the whole process group, a SIGTERM-ignoring grandchild included, and keeps the partial text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-cmd-'));
    dirs.push(dir);
    const pidFile = join(dir, 'grandchild.pid');
    const controller = new AbortController();
    let abortedAt = 0;
    const { req } = request('', { signal: controller.signal });
    const running = command([join(REPO_ROOT, 'test/fixtures/spawn-grandchild.sh'), pidFile]).run({
      ...req,
      onDelta: (text) => {
        if (text.includes('started')) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    const reply = await running;
    expect(reply.text).toBe('started');
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    expect(grandchild).toBeGreaterThan(0);
    await expect.poll(() => isRunning(grandchild), { timeout: 5000 }).toBe(false);
    expect(Date.now() - abortedAt).toBeLessThan(5000);
  });
});

describe('the {tools} placeholder', () => {
  it('spells the chosen tools as chosen, or as claude --allowedTools takes them', () => {
    const request = { prompt: 'p', model: 'm', session: 's', thinking: undefined, toolNames: ['files/*', 'files/read'] };
    expect(fillArgv(['agent', '--tools={tools}'], request)).toEqual(['agent', '--tools=files/*,files/read']);
    expect(formatTools(['files/*', 'files/read'], { style: 'claude', join: ' ' })).toBe('mcp__files mcp__files__read');
    expect(fillArgv(['agent', '{tools}'], { ...request, toolNames: undefined })).toEqual(['agent', '']);
  });
});
