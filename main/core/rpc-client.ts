/**
 * The client end of the `tether rpc` wire protocol, over a transport of lines.
 *
 * The protocol half of the client (the transport, `LineTransport`, frames, buffers
 * and closes). Every request gets an id of this client's own, so answers may come
 * back in any order; each answer is checked against the host's own zod schemas
 * before a caller sees it. Events go to subscribers. Each request has an idle
 * timeout (default 30 s, per call overridable) that restarts whenever an event for
 * that request arrives, so a reply that keeps streaming is not cut off while a
 * silent one is; and a total cap per request type (`DEFAULT_TOTAL_TIMEOUTS_MS`, as
 * MCP's `maxTotalTimeout`), so one whose events never stop still ends. A `send`
 * cut off either way has its run aborted. Lines that are not protocol are logged and
 * skipped. `close` rejects every pending request at once with the given error: the
 * supervisor calls it when the child exits. Each rejection says how far its request
 * got (`details.reached`): still in this client (or the transport's queue), handed
 * to the transport's stream, or seen by the child (an event with its id arrived), so
 * a caller knows whether the gateway may have acted.
 */
import type { Readable, Writable } from 'node:stream';
import { describeIssues, errorStack } from '../../rpc-host/protocol/errors.js';
import {
  ErrorResponseSchema,
  EventSchema,
  RESULT_PAYLOAD_SCHEMAS,
  ResultResponseSchema,
  type Event,
  type RequestOf,
  type RequestType,
  type ResultPayloadOf,
} from '../../rpc-host/protocol/schemas.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../rpc-host/protocol/jsonl.js';
import { Emitter, type Listener, type Unsubscribe } from './emitter.js';
import { CompanionError, withDetails, withStderrTail, type GatewayReach } from './errors.js';
import { StreamLineTransport, type LineTransport, type TransportError } from './line-transport.js';
import type { Logger } from '../../rpc-host/shared.js';

/** A request as a caller writes it: no id (the client assigns one). */
export type OutgoingRequest<T extends RequestType> = Omit<RequestOf<T>, 'id'>;

/** Per-call options. */
export interface RequestOptions {
  /** Idle timeout: restarts on every event for this request. Default: the client's. */
  timeoutMs?: number;
  /**
   * Total cap: the longest the request may take, however many events keep coming.
   * Default: the client's for the request type (`DEFAULT_TOTAL_TIMEOUTS_MS`). Never
   * shorter than the idle timeout: a request always gets one full idle period.
   */
  totalTimeoutMs?: number;
}

export interface RpcClientOptions {
  /** Idle timeout of a request that gives none. Default 30 s. */
  defaultTimeoutMs?: number;
  /** Total caps by request type, over `DEFAULT_TOTAL_TIMEOUTS_MS` (for `wait`: the margin over its own `timeoutMs`). */
  totalTimeoutsMs?: Partial<Record<RequestType, number>>;
  /** The host's line cap; longer requests are refused here instead of being cut there. */
  maxLineBytes?: number;
  /**
   * The longest answer line accepted from the host, when the client is made over
   * streams (a transport given whole brings its own). Larger than the request cap on
   * purpose: a history page of big messages can exceed 16 MiB. Default 512 MiB.
   */
  maxResponseBytes?: number;
  logger: Logger;
  /** The child's recent stderr, quoted in timeout errors. */
  stderrTail?: () => readonly string[];
}

