/**
 * `tether agent`: one agent turn in a fresh process, through the same gateway core
 * and session store as `tether rpc`.
 *
 * With `--json` it prints exactly the `send` result payload (`payloads`, `meta`) on
 * stdout, or a `{"type":"error",…}` object on failure; without it, the reply text
 * streams to stdout as it arrives. Errors always go to stderr as well, and the exit
 * code says what happened: 0 done, 1 failed, 2 bad usage, 130 interrupted.
 *
 * When a gateway serves the data dir (`tether rpc --listen`, the app's child), the
 * turn goes through its socket, so it shares that gateway's queue and the app sees
 * it live; otherwise, or with `--no-attach`, it runs in a gateway of its own in
 * this process. The output is the same; `meta.via` says which path served it.
 */
import { ProtocolError, isProtocolError } from './protocol/errors.js';
import { validateRequest } from './protocol/parse-request.js';
import { DEFAULT_SESSION, type RequestOf } from './protocol/requests.js';
import type { ErrorResponse, SendPayload } from './protocol/results.js';
import type { GatewayConfig } from './core/config.js';
import { GatewayLink } from './attach-client.js';
import { TETHER_VERSION } from './version.js';

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
  /** Send through the gateway serving the data dir when one answers (default true). */
  attach?: boolean;
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

  if (args.attach !== false) {
    const link = await GatewayLink.connect(config.dataDir);
    if (link !== undefined) return sendAttached(link, request, args, () => sendInProcess(request, args, config));
  }
  return sendInProcess(request, args, config);
}

/**
 * Runs the turn through the serving gateway's socket. When the gateway goes away
 * before answering, the turn runs in process instead if that cannot run it twice:
 * the send was never written, or it has an idempotency key (which the in-process
 * gateway resumes or answers from the transcript).
 */
async function sendAttached(link: GatewayLink, request: RequestOf<'send'>, args: AgentArgs, inProcess: () => Promise<number>): Promise<number> {
  let interrupted = false;
  let runId: string | undefined;
  const onSigint = () => {
    interrupted = true; // abort keeps the partial reply in the transcript and still prints it
    link.notify({ type: 'abort', id: 'abort', ...(runId !== undefined ? { runId } : { session: request.session ?? DEFAULT_SESSION }) });
  };
  process.once('SIGINT', onSigint);
  let streamed = false;
  let sent = false;
  try {
    // Only this turn's deltas, and only when they are printed.
    await link.request({ type: 'hello', id: 'hello', protocol: 1, client: { name: 'tether-agent', version: TETHER_VERSION }, events: args.json ? [] : ['reply.delta'] });
    sent = true;
    const answer = await link.request({ ...request, id: 'send' }, (event) => {
      if (event.event !== 'reply.delta') return;
      runId = event.payload.runId;
      streamed = true;
      process.stdout.write(event.payload.text);
    });
    if (answer.type === 'error') return fail(args.json, flagNames(new ProtocolError(answer.code, answer.error)), AgentExit.failed);
    const { SendPayloadSchema } = await import('./protocol/results.js'); // built only when a gateway answered
    const payload = SendPayloadSchema.parse(answer.payload);
    payload.meta.via = 'gateway';
    return printAnswer(payload, args, streamed, interrupted);
  } catch (error) {
    if (!interrupted && !streamed && (!sent || request.idempotencyKey !== undefined)) {
      process.off('SIGINT', onSigint);
      return inProcess(); // safe: it cannot run the turn a second time
    }
    const message = `${error instanceof Error ? error.message : String(error)} before answering; the turn may have run: look with {"type":"history"} or send again with --idempotency-key`;
    return fail(args.json, new ProtocolError('internal', message), AgentExit.failed);
  } finally {
    process.off('SIGINT', onSigint);
    link.close();
  }
}

/** Runs the turn in a gateway of this process's own. */
async function sendInProcess(request: RequestOf<'send'>, args: AgentArgs, config: GatewayConfig): Promise<number> {
  // Loaded only here: an attached send never pays for the gateway's modules.
  const { Gateway } = await import('./core/gateway.js');
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
    return printAnswer({ ...payload, meta: { ...payload.meta, via: 'in-process' } }, args, streamed, interrupted);
  } catch (error) {
    if (!isProtocolError(error)) throw error; // a bug: let the CLI report it with its stack
    return fail(args.json, flagNames(error), AgentExit.failed);
  } finally {
    process.off('SIGINT', onSigint);
    await gateway.shutdown(0);
  }
}

/** Prints a finished turn (after its streamed text, if any) and says how it went; returns the exit code. */
function printAnswer(payload: SendPayload, args: AgentArgs, streamed: boolean, interrupted: boolean): number {
  const text = payload.payloads[0]?.text ?? '';
  if (args.json) process.stdout.write(JSON.stringify(payload) + '\n');
  // A replayed answer streams nothing: print it whole.
  else process.stdout.write(streamed ? (text === '' ? '' : '\n') : text === '' ? '' : `${text}\n`);
  for (const failure of payload.meta.failures ?? []) {
    process.stderr.write(`tether agent: ${failure.provider}/${failure.model} failed, answered by ${payload.meta.provider}/${payload.meta.model}: ${failure.error}\n`);
  }
  if (payload.meta.deliveryError) process.stderr.write(`tether agent: reply not delivered: ${payload.meta.deliveryError}\n`);
  return interrupted ? AgentExit.interrupted : AgentExit.ok;
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
