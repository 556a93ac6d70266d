/**
 * The `tether` command line: `tether rpc` (the long-lived gateway child),
 * `tether agent` (one turn, one process), and the dispatch of `tether app` to
 * whoever provides it.
 *
 * Two executables run it: the gateway host (`rpc-host/cli.ts`, what the app
 * spawns and packages, with no `app`) and the `tether` bin (`main/launch/tether.ts`,
 * which adds `app`). The gateway never depends on main/: `app` comes in as a
 * function from the bin's composition root.
 *
 * Flags are parsed with `node:util` parseArgs in strict mode, so a mistyped flag is
 * an error that names it rather than something silently ignored.
 */
// First: zod's parser mode must be set before any schema is built.
import './zod-interpreted.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type ConfigOverrides } from './core/config.js';
import { runAgentCommand } from './agent-command.js';
import { takeListenFlag } from './listen/listen-flag.js';
import { claimSocket, type SocketClaim } from './listen/socket-service.js';
import { GatewayAlreadyServingError } from './listen/gateway-lock.js';
import { defaultSocketPath } from './listen/socket-path.js';
import { runStatusCommand, STATUS_HELP } from './status-command.js';
import { missingValueMessage, negativeNumbersAsValues } from './flag-values.js';
import { prepareNamedDataDir } from './data-dir.js';
import { errorMessage, errorStack } from './protocol/errors.js';
import { TETHER_VERSION } from './version.js';
import { CONFIG_ERROR_EXIT_CODE } from './exit-codes.js';

const COMMON_HELP = `Common options:
  --home DIR                 data dir (sessions, outbox, config.json); env TETHER_HOME,
                             default $XDG_DATA_HOME/tether (~/.local/share/tether)
  --config FILE              config file; env TETHER_CONFIG, default <home>/config.json
  --echo-delay MS            pause before each streamed piece of the echo provider; env TETHER_ECHO_DELAY_MS
  -h, --help                 show help`;

const HELP = `tether ${TETHER_VERSION}: a local AI agent gateway

Usage:
  tether rpc [options]       run the gateway: JSON requests on stdin, one per line; answers and events on stdout
  tether rpc --listen [PATH] the same, and serve other clients on a local socket (default <home>/run/gateway.sock)
  tether agent --message TEXT [options]
                             run one agent turn and print the reply (--json for the full payload); through the
                             gateway serving the data dir when one is, else in this process
  tether status [--json]     show the gateway serving the data dir
  tether app [--web] [--port N]
                             start the desktop app (tray and chat window); where no Electron
                             runtime can start, or with --web, serve the same UI on 127.0.0.1
  tether --version           print the version
  tether <command> --help    options of a command

Protocol reference: docs/protocol.md; providers and delivery: docs/providers.md. Logs go to stderr (TETHER_LOG=debug|info|warn|error|silent).
`;

const RPC_HELP = `Usage: tether rpc [options]

Runs the gateway as a child process speaking newline-delimited JSON: one request per
line on stdin ({"type":"status"}, {"type":"send","text":"hi"}, …), one response per
request and unsolicited events on stdout. Exits 0 on stdin EOF or SIGTERM after
in-flight runs finish (or are aborted after the grace period).

With --listen it also serves the same protocol on a local socket, for every other
client of the data dir (tether agent, tether status, scripts): one gateway per data
dir. Exit code 3: another gateway already serves the data dir (the message names its
pid and socket). Without --listen it runs on its own, as it always did, and warns when
another gateway serves the data dir.

Exit codes: 0 stopped, 2 bad usage, 3 another gateway serves the data dir (with
--listen), 78 invalid configuration (stderr names the key and the fix; it fails the
same way until the configuration changes), 70 a bug.

Options:
  --listen [PATH]            also serve on a Unix socket (named pipe on Windows); default
                             <home>/run/gateway.sock, its folder 0700 and the socket 0600
  --heartbeats on|off        send heartbeats (default on); env TETHER_HEARTBEATS
  --heartbeat-interval MS    time between heartbeats (default 1800000 = 30 min); env TETHER_HEARTBEAT_INTERVAL_MS
  --max-line-bytes N         longest accepted request line (default 16777216 = 16 MiB); env TETHER_MAX_LINE_BYTES
  --grace MS                 how long in-flight runs may finish at shutdown (default 2000)
${COMMON_HELP}
`;