interface Pending {
  type: RequestType;
  /** The idle timeout, restarted by each event of the request. */
  timeoutMs: number;
  timer: NodeJS.Timeout;
  totalTimeoutMs: number;
  /** Fires at the total cap, unless an answer came first. */
  totalTimer: NodeJS.Timeout;
  /** Whether an event of the request arrived (so an idle timeout was restarted). */
  sawEvent: boolean;
  /** The run a `send` started, once its first event names it (for abort on timeout). */
  runId?: string;
  /** How far the request got: still here, handed to the stream, or seen by the child. */
  reached: GatewayReach;
  resolve(payload: unknown): void;
  reject(error: CompanionError): void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The total cap of each request type, in ms, however long its events keep coming.
 *
 * Short for the requests answered at once (their events, if any, are no reason to
 * wait longer); minutes for `compact` (one provider call) and `send` (an agent turn,
 * which streams for as long as the reply runs: raise it per call with
 * `totalTimeoutMs`). For `wait` it is the margin over the wait's own `timeoutMs`,
 * which the host spends silent on purpose: the wait's idle timeout gets the same floor.
 */
export const DEFAULT_TOTAL_TIMEOUTS_MS: Readonly<Record<RequestType, number>> = Object.freeze({
  status: 30_000,
  sessions: 30_000,
  history: 30_000,
  hello: 30_000,
  'set-heartbeats': 30_000,
  abort: 30_000,
  approve: 30_000,
  // Lists every MCP server's tools, starting the servers that are not running yet.
  tools: 120_000,
  compact: 5 * 60_000,
  send: 30 * 60_000,
  wait: 30_000,
  models: 30_000,
  'update-session': 30_000,
  'delete-session': 30_000,
  'restore-session': 30_000,
  search: 30_000,
});

/** The longest delay `setTimeout` takes; past it, a timer fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Answers longer than this are dropped (a runaway child must not exhaust memory). */
export const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

/** What the debug log calls each stream an error came from. */
const STREAM_NAMES: Record<TransportError['stream'], string> = { readable: 'gateway stdout', writable: 'gateway stdin', duplex: 'gateway connection' };

export class RpcClient {
  private readonly pending = new Map<number, Pending>();
  private readonly events: Emitter<Event>;
  private readonly transport: LineTransport;
  private readonly options: RpcClientOptions;
  private readonly defaultTimeoutMs: number;
  private readonly totalTimeoutsMs: Readonly<Record<RequestType, number>>;
  private readonly maxLineBytes: number;
  private readonly logger: Logger;
  private nextId = 1;
  private closedWith: CompanionError | undefined;

  /** Over a transport of lines (a socket's, or a test's in-memory one). */
  constructor(transport: LineTransport, options: RpcClientOptions);
  /** Over a child's stdin and stdout. */
  constructor(input: Writable, output: Readable, options: RpcClientOptions);
  constructor(first: LineTransport | Writable, second: Readable | RpcClientOptions, third?: RpcClientOptions) {
    const options = third ?? (second as RpcClientOptions);
    this.options = options;
    this.logger = options.logger;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.totalTimeoutsMs = { ...DEFAULT_TOTAL_TIMEOUTS_MS, ...options.totalTimeoutsMs };
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    const reportListenerError = (what: string) => (error: unknown) => this.logger.error(`${what} threw: ${errorStack(error)}`);
    this.events = new Emitter(reportListenerError('an event listener'));
    this.transport =
      third === undefined
        ? (first as LineTransport)
        : new StreamLineTransport({
            readable: second as Readable,
            writable: first as Writable,
            maxLineBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
            onListenerError: reportListenerError('a transport listener'),
          });
    this.transport.onDidReceiveLine((line) => this.onLine(line));
    this.transport.onDidDropLine(({ lineNumber, maxBytes }) =>
      this.logger.error(`dropped a gateway stdout line over ${maxBytes} bytes (line ${lineNumber}); the request it answered will time out`),
    );
    // EPIPE and friends: the child is gone; its exit is what rejects pending calls.
    this.transport.onDidError(({ error, stream }) => this.logger.debug(`${STREAM_NAMES[stream]}: ${error.message}`));
    // The end of the input is not acted on here: the child's exit follows, and the
    // supervisor's close names the exit and quotes the stderr tail, which say more.
  }

