/**
 * One RPC connection: framed lines in, responses and events out.
 *
 * Transport-agnostic: it is fed frames (from a `JsonlReader`) and writes complete
 * lines through `write`, so the same code serves stdio and an in-memory pair in
 * tests. It owns the protocol's ordering rule: responses to requests without an
 * `id` leave in the order the requests came (seed clients match replies first in,
 * first out), while requests with an `id` are answered as soon as they finish.
 * Every line gets an answer; nothing a client sends can throw out of here.
 */
import { ProtocolError, isProtocolError, errorMessage, errorStack } from './protocol/errors.js';
import type { FrameEvent } from './protocol/jsonl.js';
import { serializeLine } from './protocol/jsonl.js';
import { parseRequestLine } from './protocol/parse-request.js';
import type { ErrorResponse, EventName, RequestId, ResultResponse } from './protocol/schemas.js';
import type { Gateway, GatewayEvent } from './core/gateway.js';
import type { Logger } from './log.js';
import { silentLogger } from './log.js';

/** What a connection needs. */
export interface RpcConnectionOptions {
  gateway: Gateway;
  /** Writes one complete protocol line (JSON plus LF). */
  write(line: string): void;
  log?: Logger;
  /**
   * Gets the approval events of every run, not only its own: the stdio connection,
   * which is the app's (the app answers approvals for every client).
   */
  seesAllApprovals?: boolean;
}

/** A response waiting for the id-less responses before it. */
interface Slot {
  line: string | undefined;
}

/** Serves the protocol over one pair of streams. */
export class RpcConnection {
  private readonly gateway: Gateway;
  private readonly write: (line: string) => void;
  private readonly log: Logger;
  private readonly unsubscribe: () => void;
  /** Id-less responses in request order; `head` is the first not yet written. */
  private fifo: Slot[] = [];
  private head = 0;
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private selectedEvents: ReadonlySet<EventName> | undefined;
  /** Set by `hello` (`replyText: "in-result"`): the result carries our sends' reply text, so their `reply` events leave it out. */
  private replyTextInResult = false;
  private seesAllApprovals: boolean;
  private closed = false;

  /** `hello`'s choices for this connection (made once: a request's context carries them). */
  private readonly selectEvents = (events: readonly EventName[]) => {
    this.selectedEvents = new Set(events);
  };

  private readonly selectReplyText = (mode: 'full' | 'in-result') => {
    this.replyTextInResult = mode === 'in-result';
  };

  private readonly selectApprovals = (mode: 'own' | 'all') => {
    this.seesAllApprovals = mode === 'all';
  };

  constructor(options: RpcConnectionOptions) {
    this.gateway = options.gateway;
    this.write = options.write;
    this.log = options.log ?? silentLogger;
    this.seesAllApprovals = options.seesAllApprovals === true;
    this.unsubscribe = this.gateway.onDidEmit((event) => this.writeEvent(event));
  }

  /** Handles one frame from the reader: a line to answer, or an oversize line to refuse. */
  handleFrame(frame: FrameEvent): void {
    if (frame.kind === 'oversize') {
      const error = new ProtocolError(
        'line_too_long',
        `line ${frame.lineNumber} is longer than the ${frame.maxBytes}-byte limit and was skipped; send smaller requests or raise --max-line-bytes`,
      );
      this.respond(this.reserve(undefined), errorLine(error, undefined));
      return;
    }
    const parsed = parseRequestLine(frame.line, frame.lineNumber);
    if (!parsed.ok) {
      this.respond(this.reserve(parsed.id), errorLine(parsed.error, parsed.id));
      return;
    }
    const request = parsed.request;
    const id = request.id;
    const slot = this.reserve(id);
    let answer: unknown;
    try {
      answer = this.gateway.answer(request, {
        requestId: id,
        connection: this,
        selectEvents: this.selectEvents,
        selectReplyText: this.selectReplyText,
        selectApprovals: this.selectApprovals,
      });
    } catch (error) {
      this.respond(slot, errorLine(this.toProtocolError(error, request.type), id));
      return;
    }
    if (!(answer instanceof Promise)) {
      this.respond(slot, resultLine(answer as Record<string, unknown>, id)); // answered at once: no promise to wait for
      return;
    }
    this.pending++;
    answer.then(
      (payload) => this.settle(slot, resultLine(payload as Record<string, unknown>, id)),
      (error: unknown) => this.settle(slot, errorLine(this.toProtocolError(error, request.type), id)),
    );
  }