const AGENT_HELP = `Usage: tether agent --message TEXT [options]

Runs one agent turn in a session, records it in the session's transcript (shared
with a running \`tether rpc\`), and prints the reply. Exit codes: 0 done, 1 failed,
2 bad usage, 78 invalid configuration, 130 interrupted (Ctrl+C aborts the run and
keeps the partial reply).

Options:
  -m, --message TEXT         the message to send (this or --message-stdin is required)
  --message-stdin            read the message from stdin (UTF-8, up to EOF): no argv size
                             limit, and the text stays out of the process list
  -s, --session KEY          session key (default main)
  --thinking LEVEL           off | minimal | low | medium | high
  --deliver                  deliver the reply to --to through the configured channel (outbox or webhook)
  --to TARGET                delivery target, e.g. +15551234567 (default: delivery.to of the config file)
  --model NAME               provider or provider/model from the config file, e.g. echo or ollama/llama3.2
  --idempotency-key KEY      names this message (1-200 characters, e.g. a UUID): run again with the
                             same key, it is answered from the session's transcript, resumed if a
                             gateway stopped under it, and never run twice
  --json                     print the send payload {"payloads":[{"text"}],"meta":{…}} (errors as {"type":"error",…})
  --no-attach                run in this process even when a gateway serves the data dir (by default the
                             turn goes through it, sharing its queue; meta.via says "gateway" or "in-process")
${COMMON_HELP}
`;


