/**
 * The companion's send path: gives every send its idempotency key, sends it through
 * the running gateway or the one-shot CLI, and with `retry` sends it again after a
 * crash.
 *
 * A send goes to the gateway when it runs; else to the CLI (same key, same session
 * store) when "Use CLI fallback" is on; else it is refused at once, or, with
 * `retry`, held until the gateway is back. When the child dies under a send, the
 * error says how far the send got (`details.reached`) and that sending it again
 * with the same key cannot run it twice; with `retry`, the sender does exactly
 * that once the supervisor is running again (or the CLI may take it), bounded by a
 * deadline and a number of attempts, and gives up when the supervisor fails or
 * stops. `Companion` owns the pieces; this module only uses them.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../rpc-host/shared.js';
import { describeIssues } from '../../rpc-host/protocol/errors.js';
import { DEFAULT_SESSION, SendRequestSchema, type Event, type SendPayload } from '../../rpc-host/protocol/schemas.js';
import type { z } from 'zod';
import { sendViaCli, type SendInput } from './cli-fallback.js';
import type { Unsubscribe } from './emitter.js';
import { CLOSED_MESSAGE, CompanionError, isCompanionError, withDetails } from './errors.js';
import {
  DEFAULT_MAX_SEND_ATTEMPTS,
  DEFAULT_RETRY_TIMEOUT_MS,
  sendExitedError,
  waitForSendPath,
  type SendPathOutcome,
  type SendPathWatch,
} from './send-retry.js';
import type { LaunchSpec, Supervisor } from './supervisor.js';

/** A send's answer, the path that served it, and the key it went with. */
export interface SendResult {
  via: 'gateway' | 'cli';
  /** The send's idempotency key (the caller's, or the one generated for it). */
  idempotencyKey: string;
  payload: SendPayload;
}

/** Options of `Companion.send`. */
export interface SendOptions {
  /** Idle timeout of the gateway request (restarts on each of its events); total for a CLI send. */
  timeoutMs?: number;
  /** Total cap of the gateway request, however long its reply streams. Default 30 minutes (`DEFAULT_TOTAL_TIMEOUTS_MS.send`). */
  totalTimeoutMs?: number;
  /**
   * Send again, with the same key, when the gateway dies under the send, once it
   * runs again; and wait for a gateway that is starting or restarting (fallback
   * off) instead of failing at once. The key makes this safe: nothing runs twice.
   */
  retry?: boolean;
  /** With `retry`: how long to keep trying, in total. Default 2 minutes. */
  retryTimeoutMs?: number;
  /** With `retry`: the most times to send, the first included. Default 10. */
  maxAttempts?: number;
}

/** What the sender uses of the companion. */
export interface SenderDeps {
  supervisor: Pick<Supervisor, 'client' | 'currentState'>;
  /** True when "Use CLI fallback" is on. */
  fallbackEnabled(): boolean;
  /** How to run the CLI (the gateway's command, directory and environment). */
  launchSpec(): LaunchSpec;
  /** Announces the `reply` a CLI send produced, as the gateway would have. */
  fireEvent(event: Event): void;
  /** Fires whenever the gateway's state or the fallback setting may have changed. */
  onDidChangeState(listener: () => void): Unsubscribe;
  /** `the gateway is not running (restarting in 400 ms)`, and the like. */
  describeDown(): string;
  isClosed(): boolean;
  logger: Logger;
  /** Total timeout of a CLI send without a `timeoutMs` of its own. */
  cliTimeoutMs: number;
}

/** A send the wire schema accepted, with its key settled. */
type KeyedSend = Omit<z.infer<typeof SendRequestSchema>, 'type' | 'id'> & { idempotencyKey: string };

/** A one-shot CLI send in flight, so abort and shutdown can reach it. */
interface CliRun {
  session: string;
  controller: AbortController;
  done: Promise<unknown>;
}

