/**
 * The sends this gateway is running or has queued, by idempotency key and by run
 * id, and who is waiting on each.
 *
 * A repeated key is attached here instead of running again; `wait` and `history`
 * ask here whether a run is still going. Sends that ended recently are remembered
 * (a bounded number) with how they ended, for the few outcomes that leave nothing
 * in the transcript (a send aborted before it started).
 */
import { isProtocolError, errorMessage } from '../protocol/errors.js';
import type { ErrorCode, EventName, EventPayloadOf, RequestId, SendPayload } from '../protocol/schemas.js';
import type { Run } from './run-queue.js';
import type { EventSink } from './session-log.js';

/**
 * One request waiting on a run: the connection it came in on and its id there.
 *
 * Ids are a connection's own (two socket clients may both use `1`), so a request
 * is only known by the pair. `connection` is an opaque token the transport picks;
 * the gateway only compares it.
 */
export interface EventRecipient {
  connection?: object;
  requestId?: RequestId;
}

/**
 * Emits one gateway event: for the requests of a run (`recipients`), or for every
 * connection when it belongs to no request (a heartbeat, a write from outside).
 */
export type GatewayEmit = <N extends EventName>(event: N, payload: EventPayloadOf<N>, recipients?: readonly EventRecipient[]) => void;

/**
 * The requests waiting on one run. Each gets the run's events under its own id
 * (one line per distinct id and connection), so a request attached to a running
 * send sees the rest of its stream as its own.
 */
export class RunAudience {
  private readonly recipients: EventRecipient[];

  constructor(
    private readonly emit: GatewayEmit,
    first: EventRecipient,
  ) {
    this.recipients = [first];
  }

  /** Adds a request that waits on this run from now on. */
  add(recipient: EventRecipient): void {
    const known = this.recipients.some((r) => r.connection === recipient.connection && r.requestId === recipient.requestId);
    if (!known) this.recipients.push(recipient);
  }

  /** Emits an event of the run once, addressed to every waiting request. */
  readonly sink: EventSink = (event, payload) => {
    this.emit(event, payload, [...this.recipients]);
  };
}

/** A send on its way. */
export interface LiveSend {
  run: Run;
  key: string | undefined;
  text: string;
  model: string | undefined;
  audience: RunAudience;
  /** Settles as the send's answer does. */
  done: Promise<SendPayload>;
}

/** How a send that left no trace in the transcript ended: it never started (aborted while queued). */
export interface SettledSend {
  runId: string;
  key: string | undefined;
  session: string;
  code: ErrorCode;
  message: string;
}

/** How many traceless ends are remembered. */
const SETTLED_KEPT = 1000;

/** The registry of sends on their way. */
export class LiveSends {
  /** Per session, per key. */
  private readonly byKey = new Map<string, Map<string, LiveSend>>();
  private readonly byRun = new Map<string, LiveSend>();
  /** Ends of sends that never started, by run id and by `session NUL key`. */
  private readonly settled = new Map<string, SettledSend>();

  /** The send with this key in the session, if it is on its way. */
  byIdempotencyKey(session: string, key: string): LiveSend | undefined {
    return this.byKey.get(session)?.get(key);
  }

  /** The send of this run, if it is on its way. */
  byRunId(runId: string): LiveSend | undefined {
    return this.byRun.get(runId);
  }

  /** Registers a send until it settles. */
  add(send: LiveSend): void {
    const { session } = send.run;
    if (send.key !== undefined) {
      let keys = this.byKey.get(session);
      if (!keys) {
        keys = new Map();
        this.byKey.set(session, keys);
      }
      keys.set(send.key, send);
    }
    this.byRun.set(send.run.runId, send);
    send.done.then(
      () => this.remove(send, undefined),
      (error: unknown) => this.remove(send, { runId: send.run.runId, key: send.key, session, ...errorFacts(error) }),
    );
  }

  /** How a recently ended send that never started ended, by run id or by session and key. */
  settledRun(runId: string): SettledSend | undefined {
    return this.settled.get(runId);
  }

  settledKey(session: string, key: string): SettledSend | undefined {
    return this.settled.get(keyOf(session, key));
  }

  private remove(send: LiveSend, failure: SettledSend | undefined): void {
    const keys = send.key === undefined ? undefined : this.byKey.get(send.run.session);
    if (keys && keys.get(send.key!) === send) {
      keys.delete(send.key!);
      if (keys.size === 0) this.byKey.delete(send.run.session);
    }
    this.byRun.delete(send.run.runId);
    if (failure === undefined || send.run.startedAt !== undefined) return; // it ran: the transcript tells how it ended
    this.settled.set(send.run.runId, failure);
    if (send.key !== undefined) this.settled.set(keyOf(send.run.session, send.key), failure);
    while (this.settled.size > SETTLED_KEPT * 2) this.settled.delete(this.settled.keys().next().value!);
  }
}

/** Session keys cannot hold control characters, so NUL separates the two safely. */
function keyOf(session: string, key: string): string {
  return `${session}\u0000${key}`;
}

function errorFacts(error: unknown): { code: ErrorCode; message: string } {
  if (isProtocolError(error)) return { code: error.code, message: error.message };
  return { code: 'internal', message: errorMessage(error) };
}