  /** Resolves once every request received so far has been answered. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops writing events (the transport is going away). */
  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  private settle(slot: Slot | undefined, line: string): void {
    this.respond(slot, line);
    this.pending--;
    if (this.pending === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Id-less requests get a place in line; requests with an id do not wait for anyone. */
  private reserve(id: RequestId | undefined): Slot | undefined {
    if (id !== undefined) return undefined;
    const slot: Slot = { line: undefined };
    this.fifo.push(slot);
    return slot;
  }

  private respond(slot: Slot | undefined, line: string): void {
    if (!slot) {
      this.emitLine(line);
      return;
    }
    slot.line = line;
    while (this.head < this.fifo.length) {
      const next = this.fifo[this.head]!;
      if (next.line === undefined) break; // an earlier id-less request is still running
      this.emitLine(next.line);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head); // drop answered slots now and then, not on every line
      this.head = 0;
    }
  }

  /**
   * Writes an event this connection should see: one line per request of ours that
   * waits on it (with that request's id); else, when it is one of the shared events
   * or belongs to no request at all, one line without an id.
   */
  private writeEvent(event: GatewayEvent): void {
    if (this.selectedEvents && !this.selectedEvents.has(event.event)) return; // not asked for
    const recipients = event.recipients;
    if (recipients === undefined) {
      this.emitLine(eventLine(event, undefined)); // for everyone: a heartbeat, a write from outside
      return;
    }
    let ours = false;
    for (const recipient of recipients) {
      if (recipient.connection !== this) continue; // another connection's request
      ours = true;
      this.emitLine(eventLine(this.replyTextInResult ? withoutReplyText(event) : event, recipient.requestId));
    }
    if (ours) return;
    // Another client's turn: what every connection follows, and approvals for the one that answers them all.
    if (SHARED_EVENTS.has(event.event) || (this.seesAllApprovals && APPROVAL_EVENTS.has(event.event))) this.emitLine(eventLine(event, undefined));
  }

  private emitLine(line: string): void {
    if (this.closed) return; // the transport is gone
    this.write(line);
  }

  private toProtocolError(error: unknown, type: string): ProtocolError {
    if (isProtocolError(error)) return error;
    const message = errorMessage(error);
    if (isSystemError(error)) {
      // The disk, not the code: say what failed and where to look, without calling it a bug.
      this.log.error(`storage error while handling a ${type} request: ${message}`);
      return new ProtocolError('internal', `storage error while handling ${type}: ${message}; check that the data dir is writable and has space`);
    }
    this.log.error(`bug while handling a ${type} request: ${errorStack(error)}`);
    return new ProtocolError('internal', `internal error while handling ${type}: ${message} (this is a bug; the gateway log on stderr has details)`);
  }
}

/**
 * Events of a run that every connection sees, not only the one that sent it: what
 * changed in a session and the finished reply (so a chat window follows turns
 * other clients start), and heartbeat outcomes. The stream of deltas and delivery
 * reports stay with the sender.
 */
const SHARED_EVENTS: ReadonlySet<EventName> = new Set<EventName>(['session.updated', 'reply', 'heartbeat']);

/** The events an approver of every run (the app) gets for runs of other connections. */
const APPROVAL_EVENTS: ReadonlySet<EventName> = new Set<EventName>(['approval.requested', 'approval.resolved']);

/** A `reply` event of our own send with its text left out (the result has it); any other event as it is. */
function withoutReplyText(event: GatewayEvent): GatewayEvent {
  if (event.event !== 'reply' || !('text' in event.payload)) return event;
  const { text: _text, ...rest } = event.payload;
  return { ...event, payload: { ...rest, textInResult: true } } as GatewayEvent;
}

function eventLine(event: GatewayEvent, id: RequestId | undefined): string {
  const message =
    id === undefined
      ? { type: 'event', event: event.event, payload: event.payload }
      : { type: 'event', event: event.event, id, payload: event.payload };
  return serializeLine(message);
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function resultLine(payload: Record<string, unknown>, id: RequestId | undefined): string {
  const response: ResultResponse = id === undefined ? { type: 'result', ok: true, payload } : { type: 'result', ok: true, id, payload };
  return serializeLine(response);
}

function errorLine(error: ProtocolError, id: RequestId | undefined): string {
  const response: ErrorResponse =
    id === undefined
      ? { type: 'error', ok: false, code: error.code, error: error.message }
      : { type: 'error', ok: false, id, code: error.code, error: error.message };
  return serializeLine(response);
}