/** A `send` with `retry` still going, so abort can stop its resending. */
interface Resend {
  session: string;
  controller: AbortController;
  /** True while it waits for the gateway (nothing of it runs anywhere then). */
  waiting: boolean;
}

/** Sends messages for a `Companion`; see the module comment. */
export class Sender {
  private readonly cliRuns = new Set<CliRun>();
  private readonly resends = new Set<Resend>();

  constructor(private readonly deps: SenderDeps) {}

  /** Validates, keys and sends one message; every `CompanionError` it throws carries the key. */
  async send(input: SendInput, options: SendOptions = {}): Promise<SendResult> {
    const idempotencyKey = input.idempotencyKey ?? randomUUID();
    try {
      if (this.deps.isClosed()) throw new CompanionError('closed', CLOSED_MESSAGE);
      const parsed = SendRequestSchema.safeParse({ ...input, idempotencyKey, type: 'send' });
      if (!parsed.success) throw new CompanionError('invalid_request', `cannot send: ${describeIssues(parsed.error.issues, 'message')}`);
      const { type: _type, id: _id, ...request } = parsed.data;
      const keyed: KeyedSend = { ...request, idempotencyKey };
      if (options.retry) return await this.sendRetrying(keyed, options);
      try {
        return await this.sendOnce(keyed, options);
      } catch (error) {
        throw isCompanionError(error, 'gateway_exited') ? sendExitedError(error, idempotencyKey) : error;
      }
    } catch (error) {
      // Only a string is a key: a caller's key of another type was refused above.
      if (!isCompanionError(error) || typeof idempotencyKey !== 'string') throw error;
      throw withDetails(error, { idempotencyKey });
    }
  }

  /**
   * Aborts the session's CLI sends and stops its `retry` sends from sending again;
   * returns how many of each were running or waiting (a resend on the gateway is
   * the gateway's to count).
   */
  abortSession(session: string): { cli: number; waiting: number } {
    let cli = 0;
    let waiting = 0;
    for (const run of this.cliRuns) {
      if (run.session !== session) continue;
      run.controller.abort();
      cli += 1;
    }
    for (const resend of this.resends) {
      if (resend.session !== session) continue;
      if (resend.waiting) waiting += 1;
      resend.controller.abort();
    }
    return { cli, waiting };
  }

  /** Aborts every CLI send and waits until each has ended. */
  async stopCliRuns(): Promise<void> {
    for (const run of this.cliRuns) run.controller.abort();
    await Promise.allSettled([...this.cliRuns].map((run) => run.done));
  }