  /** Subscribes to the gateway's events. */
  readonly onDidReceiveEvent = (listener: Listener<Event>): Unsubscribe => this.events.event(listener);

  /** Requests in flight. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Lines waiting for the transport's stream to drain. */
  get queuedLines(): number {
    return this.transport.queuedLines;
  }

  /** Sends a request and resolves with its validated result payload. */
  request<T extends RequestType>(request: OutgoingRequest<T> & { type: T }, options: RequestOptions = {}): Promise<ResultPayloadOf<T>> {
    if (this.closedWith) return Promise.reject(withDetails(this.closedWith, { reached: 'no' }));
    const id = this.nextId++;
    const line = JSON.stringify({ ...request, id });
    const bytes = Buffer.byteLength(line);
    if (bytes > this.maxLineBytes) {
      return Promise.reject(
        new CompanionError('invalid_request', `the ${request.type} request is ${bytes} bytes, over the gateway's limit of ${this.maxLineBytes} bytes per line; send less text at once`),
      );
    }
    const { timeoutMs, totalTimeoutMs } = this.timeoutsOf(request, options);
    return new Promise<ResultPayloadOf<T>>((resolve, reject) => {
      const entry: Pending = {
        type: request.type,
        timeoutMs,
        timer: setTimeout(() => this.onTimeout(id, 'idle'), timeoutMs),
        totalTimeoutMs,
        totalTimer: setTimeout(() => this.onTimeout(id, 'total'), totalTimeoutMs),
        sawEvent: false,
        reached: 'no',
        resolve: resolve as (payload: unknown) => void,
        reject,
      };
      this.pending.set(id, entry);
      this.transport.send(line, () => {
        if (entry.reached === 'no') entry.reached = 'maybe';
      });
    });
  }

  /**
   * Rejects every pending request with `error` (plus how far each got, in
   * `details.reached`) and refuses new ones (`reached: 'no'`). Closes the transport
   * (its queued lines are dropped); the caller (the supervisor) owns the process and
   * its streams: this only ends the conversation.
   */
  close(error: CompanionError): void {
    if (this.closedWith) return; // already closed
    this.closedWith = error;
    this.transport.close();
    for (const [id, entry] of this.pending) {
      clearTimers(entry);
      this.pending.delete(id);
      entry.reject(withDetails(error, { reached: entry.reached }));
    }
    this.events.clear();
  }

  private onLine(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.logger.warn(`skipped a non-protocol line on gateway stdout: ${preview(text)}`);
      return;
    }
    const type = (message as { type?: unknown } | null)?.type;
    if (type === 'event') return this.onEvent(message, text);
    if (type === 'result' || type === 'error') return this.onResponse(message, text);
    this.logger.warn(`skipped a gateway stdout line that is not a result, error or event: ${preview(text)}`);
  }

