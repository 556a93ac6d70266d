/**
 * Sends through the one-shot CLI (`tether agent --json`) while the gateway child is
 * not running.
 *
 * The message goes on stdin (`--message-stdin`), not argv: argv has a size limit
 * and is visible to every user in the process list. The CLI writes to the same
 * session store as the child, so the transcript stays whole either way, and it
 * honours the send's idempotency key (`--idempotency-key`) from the keys recorded
 * there: a send the gateway died under is resumed or replayed, not run twice. Aborting
 * sends SIGINT, which makes the CLI stop the run, keep the partial reply and still
 * print its payload (exit 130); it is killed only if it ignores that for 2 s.
 */
import { execa } from 'execa';
import type { Logger } from '../../rpc-host/shared.js';
import { describeIssues } from '../../rpc-host/protocol/errors.js';
import { ErrorResponseSchema, SendPayloadSchema, type SendPayload, type SendRequestSchema } from '../../rpc-host/protocol/schemas.js';
import type { z } from 'zod';
import { CompanionError } from './errors.js';
import type { GatewayCommand } from './command-resolution.js';

/** A send as the companion takes it: the wire request without `type` and `id`. */
export type SendInput = Omit<z.input<typeof SendRequestSchema>, 'type' | 'id'>;

export interface CliSendOptions {
  command: GatewayCommand;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  logger: Logger;
}

/** Runs one send through `tether agent --json` and returns its payload. */
export async function sendViaCli(input: SendInput, options: CliSendOptions): Promise<SendPayload> {
  const args = [...options.command.args, 'agent', '--json', '--message-stdin'];
  // `--flag=value`, never two arguments: a value starting with "-" (a session named
  // "-x" is valid on the wire) would otherwise be refused as an ambiguous option.
  if (input.session !== undefined) args.push(`--session=${input.session}`);
  if (input.thinking !== undefined) args.push(`--thinking=${input.thinking}`);
  if (input.deliver === true) args.push('--deliver');
  if (input.to !== undefined) args.push(`--to=${input.to}`);
  if (input.model !== undefined) args.push(`--model=${input.model}`);
  if (input.idempotencyKey !== undefined) args.push(`--idempotency-key=${input.idempotencyKey}`);
  options.logger.info(`cli fallback: ${options.command.file} ${args.join(' ')}`);

  const result = await execa(options.command.file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    input: input.text,
    reject: false,
    timeout: options.timeoutMs,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    killSignal: 'SIGINT',
    forceKillAfterDelay: 2000,
    windowsHide: true,
    maxBuffer: 64 * 1024 * 1024,
    stripFinalNewline: true,
  });

  const lastLine = result.stdout.split('\n').filter((line) => line.trim() !== '').at(-1) ?? '';
  const stderrTail = result.stderr.split('\n').slice(-5).join('\n').trim();
  let value: unknown;
  try {
    value = lastLine === '' ? undefined : JSON.parse(lastLine);
  } catch {
    value = undefined; // not JSON: reported below with stderr
  }

  const payload = SendPayloadSchema.safeParse(value);
  if (payload.success) return payload.data; // exit 0, or 130 with the partial reply of an aborted run

  const refusal = ErrorResponseSchema.safeParse(value);
  if (refusal.success) {
    throw new CompanionError('fallback_failed', `the one-shot CLI could not send: ${refusal.data.error}`, { wireCode: refusal.data.code });
  }
  const how = result.timedOut
    ? `timed out after ${options.timeoutMs} ms`
    : result.isCanceled
      ? 'was aborted before it printed a reply'
      : result.exitCode === undefined
        ? `could not start (${result.originalMessage ?? result.message})`
        : `exited with ${result.signal ?? `code ${result.exitCode}`} without a reply`;
  const detail = value === undefined ? (stderrTail !== '' ? `: ${stderrTail}` : '') : ` (unexpected output: ${describeIssues(payload.error.issues, 'reply')})`;
  throw new CompanionError('fallback_failed', `the one-shot CLI ${how}${detail}`);
}