  /** One try: the running gateway, else the CLI when the fallback is on, else `gateway_unavailable`. Exits come back raw. */
  private async sendOnce(request: KeyedSend, options: SendOptions): Promise<SendResult> {
    const { idempotencyKey } = request;
    const client = this.deps.supervisor.client;
    if (client) {
      const timeouts = {
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.totalTimeoutMs !== undefined ? { totalTimeoutMs: options.totalTimeoutMs } : {}),
      };
      const payload = await client.request({ type: 'send', ...request }, timeouts);
      return { via: 'gateway', idempotencyKey, payload };
    }
    if (!this.deps.fallbackEnabled()) {
      throw new CompanionError('gateway_unavailable', `cannot send: ${this.deps.describeDown()}; turn on "Use CLI fallback" to send while it is down`);
    }
    return { via: 'cli', idempotencyKey, payload: await this.sendThroughCli(request, options) };
  }

  /** `send` with `retry`: waits for a path, sends, and after a crash waits and sends again with the same key. */
  private async sendRetrying(request: KeyedSend, options: SendOptions): Promise<SendResult> {
    const { idempotencyKey } = request;
    const retryTimeoutMs = options.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS;
    const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_SEND_ATTEMPTS);
    const deadline = Date.now() + retryTimeoutMs;
    const resend: Resend = { session: request.session ?? DEFAULT_SESSION, controller: new AbortController(), waiting: false };
    this.resends.add(resend);
    let exited: CompanionError | undefined;
    try {
      for (let attempts = 0; ; ) {
        resend.waiting = true;
        const path = await waitForSendPath(this.sendPathWatch, deadline, resend.controller.signal);
        resend.waiting = false;
        if (!path.ok) {
          const why = this.describeNoPath(path, retryTimeoutMs);
          if (exited) throw sendExitedError(exited, idempotencyKey, { attempts, gaveUp: why });
          const fix = path.why === 'aborted' || this.deps.isClosed() ? '' : '; turn on "Use CLI fallback" to send while it is down';
          throw new CompanionError('gateway_unavailable', `cannot send: ${why}${fix}`);
        }
        attempts += 1;
        try {
          return await this.sendOnce(request, options);
        } catch (error) {
          if (!isCompanionError(error, 'gateway_exited')) throw error;
          exited = error;
          if (attempts >= maxAttempts) throw sendExitedError(error, idempotencyKey, { attempts, gaveUp: `that was the last of ${maxAttempts} attempts (maxAttempts)` });
          this.deps.logger.warn(
            `send ${idempotencyKey}: the gateway exited under attempt ${attempts} (reached: ${error.details.reached ?? 'unknown'}); sending it again with the same key once the gateway runs`,
          );
        }
      }
    } finally {
      this.resends.delete(resend);
    }
  }

  /** Where a `retry` send can go now; re-read on every companion state change. */
  private readonly sendPathWatch: SendPathWatch = {
    current: () => {
      if (this.deps.isClosed()) return { kind: 'none', reason: 'the companion was shut down' };
      if (this.deps.supervisor.client !== undefined || this.deps.fallbackEnabled()) return { kind: 'ready' };
      const state = this.deps.supervisor.currentState;
      return state === 'failed' || state === 'stopped' ? { kind: 'none', reason: this.deps.describeDown() } : { kind: 'wait' };
    },
    onDidChange: (listener) => this.deps.onDidChangeState(listener),
  };

  /** Why a `retry` send found no path, as a clause. */
  private describeNoPath(outcome: Exclude<SendPathOutcome, { ok: true }>, retryTimeoutMs: number): string {
    switch (outcome.why) {
      case 'unavailable':
        return outcome.reason;
      case 'deadline':
        return `the gateway was not back within ${retryTimeoutMs} ms (retryTimeoutMs; ${this.deps.describeDown()})`;
      case 'aborted':
        return 'the send was aborted';
    }
  }

  private async sendThroughCli(request: KeyedSend, options: SendOptions): Promise<SendPayload> {
    const spec = this.deps.launchSpec();
    if (!spec.ok) throw new CompanionError('fallback_failed', `cannot send through the one-shot CLI: ${spec.error}`);
    const controller = new AbortController();
    const done = sendViaCli(request, {
      command: spec.command,
      cwd: spec.cwd,
      env: spec.env,
      timeoutMs: options.timeoutMs ?? this.deps.cliTimeoutMs,
      signal: controller.signal,
      logger: this.deps.logger,
    });
    const run: CliRun = { session: request.session ?? DEFAULT_SESSION, controller, done };
    this.cliRuns.add(run);
    try {
      const payload = await done;
      const { meta } = payload;
      this.deps.fireEvent({
        type: 'event',
        event: 'reply',
        payload: {
          session: meta.session,
          runId: meta.runId,
          text: payload.payloads[0]?.text ?? '',
          source: 'cli',
          provider: meta.provider,
          model: meta.model,
          ...(meta.aborted !== undefined ? { aborted: meta.aborted } : {}),
          ...(meta.delivered !== undefined ? { delivered: meta.delivered } : {}),
          idempotencyKey: meta.idempotencyKey ?? request.idempotencyKey,
        },
      });
      return payload;
    } finally {
      this.cliRuns.delete(run);
    }
  }
}
