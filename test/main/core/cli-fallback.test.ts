/**
 * The one-shot CLI fallback against the real compiled CLI (`node dist/rpc-host/cli.cjs`,
 * built by the global setup): the message travels on stdin, flags (the idempotency
 * key among them) reach the CLI, the turn lands in the shared session store,
 * refusals and broken commands become `fallback_failed`, and abort or timeout stop
 * the run with the partial reply kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sendViaCli, type CliSendOptions } from '../../../main/core/cli-fallback.js';
import type { GatewayCommand } from '../../../main/core/command-resolution.js';
import { CompanionError } from '../../../main/core/errors.js';
import type { Logger } from '../../../rpc-host/log.js';
import { CLI_PATH, cleanupRpcChildren, createTempHome, startRpcChild } from '../../helpers/rpc-child.js';
import { expectResult } from '../../helpers/wire-expect.js';

afterEach(cleanupRpcChildren);

const BUNDLED: GatewayCommand = { file: process.execPath, args: [CLI_PATH], source: 'bundled-node', env: {} };

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** Options for one fallback send into `home`; `env` adds variables (TETHER_ECHO_DELAY_MS, …). */
function optionsFor(home: string, overrides: Partial<CliSendOptions> = {}, env: Record<string, string> = {}): CliSendOptions & { logLines: string[] } {
  const { logger, lines } = recordingLogger();
  return {
    command: BUNDLED,
    cwd: createTempHome('tether-cwd-'),
    env: { PATH: process.env.PATH!, TETHER_HOME: home, ...env },
    timeoutMs: 60_000,
    logger,
    logLines: lines,
    ...overrides,
  };
}

/** The session's transcript as the gateway reads it, through a short-lived `tether rpc` child. */
async function historyOf(home: string, session = 'main') {
  const child = startRpcChild({ home });
  try {
    return expectResult('history', await child.request({ type: 'history', session }));
  } finally {
    child.endInput();
    await child.waitForExit();
  }
}

/** The rejection of `promise`, asserted to be a CompanionError. */
async function rejectionOf(promise: Promise<unknown>): Promise<CompanionError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CompanionError);
  return error as CompanionError;
}