  private onEvent(message: unknown, text: string): void {
    const parsed = EventSchema.safeParse(message);
    if (!parsed.success) {
      this.logger.warn(`skipped a malformed gateway event (${describeIssues(parsed.error.issues, 'event')}): ${preview(text)}`);
      return;
    }
    const event = parsed.data;
    if (typeof event.id === 'number') {
      const entry = this.pending.get(event.id);
      if (entry) {
        // The request is alive: the child has it; give it a fresh timeout, and remember its run for abort.
        entry.reached = 'yes';
        entry.sawEvent = true;
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => this.onTimeout(event.id as number, 'idle'), idleTimeoutAfter(event, entry.timeoutMs));
        if ('runId' in event.payload && typeof event.payload.runId === 'string') entry.runId = event.payload.runId;
      }
    }
    this.events.fire(event);
  }

  private onResponse(message: unknown, text: string): void {
    const id = (message as { id?: unknown }).id;
    const entry = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (entry === undefined) {
      // Not ours (a timed-out request's late answer, or an id-less error about a line we never sent whole).
      this.logger.warn(`skipped a gateway response that matches no pending request: ${preview(text)}`);
      return;
    }
    this.pending.delete(id as number);
    clearTimers(entry);
    const error = ErrorResponseSchema.safeParse(message);
    if (error.success) {
      entry.reject(new CompanionError('gateway_error', `the gateway refused ${entry.type}: ${error.data.error}`, { wireCode: error.data.code }));
      return;
    }
    const result = ResultResponseSchema.safeParse(message);
    const payload = result.success ? RESULT_PAYLOAD_SCHEMAS[entry.type].safeParse(result.data.payload) : result;
    if (!payload.success) {
      entry.reject(
        new CompanionError('invalid_response', `the gateway answered ${entry.type} with a malformed message (${describeIssues(payload.error.issues, 'response')}); is the gateway command a compatible tether?`),
      );
      return;
    }
    entry.resolve(payload.data);
  }

  /**
   * The idle timeout and total cap of a request: the call's, else the client's.
   *
   * The total is never below the idle timeout. A `wait` is silent for up to its own
   * `timeoutMs` by design, so both its timeouts are at least that plus its margin.
   * Both are held to what a timer can wait (about 24.8 days): a longer one, or
   * `Infinity`, would otherwise fire at once.
   */
  private timeoutsOf(request: OutgoingRequest<RequestType>, options: RequestOptions): { timeoutMs: number; totalTimeoutMs: number } {
    let timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    let totalTimeoutMs = options.totalTimeoutMs ?? this.totalTimeoutsMs[request.type];
    if (request.type === 'wait') {
      const waitFloorMs = ((request as OutgoingRequest<'wait'>).timeoutMs ?? 0) + this.totalTimeoutsMs.wait;
      timeoutMs = Math.max(timeoutMs, waitFloorMs);
      if (options.totalTimeoutMs === undefined) totalTimeoutMs = waitFloorMs;
    }
    timeoutMs = Math.min(timeoutMs, MAX_TIMER_MS);
    return { timeoutMs, totalTimeoutMs: Math.min(Math.max(totalTimeoutMs, timeoutMs), MAX_TIMER_MS) };
  }

  private onTimeout(id: number, which: 'idle' | 'total'): void {
    const entry = this.pending.get(id);
    if (!entry) return; // answered meanwhile
    this.pending.delete(id);
    clearTimers(entry);
    const tail = this.options.stderrTail?.() ?? [];
    // Both fire together for a request with no events whose cap equals its idle timeout: that is the idle one.
    const message =
      which === 'total' && entry.sawEvent
        ? `the gateway did not finish ${entry.type} within its total cap of ${entry.totalTimeoutMs} ms (its events kept the ${entry.timeoutMs} ms idle timeout from firing); pass a larger totalTimeoutMs to let it run longer`
        : `the gateway did not answer ${entry.type} within ${entry.timeoutMs} ms`;
    entry.reject(new CompanionError('timeout', withStderrTail(message, tail), { stderrTail: tail.slice(-20) }));
    if (entry.type === 'send' && entry.runId !== undefined) {
      // Nobody waits for this run any more: stop it rather than let it run on.
      this.request({ type: 'abort', runId: entry.runId }).catch(() => {});
    }
  }
}

/**
 * How long a request may stay silent after this event of it.
 *
 * A run waiting for an approval is silent on purpose until someone answers or the
 * gateway denies the call at `expiresAt` (5 minutes by default): the idle timeout
 * then runs from that moment, so the window's send does not time out (and abort the
 * run) while the approval card waits for the user.
 */
function idleTimeoutAfter(event: Event, timeoutMs: number): number {
  if (event.event !== 'approval.requested') return timeoutMs;
  return Math.min(Math.max(timeoutMs, event.payload.expiresAt - Date.now() + timeoutMs), MAX_TIMER_MS);
}

function clearTimers(entry: Pending): void {
  clearTimeout(entry.timer);
  clearTimeout(entry.totalTimer);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
