/**
 * `tether agent`: one agent turn in a fresh process, through the same gateway core
 * and session store as `tether rpc`.
 *
 * With `--json` it prints exactly the `send` result payload (`payloads`, `meta`) on
 * stdout, or a `{"type":"error",…}` object on failure; without it, the reply text
 * streams to stdout as it arrives. Errors always go to stderr as well, and the exit
 * code says what happened: 0 done, 1 failed, 2 bad usage, 130 interrupted.
 */
import { ProtocolError, isProtocolError } from './protocol/errors.js';
import { validateRequest } from './protocol/parse-request.js';
import { DEFAULT_SESSION, type ErrorResponse, type SendPayload } from './protocol/schemas.js';
import { Gateway } from './core/gateway.js';
import type { GatewayConfig } from './core/config.js';

/** The flags of `tether agent`, already split out of argv. */
export interface AgentArgs {
  message: string | undefined;
  session: string | undefined;
  thinking: string | undefined;
  deliver: boolean;
  to: string | undefined;
  model: string | undefined;
  idempotencyKey: string | undefined;
  json: boolean;
}

/** Exit codes of `tether agent`. */
export const AgentExit = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Runs one send and prints the outcome; resolves with the exit code. */
export async function runAgentCommand(args: AgentArgs, config: GatewayConfig): Promise<number> {
  if (args.message === undefined) {
    return fail(args.json, new ProtocolError('invalid_request', 'tether agent needs --message TEXT or --message-stdin (see tether agent --help)'), AgentExit.usage);
  }
  if (args.message === '') {
    return fail(args.json, new ProtocolError('invalid_request', 'the message is empty; give some text with --message TEXT or on stdin with --message-stdin'), AgentExit.usage);
  }
  // Validate through the wire schema, so the CLI and `send` accept exactly the same input.
  const parsed = validateRequest({
    type: 'send',
    text: args.message,
    ...(args.session !== undefined ? { session: args.session } : {}),
    ...(args.thinking !== undefined ? { thinking: args.thinking } : {}),
    ...(args.deliver ? { deliver: true } : {}),
    ...(args.to !== undefined ? { to: args.to } : {}),
    ...(args.model !== undefined ? { model: args.model } : {}),
    ...(args.idempotencyKey !== undefined ? { idempotencyKey: args.idempotencyKey } : {}),
  });
  if (!parsed.ok) return fail(args.json, flagNames(parsed.error), AgentExit.usage);
  const request = parsed.request;
  if (request.type !== 'send') throw new Error('unreachable: validated a send as another type');
  if (request.deliver === true && request.to === undefined && config.delivery.to === undefined) {
    const error = new ProtocolError('invalid_request', '--deliver needs a target: add --to TARGET (e.g. --to +15551234567), or set "delivery.to" in the config file');
    return fail(args.json, error, AgentExit.usage);
  }

  const gateway = new Gateway({ config, longLived: false, sendSource: 'cli' });
  let interrupted = false;
  const onSigint = () => {
    interrupted = true; // abort keeps the partial reply in the transcript and still prints it
    gateway.handle({ type: 'abort', session: request.session ?? DEFAULT_SESSION }).catch(() => {});
  };
  process.once('SIGINT', onSigint);
  let streamed = false;
  if (!args.json) {
    gateway.onDidEmit((event) => {
      if (event.event !== 'reply.delta') return;
      streamed = true;
      process.stdout.write((event.payload as { text: string }).text);
    });
  }
  try {
    const payload: SendPayload = await gateway.send(request);
    const text = payload.payloads[0]?.text ?? '';
    if (args.json) process.stdout.write(JSON.stringify(payload) + '\n');
    // A replayed answer streams nothing: print it whole.
    else process.stdout.write(streamed ? (text === '' ? '' : '\n') : text === '' ? '' : `${text}\n`);
    for (const failure of payload.meta.failures ?? []) {
      process.stderr.write(`tether agent: ${failure.provider}/${failure.model} failed, answered by ${payload.meta.provider}/${payload.meta.model}: ${failure.error}\n`);
    }
    if (payload.meta.deliveryError) process.stderr.write(`tether agent: reply not delivered: ${payload.meta.deliveryError}\n`);
    return interrupted ? AgentExit.interrupted : AgentExit.ok;
  } catch (error) {
    if (!isProtocolError(error)) throw error; // a bug: let the CLI report it with its stack
    return fail(args.json, flagNames(error), AgentExit.failed);
  } finally {
    process.off('SIGINT', onSigint);
    await gateway.shutdown(0);
  }
}

/** The flag of each `send` field the CLI fills in. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  text: '--message',
  session: '--session',
  thinking: '--thinking',
  to: '--to',
  model: '--model',
  idempotencyKey: '--idempotency-key',
};

/**
 * The CLI's user typed flags, not JSON fields: name the flag (`--thinking`, not
 * `invalid send request: field "thinking"`).
 */
function flagNames(error: ProtocolError): ProtocolError {
  const message = error.message
    .replace(/^invalid send request: /u, '')
    .replace(/(missing )?field "([A-Za-z]+)"/gu, (whole, missing: string | undefined, field: string) => {
      const flag = FLAG_OF_FIELD[field];
      return flag === undefined ? whole : `${missing ?? ''}${flag}`;
    });
  return new ProtocolError(error.code, message);
}

function fail(json: boolean, error: ProtocolError, exitCode: number): number {
  process.stderr.write(`tether agent: ${error.message}\n`);
  if (json) {
    const response: ErrorResponse = { type: 'error', ok: false, code: error.code, error: error.message };
    process.stdout.write(JSON.stringify(response) + '\n');
  }
  return exitCode;
}