const COMMON_OPTIONS = {
  home: { type: 'string' },
  config: { type: 'string' },
  'echo-delay': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** A usage problem: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/** Runs `tether app` with its arguments; resolves with the exit code. */
export type AppCommand = (argv: string[]) => Promise<number>;

/** The commands an executable adds to `rpc` and `agent`. */
export interface ExtraCommands {
  app?: AppCommand;
}

/** Runs one `tether` command line; resolves with the exit code (-1: keeps running, exits on its own). */
export async function runTetherCli(argv: string[], extra: ExtraCommands = {}): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${TETHER_VERSION}\n`);
    return 0;
  }
  switch (command) {
    case 'rpc':
      return rpcCommand(rest);
    case 'agent':
      return agentCommand(rest);
    case 'status':
      return statusCommand(rest);
    case 'app':
      if (extra.app === undefined) {
        throw new UsageError('this is the gateway host, which has no app; start the app with the tether command ("tether app", or "npm start" in a checkout)');
      }
      return extra.app(rest);
    default:
      throw new UsageError(`unknown command "${command}"; the commands are rpc, agent, status and app (see tether --help)`);
  }
}

async function rpcCommand(argv: string[]): Promise<number> {
  const { listen, rest, empty } = takeListenFlag(argv);
  if (empty) throw new UsageError('--listen= needs a path, or leave out "=" for the default socket (see tether rpc --help)');
  const { values } = parseFlags(rest, {
    ...COMMON_OPTIONS,
    heartbeats: { type: 'string' },
    'heartbeat-interval': { type: 'string' },
    'max-line-bytes': { type: 'string' },
    grace: { type: 'string' },
  }, 'rpc');
  if (values.help) {
    process.stdout.write(RPC_HELP);
    return 0;
  }
  const overrides: ConfigOverrides = commonOverrides(values);
  if (values.heartbeats !== undefined) overrides.heartbeatsEnabled = onOff('--heartbeats', values.heartbeats);
  if (values['heartbeat-interval'] !== undefined) overrides.heartbeatIntervalMs = integer('--heartbeat-interval', values['heartbeat-interval'], 10);
  if (values['max-line-bytes'] !== undefined) overrides.maxLineBytes = integer('--max-line-bytes', values['max-line-bytes'], 1024);
  if (values.grace !== undefined) overrides.shutdownGraceMs = integer('--grace', values.grace, 0);
  const config = loadConfig(overrides);
  let socket: SocketClaim | undefined;
  if (listen !== undefined) {
    try {
      socket = claimSocket(config.dataDir, listen.path ?? defaultSocketPath(config.dataDir));
    } catch (error) {
      if (!(error instanceof GatewayAlreadyServingError)) throw error;
      process.stderr.write(`tether: ${error.message}\n`);
      return error.exitCode;
    }
  }
  // Loaded here, not at the top: `tether agent` attached and `tether status` never need the gateway's modules.
  const { runStdioHost } = await import('./stdio.js');
  await runStdioHost(config, socket);
  return -1; // keeps running; exits from its own shutdown
}

async function agentCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    ...COMMON_OPTIONS,
    message: { type: 'string', short: 'm' },
    'message-stdin': { type: 'boolean' },
    session: { type: 'string', short: 's' },
    thinking: { type: 'string' },
    deliver: { type: 'boolean' },
    to: { type: 'string' },
    model: { type: 'string' },
    'idempotency-key': { type: 'string' },
    json: { type: 'boolean' },
    'no-attach': { type: 'boolean' },
  }, 'agent');
  if (values.help) {
    process.stdout.write(AGENT_HELP);
    return 0;
  }
  if (values.message !== undefined && values['message-stdin'] === true) {
    throw new UsageError('give the message either with --message or with --message-stdin, not both (see tether agent --help)');
  }
  const config = loadConfig(commonOverrides(values));
  const message = values['message-stdin'] === true ? await readStdinText() : values.message;
  return runAgentCommand(
    {
      message,
      session: values.session,
      thinking: values.thinking,
      deliver: values.deliver === true,
      to: values.to,
      model: values.model,
      idempotencyKey: values['idempotency-key'],
      json: values.json === true,
      attach: values['no-attach'] !== true,
    },
    config,
  );
}

async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { ...COMMON_OPTIONS, json: { type: 'boolean' } }, 'status');
  if (values.help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  return runStatusCommand(loadConfig(commonOverrides(values)).dataDir, values.json === true);
}

/** Reads all of stdin as UTF-8 text (for `--message-stdin`). */
async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a command's flags strictly; a mistake is a `UsageError` pointing at the command's help. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  command: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>> {
  const args = negativeNumbersAsValues(argv, options);
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? missingValueMessage(args, options) : undefined;
    throw new UsageError(`${missing ?? errorMessage(error).replace(/\.$/u, '')} (see tether ${command} --help)`);
  }
}

function commonOverrides(values: { home?: string | undefined; config?: string | undefined; 'echo-delay'?: string | undefined }): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  if (values.home !== undefined) {
    const problem = prepareNamedDataDir(values.home, '--home');
    if (problem !== undefined) throw new UsageError(problem);
    overrides.dataDir = values.home;
  }
  if (values.config !== undefined) overrides.configPath = values.config;
  if (values['echo-delay'] !== undefined) overrides.echoDelayMs = integer('--echo-delay', values['echo-delay'], 0);
  return overrides;
}

/** A whole-number flag value of at least `min`, or a `UsageError` naming the flag. */
export function integer(flag: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} takes a whole number of at least ${min}, got "${raw}"`);
  return value;
}

function onOff(flag: string, raw: string): boolean {
  if (raw === 'on' || raw === 'true') return true;
  if (raw === 'off' || raw === 'false') return false;
  throw new UsageError(`${flag} takes on or off, got "${raw}"`);
}

/** Sets the exit code from a command's outcome, reporting usage, config and unexpected errors on stderr. */
export function exitWith(outcome: Promise<number>): void {
    outcome.then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError || error instanceof ConfigError) {
        process.stderr.write(`tether: ${error.message}\n`);
        if (process.argv.includes('--json')) {
          // Callers parsing stdout get the failure in the same shape as every other error.
          process.stdout.write(JSON.stringify({ type: 'error', ok: false, code: 'invalid_request', error: error.message }) + '\n');
        }
        process.exitCode = error instanceof UsageError ? 2 : CONFIG_ERROR_EXIT_CODE;
        return;
      }
      process.stderr.write(`tether: unexpected error (a bug; please report it): ${errorStack(error)}\n`);
      process.exitCode = 70;
    },
  );
}