/** Waits until the CLI has recorded the user message of its run (so its SIGINT handler is installed). */
async function waitForRunStart(home: string, session = 'main'): Promise<void> {
  const transcript = join(home, 'sessions', `${session}.jsonl`);
  await vi.waitFor(
    () => {
      expect(existsSync(transcript) && readFileSync(transcript, 'utf8').includes('"role":"user"')).toBe(true);
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** A message the slow echo streams word by word (61 pieces), for seconds. */
const MANY_WORDS = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

describe('sendViaCli: sends', () => {
  it('returns the echo payload and records the turn in the session transcript', async () => {
    const home = createTempHome();
    const options = optionsFor(home);
    const payload = await sendViaCli({ text: 'hello from the fallback' }, options);

    expect(payload.payloads).toEqual([{ text: 'echo: hello from the fallback' }]);
    expect(payload.meta).toMatchObject({ session: 'main', provider: 'echo', model: 'echo' });
    expect(payload.meta.aborted).toBeUndefined();

    const history = await historyOf(home);
    expect(history.messages.map(({ role, text, source, runId }) => ({ role, text, source, runId }))).toEqual([
      { role: 'user', text: 'hello from the fallback', source: 'cli', runId: payload.meta.runId },
      { role: 'assistant', text: 'echo: hello from the fallback', source: 'cli', runId: payload.meta.runId },
    ]);

    // The command line it logged names --message-stdin and never the text itself.
    const logged = options.logLines.filter((line) => line.includes('cli fallback:'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('agent --json --message-stdin');
    expect(logged[0]).not.toContain('hello from the fallback');
  });

  it('sends a 200 KiB multi-line unicode message through stdin intact', async () => {
    const home = createTempHome();
    const line = (i: number) => `  line ${i}: héllo wörld 🙂 日本語 "quoted" \\ back\tslash \u2028 sep ∑\r`;
    let text = '';
    for (let i = 0; Buffer.byteLength(text) < 200 * 1024; i++) text += `${line(i)}\n`;
    text += 'last line without newline 🎉';
    expect(Buffer.byteLength(text)).toBeGreaterThan(200 * 1024); // over Linux's 128 KiB single-argument limit

    const payload = await sendViaCli({ text }, optionsFor(home));
    expect(payload.payloads[0]!.text).toBe(`echo: ${text}`);

    const history = await historyOf(home);
    expect(history.messages).toHaveLength(2);
    expect(history.messages[0]!.text).toBe(text);
  });

  it('passes session, thinking, model and delivery flags', async () => {
    const home = createTempHome();
    const payload = await sendViaCli(
      { text: 'ship it', session: 'work', thinking: 'high', model: 'echo/big', deliver: true, to: '+15550001111' },
      optionsFor(home),
    );
    expect(payload.payloads).toEqual([{ text: 'echo: ship it' }]);
    expect(payload.meta).toMatchObject({ session: 'work', thinking: 'high', provider: 'echo', model: 'big', delivered: true });

    const outbox = readFileSync(join(home, 'outbox.jsonl'), 'utf8').trim().split('\n').map((entry) => JSON.parse(entry) as Record<string, unknown>);
    expect(outbox).toMatchObject([{ to: '+15550001111', text: 'echo: ship it', session: 'work', runId: payload.meta.runId }]);
    const history = await historyOf(home, 'work');
    expect(history.messages.map((message) => message.text)).toEqual(['ship it', 'echo: ship it']);
  });

  it('passes the idempotency key: the same key again is answered from the transcript, not run twice', async () => {
    const home = createTempHome();
    const first = await sendViaCli({ text: 'once only', idempotencyKey: 'k-cli-once' }, optionsFor(home));
    expect(first.meta).toMatchObject({ idempotencyKey: 'k-cli-once' });
    expect(first.meta.replayed).toBeUndefined();
    const again = await sendViaCli({ text: 'once only', idempotencyKey: 'k-cli-once' }, optionsFor(home));
    expect(again.meta).toMatchObject({ idempotencyKey: 'k-cli-once', replayed: true, runId: first.meta.runId });
    expect(again.payloads).toEqual(first.payloads);

    const history = await historyOf(home);
    expect(history.messages.map(({ role, idempotencyKey }) => ({ role, idempotencyKey }))).toEqual([
      { role: 'user', idempotencyKey: 'k-cli-once' },
      { role: 'assistant', idempotencyKey: 'k-cli-once' },
    ]);
  });

  it('passes the idempotency key as one --idempotency-key=KEY argument, after the other flags', async () => {
    // A command that answers with the argv it got, so the test sees exactly what the CLI would.
    const printArgv = 'console.log(JSON.stringify({ payloads: [{ text: JSON.stringify(process.argv.slice(1)) }], meta: { session: "main", runId: "r-argv", provider: "echo", model: "echo", durationMs: 0 } }))';
    const command: GatewayCommand = { file: process.execPath, args: ['-e', printArgv, '--'], source: 'setting', env: {} };
    const argvOf = async (input: Parameters<typeof sendViaCli>[0]) =>
      JSON.parse((await sendViaCli(input, optionsFor(createTempHome(), { command }))).payloads[0]!.text) as string[];

    expect(await argvOf({ text: 'keyed', session: 'work', idempotencyKey: '-starts-with-a-dash' })).toEqual([
      'agent',
      '--json',
      '--message-stdin',
      '--session=work',
      '--idempotency-key=-starts-with-a-dash',
    ]);
    expect(await argvOf({ text: 'unkeyed' })).toEqual(['agent', '--json', '--message-stdin']);
  });

  it('passes values that start with "-" intact (a session named "-x" is valid on the wire)', async () => {
    const home = createTempHome();
    const payload = await sendViaCli({ text: 'dash', session: '-x', model: 'echo/-fast' }, optionsFor(home));
    expect(payload.meta).toMatchObject({ session: '-x', model: '-fast' });
  });

  it('passes the environment it is given (TETHER_ECHO_DELAY_MS reaches the CLI)', async () => {
    const home = createTempHome();
    // A bad value proves the variable arrived: the CLI refuses it by name.
    const error = await rejectionOf(sendViaCli({ text: 'hi' }, optionsFor(home, {}, { TETHER_ECHO_DELAY_MS: 'soon' })));
    expect(error.code).toBe('fallback_failed');
    expect(error.message).toContain('TETHER_ECHO_DELAY_MS');
  });
});

describe('sendViaCli: failures', () => {
  it('an unknown model is refused: fallback_failed with the wire code, nothing recorded', async () => {
    const home = createTempHome();
    const error = await rejectionOf(sendViaCli({ text: 'hi', model: 'nope' }, optionsFor(home)));
    expect(error.code).toBe('fallback_failed');
    expect(error.details.wireCode).toBe('invalid_request');
    expect(error.message).toContain('"nope"');
    expect(existsSync(join(home, 'sessions', 'main.jsonl'))).toBe(false);
  });

  it('deliver without a target is refused with the wire code', async () => {
    const error = await rejectionOf(sendViaCli({ text: 'hi', deliver: true }, optionsFor(createTempHome())));
    expect(error.code).toBe('fallback_failed');
    expect(error.details.wireCode).toBe('invalid_request');
    expect(error.message).toContain('--deliver needs a target');
    expect(error.message).toContain('"delivery.to"');
  });

  it('a bad thinking level is refused by the CLI with the wire code', async () => {
    const error = await rejectionOf(
      sendViaCli({ text: 'hi', thinking: 'max' as unknown as 'high' }, optionsFor(createTempHome())),
    );
    expect(error.code).toBe('fallback_failed');
    expect(error.details.wireCode).toBe('invalid_request');
    expect(error.message).toContain('thinking');
  });

  it('a command that does not exist: fallback_failed saying it could not start', async () => {
    const missing = join(createTempHome(), 'no-such-tether');
    const error = await rejectionOf(
      sendViaCli({ text: 'hi' }, optionsFor(createTempHome(), { command: { file: missing, args: [], source: 'setting', env: {} } })),
    );
    expect(error.code).toBe('fallback_failed');
    expect(error.message).toContain('could not start');
    expect(error.message).toContain(missing);
    expect(error.details.wireCode).toBeUndefined();
  });

  it('a command that prints something other than JSON: fallback_failed', async () => {
    const command: GatewayCommand = { file: process.execPath, args: ['-e', 'console.log("not json")', '--'], source: 'setting', env: {} };
    const error = await rejectionOf(sendViaCli({ text: 'hi' }, optionsFor(createTempHome(), { command })));
    expect(error.code).toBe('fallback_failed');
    expect(error.message).toContain('without a reply');
    expect(error.details.wireCode).toBeUndefined();
  });

  it('a command that prints JSON of the wrong shape: fallback_failed naming unexpected output', async () => {
    const command: GatewayCommand = { file: process.execPath, args: ['-e', 'console.log(JSON.stringify({ payloads: "no" }))', '--'], source: 'setting', env: {} };
    const error = await rejectionOf(sendViaCli({ text: 'hi' }, optionsFor(createTempHome(), { command })));
    expect(error.code).toBe('fallback_failed');
    expect(error.message).toContain('unexpected output');
  });

  it('a command that fails quotes the end of its stderr', async () => {
    const command: GatewayCommand = {
      file: process.execPath,
      args: ['-e', 'console.error("first"); console.error("config broken: bad key"); process.exit(3)', '--'],
      source: 'setting',
      env: {},
    };
    const error = await rejectionOf(sendViaCli({ text: 'hi' }, optionsFor(createTempHome(), { command })));
    expect(error.code).toBe('fallback_failed');
    expect(error.message).toContain('code 3');
    expect(error.message).toContain('config broken: bad key');
  });
});

describe('sendViaCli: abort and timeout', () => {
  it('abort stops the run: resolves with meta.aborted and the partial reply, which is recorded', async () => {
    const home = createTempHome();
    const controller = new AbortController();
    const done = sendViaCli({ text: MANY_WORDS }, optionsFor(home, { signal: controller.signal }, { TETHER_ECHO_DELAY_MS: '200' }));
    await waitForRunStart(home); // the CLI is in its run, so SIGINT aborts it rather than killing the process
    controller.abort();

    const payload = await done;
    const full = `echo: ${MANY_WORDS}`;
    expect(payload.meta.aborted).toBe(true);
    const partial = payload.payloads[0]!.text;
    expect(partial.length).toBeLessThan(full.length);
    expect(full.startsWith(partial)).toBe(true);

    const history = await historyOf(home);
    expect(history.messages[1]).toMatchObject({ role: 'assistant', aborted: true, text: partial, runId: payload.meta.runId });
  });

  it('a signal aborted before the start: fallback_failed, nothing run', async () => {
    const home = createTempHome();
    const controller = new AbortController();
    controller.abort();
    const error = await rejectionOf(sendViaCli({ text: 'hi' }, optionsFor(home, { signal: controller.signal })));
    expect(error.code).toBe('fallback_failed');
    expect(error.message).toContain('aborted before it printed a reply');
    expect(existsSync(join(home, 'sessions', 'main.jsonl'))).toBe(false);
  });

  it('a timeout during the run stops it like an abort: resolves with the partial reply', async () => {
    // The timeout sends SIGINT; once the run has started the CLI turns that into an
    // abort and still prints its payload, which sendViaCli returns. (The echo needs
    // 61 × 1 s here, far beyond the timeout.)
    const home = createTempHome();
    const payload = await sendViaCli({ text: MANY_WORDS }, optionsFor(home, { timeoutMs: 3000 }, { TETHER_ECHO_DELAY_MS: '1000' }));
    expect(payload.meta.aborted).toBe(true);
    const full = `echo: ${MANY_WORDS}`;
    expect(payload.payloads[0]!.text.length).toBeLessThan(full.length);
    expect(full.startsWith(payload.payloads[0]!.text)).toBe(true);
  });

  it('a timeout before any reply: fallback_failed saying it timed out', async () => {
    // A command that never answers and takes SIGINT's default action (dies).
    const command: GatewayCommand = { file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', '--'], source: 'setting', env: {} };
    const error = await rejectionOf(sendViaCli({ text: 'hi' }, optionsFor(createTempHome(), { command, timeoutMs: 300 })));
    expect(error.code).toBe('fallback_failed');
    expect(error.message).toContain('timed out after 300 ms');
  });
});
