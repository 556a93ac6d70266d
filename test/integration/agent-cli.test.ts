/**
 * The `tether` CLI as a process: `tether agent` prints the `send` payload with
 * --json (and plain streamed text without), reports errors on stderr (plus a JSON
 * error line with --json) with the documented exit codes, records its turn in the
 * same store a running `tether rpc` reads, and `--help` of tether, rpc and agent
 * mentions every flag.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorResponseSchema, SendPayloadSchema } from '../../rpc-host/protocol/schemas.js';
import { CLI_PATH, REPO_ROOT, childEnv, cleanupRpcChildren, createTempHome, runAgent, runCli, startRpcChild } from '../helpers/rpc-child.js';
import { expectResult } from '../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

/** The single JSON line of a --json run. */
function onlyJsonLine(stdout: string): unknown {
  expect(stdout.endsWith('\n')).toBe(true);
  const lines = stdout.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

describe('tether agent --json', () => {
  it('prints exactly the send payload and exits 0', async () => {
    const home = createTempHome();
    const result = await runAgent(['--message', 'hi', '--json'], { TETHER_HOME: home });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const value = onlyJsonLine(result.stdout) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['meta', 'payloads']);
    const payload = SendPayloadSchema.strict().parse(value);
    expect(payload.payloads).toEqual([{ text: 'echo: hi' }]);
    expect(payload.meta).toMatchObject({ session: 'main', provider: 'echo', model: 'echo' });
    expect(payload.meta.runId).toMatch(/\S/);
    expect(payload.meta.durationMs).toBeGreaterThanOrEqual(0);
    // The turn is on disk, marked as coming from the CLI.
    const lines = readFileSync(join(home, 'sessions', 'main.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ role, text, source, runId }) => ({ role, text, source, runId }))).toEqual([
      { role: 'user', text: 'hi', source: 'cli', runId: payload.meta.runId },
      { role: 'assistant', text: 'echo: hi', source: 'cli', runId: payload.meta.runId },
    ]);
  });

  it('passes session, thinking, model and delivery through', async () => {
    const home = createTempHome();
    const result = await runAgent(
      ['-m', 'ship it', '-s', 'ops', '--thinking', 'medium', '--model', 'echo/big', '--deliver', '--to', '+15550000000', '--json'],
      { TETHER_HOME: home },
    );
    expect(result.exitCode).toBe(0);
    const payload = SendPayloadSchema.parse(onlyJsonLine(result.stdout));
    expect(payload.meta).toMatchObject({ session: 'ops', thinking: 'medium', provider: 'echo', model: 'big', delivered: true });
    const outbox = readFileSync(join(home, 'outbox.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(outbox).toMatchObject([{ to: '+15550000000', text: 'echo: ship it', session: 'ops', runId: payload.meta.runId }]);
  });

  it('prints the reply text and a newline without --json', async () => {
    const result = await runAgent(['--message', 'plain words'], { TETHER_ECHO_DELAY_MS: '5' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('echo: plain words\n');
    expect(result.stderr).toBe('');
  });
});

describe('tether agent errors', () => {
  it('a bad --thinking: JSON error on stdout with --json, message on stderr, non-zero exit', async () => {
    const result = await runAgent(['--message', 'hi', '--thinking', 'max', '--json']);
    expect(result.exitCode).not.toBe(0);
    expect(result.exitCode).toBe(2);
    const error = ErrorResponseSchema.parse(onlyJsonLine(result.stdout));
    expect(error).toMatchObject({ type: 'error', ok: false, code: 'invalid_request' });
    expect(error.error).toMatch(/^--thinking: .*expected one of "off"/u);
    expect(result.stderr).toContain('--thinking');
    expect(result.stderr).not.toContain('field "thinking"');
    expect(result.stderr.startsWith('tether agent: ')).toBe(true);
  });

  it('a bad --thinking without --json: nothing on stdout, the message on stderr', async () => {
    const result = await runAgent(['--message', 'hi', '--thinking', 'max']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--thinking');
  });

  it('an unknown --model fails with a message naming it and writes nothing to the transcript', async () => {
    const home = createTempHome();
    const result = await runAgent(['--message', 'hi', '--model', 'nope', '--json'], { TETHER_HOME: home });
    expect(result.exitCode).not.toBe(0);
    expect(ErrorResponseSchema.parse(onlyJsonLine(result.stdout)).error).toContain('"nope"');
    expect(result.stderr).toContain('"nope"');
    const child = startRpcChild({ home });
    expect(expectResult('sessions', await child.request({ type: 'sessions' })).sessions).toEqual([]);
  });

  it('without --message: usage error, exit 2', async () => {
    const result = await runAgent(['--json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--message');
    expect(ErrorResponseSchema.parse(onlyJsonLine(result.stdout)).error).toContain('--message');
    const plain = await runAgent([]);
    expect(plain.exitCode).toBe(2);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain('--message');
  });

  it('an unknown flag: exit 2 with the flag named', async () => {
    const result = await runAgent(['--message', 'hi', '--bogus-flag']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--bogus-flag');
    expect(result.stdout).toBe('');
    const rpc = await runCli(['rpc', '--frobnicate']);
    expect(rpc.exitCode).toBe(2);
    expect(rpc.stderr).toContain('--frobnicate');
    const command = await runCli(['launch']);
    expect(command.exitCode).toBe(2);
    expect(command.stderr).toContain('"launch"');
  });

  it('--home whose parent does not exist: exit 2 naming --home, and nothing created', async () => {
    const base = createTempHome();
    const wanted = join(base, 'no-such-dir', 'x');
    const result = await runAgent(['--home', wanted, '-m', 'hi']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`tether: --home ${wanted}: its parent directory ${join(base, 'no-such-dir')} does not exist, so it was not created; check the path, or create the parent first (mkdir -p ${join(base, 'no-such-dir')})\n`);
    expect(existsSync(join(base, 'no-such-dir'))).toBe(false);
    // One level down from a directory that exists is created, as before.
    const fresh = join(base, 'fresh');
    expect((await runAgent(['--home', fresh, '-m', 'hi'])).exitCode).toBe(0);
    expect(existsSync(join(fresh, 'sessions'))).toBe(true);
  });

  it('--home naming a file: exit 2 naming --home', async () => {
    const file = join(createTempHome(), 'a-file');
    writeFileSync(file, 'not a directory');
    const result = await runAgent(['--home', file, '-m', 'hi']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`--home ${file} is a file, not a directory`);
    expect(result.stderr).not.toContain('ENOTDIR');
  });

  it('--config naming a missing file: says it does not exist and where the path came from', async () => {
    const result = await runAgent(['--config', 'nope.json', '-m', 'hi']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`config file ${join(REPO_ROOT, 'nope.json')} (from --config) does not exist`);
    expect(result.stderr).not.toContain('ENOENT');
  });

  it('-m without a value names the flag and shows one, not parseArgs text', async () => {
    const bare = await runAgent(['-m']);
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toBe('tether: -m (--message) needs a value, e.g. -m "hello" (see tether agent --help)\n');
    const followed = await runAgent(['--message', '--json']);
    expect(followed.exitCode).toBe(2);
    expect(followed.stderr).toContain('--message needs a value, but "--json" follows it');
    expect(followed.stderr).not.toContain('argument');
  });

  it('--echo-delay -3 is a bad number, not an "ambiguous" argument', async () => {
    const result = await runAgent(['--echo-delay', '-3', '-m', 'hi']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('tether: --echo-delay takes a whole number of at least 0, got "-3"\n');
  });

  it('--deliver without --to is a usage error (exit 2) naming both flags', async () => {
    const home = createTempHome();
    const result = await runAgent(['--deliver', '-m', 'hi', '--json'], { TETHER_HOME: home });
    expect(result.exitCode).toBe(2);
    const error = ErrorResponseSchema.parse(onlyJsonLine(result.stdout));
    expect(error.error).toBe('--deliver needs a target: add --to TARGET (e.g. --to +15551234567), or set "delivery.to" in the config file');
    expect(result.stderr).not.toContain('"to":');
    expect(existsSync(join(home, 'sessions', 'main.jsonl'))).toBe(false); // refused before the turn
  });

  it('a bad environment value: exit 78 (a configuration error) naming the variable', async () => {
    const result = await runAgent(['--message', 'hi', '--json'], { TETHER_ECHO_DELAY_MS: 'soon' });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('TETHER_ECHO_DELAY_MS');
    expect(ErrorResponseSchema.parse(onlyJsonLine(result.stdout)).error).toContain('TETHER_ECHO_DELAY_MS');
  });

  it('Ctrl+C (SIGINT) aborts the run, keeps the partial reply, and exits 130', async () => {
    const home = createTempHome();
    const text = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const run = execa(process.execPath, [CLI_PATH, 'agent', '--message', text], {
      cwd: REPO_ROOT,
      env: childEnv(home, { TETHER_ECHO_DELAY_MS: '50' }),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
    });
    run.stdout.once('data', () => run.kill('SIGINT')); // the first streamed piece: the run is going
    const result = await run;
    expect(result.exitCode).toBe(130);
    const printed = String(result.stdout);
    expect(printed.length).toBeGreaterThan(0);
    expect(`echo: ${text}`.startsWith(printed)).toBe(true);
    expect(printed.length).toBeLessThan(`echo: ${text}`.length);

    const child = startRpcChild({ home });
    const history = expectResult('history', await child.request({ type: 'history', session: 'main' }));
    expect(history.messages[1]).toMatchObject({ role: 'assistant', aborted: true, source: 'cli', text: printed });
  });
});

describe('a running rpc child and the one-shot CLI on one TETHER_HOME', () => {
  it("shows the agent's message in the child's history and sessions", async () => {
    const child = startRpcChild();
    await child.request({ type: 'send', text: 'from rpc' });
    const result = await runAgent(['--message', 'from cli', '--json'], { TETHER_HOME: child.home });
    expect(result.exitCode).toBe(0);
    const runId = SendPayloadSchema.parse(onlyJsonLine(result.stdout)).meta.runId;

    const history = expectResult('history', await child.request({ type: 'history', session: 'main' }));
    expect(history.messages.map(({ role, text, source }) => ({ role, text, source }))).toEqual([
      { role: 'user', text: 'from rpc', source: 'rpc' },
      { role: 'assistant', text: 'echo: from rpc', source: 'rpc' },
      { role: 'user', text: 'from cli', source: 'cli' },
      { role: 'assistant', text: 'echo: from cli', source: 'cli' },
    ]);
    expect(history.messages[3]!.runId).toBe(runId);
    const { sessions } = expectResult('sessions', await child.request({ type: 'sessions' }));
    expect(sessions).toMatchObject([{ key: 'main', messageCount: 4, preview: 'echo: from cli' }]);

    // The child keeps appending correctly after the outside write.
    await child.request({ type: 'send', text: 'rpc again' });
    const after = expectResult('sessions', await child.request({ type: 'sessions' }));
    expect(after.sessions).toMatchObject([{ key: 'main', messageCount: 6, preview: 'echo: rpc again' }]);
  });
});

describe('--help', () => {
  const COMMON = ['--home', '--config', '--echo-delay', '--help'];

  it('tether --help names the commands and top-level flags', async () => {
    const result = await runCli(['--help']);
    expect(result.exitCode).toBe(0);
    for (const word of ['tether rpc', 'tether agent', '--version', '--help', '--message', '--json']) expect(result.stdout).toContain(word);
    const version = await runCli(['--version']);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });

  it('tether rpc --help mentions every rpc flag and env var', async () => {
    const result = await runCli(['rpc', '--help']);
    expect(result.exitCode).toBe(0);
    for (const flag of ['--heartbeats', '--heartbeat-interval', '--max-line-bytes', '--grace', ...COMMON]) expect(result.stdout).toContain(flag);
    for (const env of ['TETHER_HOME', 'TETHER_HEARTBEATS', 'TETHER_HEARTBEAT_INTERVAL_MS', 'TETHER_MAX_LINE_BYTES', 'TETHER_ECHO_DELAY_MS']) {
      expect(result.stdout).toContain(env);
    }
  });

  it('tether agent --help mentions every agent flag', async () => {
    const result = await runCli(['agent', '--help']);
    expect(result.exitCode).toBe(0);
    for (const flag of ['--message', '-m,', '--session', '-s,', '--thinking', '--deliver', '--to', '--model', '--json', ...COMMON]) {
      expect(result.stdout).toContain(flag);
    }
    for (const level of ['off', 'minimal', 'low', 'medium', 'high']) expect(result.stdout).toContain(level);
  });
});

describe('tether agent --message-stdin', () => {
  /** Runs `tether agent ARGS` with `input` on stdin (execa, no shell). */
  async function runAgentWithInput(args: readonly string[], input: string, home: string) {
    const result = await execa(process.execPath, [CLI_PATH, 'agent', ...args], {
      cwd: REPO_ROOT,
      env: childEnv(home),
      extendEnv: false,
      reject: false,
      input,
      stripFinalNewline: false,
      timeout: 60_000,
    });
    return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  it('reads the whole message from stdin, byte for byte', async () => {
    const home = createTempHome();
    const message = '  first line\nsecond line: héllo 🙂 "quoted" \\ \u2028 done\r\n\nlast -m --json';
    const result = await runAgentWithInput(['--message-stdin', '--json'], message, home);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const payload = SendPayloadSchema.parse(onlyJsonLine(result.stdout));
    expect(payload.payloads).toEqual([{ text: `echo: ${message}` }]);

    const lines = readFileSync(join(home, 'sessions', 'main.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ role, text, source }) => ({ role, text, source }))).toEqual([
      { role: 'user', text: message, source: 'cli' },
      { role: 'assistant', text: `echo: ${message}`, source: 'cli' },
    ]);
  });

  it('works without --json and with the other flags', async () => {
    const home = createTempHome();
    const result = await runAgentWithInput(['--message-stdin', '-s', 'ops'], 'plain words', home);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('echo: plain words\n');
    expect(result.stderr).toBe('');
    expect(readFileSync(join(home, 'sessions', 'ops.jsonl'), 'utf8')).toContain('"text":"plain words"');
  });

  it('--message and --message-stdin together: exit 2 with a clear error, nothing sent', async () => {
    const home = createTempHome();
    const result = await runAgentWithInput(['--message', 'from argv', '--message-stdin', '--json'], 'from stdin', home);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--message');
    expect(result.stderr).toContain('--message-stdin');
    expect(result.stderr).toContain('not both');
    const error = ErrorResponseSchema.parse(onlyJsonLine(result.stdout));
    expect(error.code).toBe('invalid_request');
    expect(error.error).toContain('not both');

    const plain = await runAgentWithInput(['--message-stdin', '-m', 'from argv'], 'from stdin', home);
    expect(plain.exitCode).toBe(2);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain('not both');
    expect(existsSync(join(home, 'sessions', 'main.jsonl'))).toBe(false);
  });

  it('empty stdin: exit 2 "the message is empty", nothing sent', async () => {
    const home = createTempHome();
    const result = await runAgentWithInput(['--message-stdin', '--json'], '', home);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('the message is empty');
    expect(ErrorResponseSchema.parse(onlyJsonLine(result.stdout))).toMatchObject({ code: 'invalid_request', error: expect.stringContaining('the message is empty') });

    const plain = await runAgent(['--message-stdin'], { TETHER_HOME: home }); // stdin ignored: /dev/null, EOF at once
    expect(plain.exitCode).toBe(2);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain('the message is empty');
    expect(existsSync(join(home, 'sessions', 'main.jsonl'))).toBe(false);
  });

  it('tether agent --help mentions --message-stdin', async () => {
    const result = await runCli(['agent', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('--message-stdin');
  });
});
