/**
 * The gateway core: every request type, over the session store, run queues,
 * providers, heartbeats and delivery. The send path (`agent-turn.ts`) and the
 * heartbeat turn (`heartbeat-runner.ts`) live in their own modules; this one
 * dispatches, and owns what they share (store, queue, model chain, events).
 *
 * It knows nothing of stdio, framing or `process` I/O: the RPC connection feeds it
 * validated requests and writes out what it returns and emits, and the one-shot
 * CLI calls `send` directly. `handle` dispatches with an exhaustive switch, so a
 * request type added to the schemas without a handler fails to compile.
 */
import { IdleCollector, deferredFullCollection } from './idle-collector.js';
import type * as PerfHooks from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import { ProtocolError } from '../protocol/errors.js';
import { DEFAULT_SESSION, PROTOCOL_VERSION, REQUEST_TYPES } from '../protocol/requests.js';
import type { EventName, EventPayloadOf, HeartbeatOutcome, RequestId, RequestOf, RequestType, ResultPayloadOf, SendPayload } from '../protocol/schemas.js';
import { Deliverer } from '../delivery/deliverer.js';
import type { Provider } from '../providers/provider.js';
import { ModelRouter, UnknownModelError, createProviders } from '../providers/registry.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { TETHER_VERSION } from '../version.js';
import { ConfigError, type GatewayConfig } from './config.js';
import { AgentTurns, type SendRequest } from './agent-turn.js';
import type { EventRecipient } from './live-sends.js';
import { HeartbeatRunner } from './heartbeat-runner.js';
import { HeartbeatTimer } from './heartbeat-timer.js';
import { createRun, RunQueue } from './run-queue.js';
import { SendStatus } from './send-status.js';
import { SessionLog } from './session-log.js';
import { DEFAULT_RETENTION, SessionStore, sessionUpdatedPayload, type Retention } from './session-store.js';
import { OutsideWriteWatcher, type OutsideWriteOptions } from './outside-writes.js';
import { SessionSearch } from './session-search.js';
import { SessionTrash } from './session-trash.js';
import { redact } from './secrets.js';
import { treeRecordsDir, treeRecordsOf } from '../process-tree/tree-records.js';
import { Approvals } from '../tools/approvals.js';
import { sdkConnector } from '../tools/mcp-connect.js';
import type { ServerConnector, ServerReport } from '../tools/mcp-server.js';
import { ToolCatalog } from '../tools/tool-catalog.js';
import { lazyBuiltin } from '../lazy-builtin.js';

/** Loaded by a long-lived gateway only: a one-shot never reports its event-loop lag. */
const perfHooks = lazyBuiltin<typeof PerfHooks>('node:perf_hooks');

/**
 * An event as the gateway emits it; each connection turns it into wire lines.
 *
 * `recipients` are the requests that caused it (a send and the sends attached to
 * it by key), each with its connection; none means it belongs to no request and
 * is for everyone (heartbeats, writes from outside).
 */
export interface GatewayEvent<N extends EventName = EventName> {
  event: N;
  payload: EventPayloadOf<N>;
  recipients?: readonly EventRecipient[];
}

/** Per-request context from the connection. */
export interface RequestContext {
  requestId?: RequestId;
  /** The connection the request came in on (an opaque token), so its events find their way back. */
  connection?: object;
  /** Lets `hello` choose which events this connection receives. */
  selectEvents?(events: readonly EventName[]): void;
  /** Lets `hello` leave the text out of the `reply` events of this connection's own sends. */
  selectReplyText?(mode: 'full' | 'in-result'): void;
  /** Lets `hello` ask for the approval events of every run, not only this connection's. */
  selectApprovals?(mode: 'own' | 'all'): void;
}

/** How a gateway is put together. */
export interface GatewayOptions {
  config: GatewayConfig;
  /**
   * A long-lived host (the RPC child, default true): runs the heartbeat timer and
   * the event-loop lag monitor, and learns the sessions on disk at start. The
   * one-shot CLI runs one turn and needs none of that.
   */
  longLived?: boolean;
  /** What sends through this gateway are recorded as. */
  sendSource?: 'rpc' | 'cli';
  /** Extra or replacement providers, by id (tests). */
  providers?: Provider[];
  /** How each configured MCP server is reached; default the SDK client (tests pass in-memory servers). */
  toolConnector?: (name: string) => ServerConnector;
  log?: Logger;
}

type Listener = (event: GatewayEvent) => void;

/** Sampling interval of the event-loop lag monitor. */
const LAG_RESOLUTION_MS = 20;
/**
 * When the lag monitor starts: after start-up, so a cold start does not wait for
 * `perf_hooks` to load before answering its first request. Until then `status`
 * reports no lag, as it does before the monitor has a sample.
 */
const LAG_MONITOR_DELAY_MS = 250;

/** Time allowed for aborted runs to settle at shutdown, after the grace period. */
const ABORT_SETTLE_MS = 1000;

/**
 * The gateway: one per process. It owns the shared parts (store and session log,
 * run queue, model router, heartbeat timer, event listeners) and dispatches each
 * request to the module that serves it; it never writes a transcript record
 * itself and knows nothing of the transport.
 */
export class Gateway {
  readonly store: SessionStore;
  private readonly log: SessionLog;
  private readonly sendStatus: SendStatus;
  private readonly config: GatewayConfig;
  private readonly queue: RunQueue;
  private readonly models: ModelRouter;
  private readonly heartbeatTimer: HeartbeatTimer;
  private readonly turns: AgentTurns;
  private readonly listeners = new Set<Listener>();
  private readonly startedAt = Date.now();
  private readonly sendSource: 'rpc' | 'cli';
  private readonly logger: Logger;
  private lagMonitor: IntervalHistogram | undefined;
  private lagMonitorStart: NodeJS.Timeout | undefined;
  /** Long-lived gateways only: a full collection after a burst of work (see idle-collector.ts). */
  private idleCollector: IdleCollector | undefined;
  private outsideWrites: OutsideWriteWatcher | undefined;
  private closing = false;
  private readonly heartbeats: HeartbeatRunner;
  private readonly trash: SessionTrash;
  private readonly searcher: SessionSearch;
  /** The configured MCP servers and their tools. */
  readonly tools: ToolCatalog;
  private readonly approvals: Approvals;

  constructor(options: GatewayOptions) {
    this.config = options.config;
    this.logger = options.log ?? silentLogger;
    this.sendSource = options.sendSource ?? 'rpc';
    this.store = new SessionStore(this.config.dataDir, undefined, retentionFor(this.config.providers));
    this.log = new SessionLog(this.store, { checkpointIntervalMs: this.config.checkpointIntervalMs, secrets: this.config.secrets });
    this.queue = new RunQueue(this.config.maxQueuedPerSession);
    this.trash = new SessionTrash(this.config.dataDir, this.store, (session) => this.log.runs.forget(session));
    this.searcher = new SessionSearch(this.store);
    try {
      this.models = new ModelRouter(createProviders(this.config, options.providers), this.config.provider, this.config.fallback);
    } catch (error) {
      if (!(error instanceof UnknownModelError)) throw error;
      throw new ConfigError(`config ${this.config.configPath}: "provider": ${error.message}`);
    }
    const emit = this.emit.bind(this);
    const toolSettings = this.config.tools;
    const records = Object.keys(toolSettings.servers).length > 0 ? treeRecordsOf(treeRecordsDir(this.config.dataDir)) : undefined;
    this.tools = new ToolCatalog(
      toolSettings,
      options.toolConnector ?? ((name) => sdkConnector(name, toolSettings.servers[name]!, { records, startTimeoutMs: toolSettings.startTimeoutMs })),
      (level, message) => this.logger[level](redact(message, this.config.secrets)),
    );
    this.approvals = new Approvals(toolSettings.approvalTimeoutMs);
    this.turns = new AgentTurns({
      tools: this.tools,
      approvals: this.approvals,
      secrets: this.config.secrets,
      config: this.config,
      log: this.log,
      queue: this.queue,
      models: this.models,
      deliverer: new Deliverer(this.config.delivery, this.config.secrets),
      source: this.sendSource,
      emit,
      logger: this.logger,
    });
    this.sendStatus = new SendStatus({ live: this.turns.live, log: this.log, sessions: () => this.store.list().map((summary) => summary.key) });
    this.heartbeats = new HeartbeatRunner({
      config: this.config.heartbeats,
      log: this.log,
      queue: this.queue,
      models: this.models,
      emit,
      logger: this.logger,
    });
    this.heartbeatTimer = new HeartbeatTimer(this.config.heartbeats.intervalMs, () => this.runHeartbeat());
    if (options.longLived !== false) {
      this.heartbeatTimer.setEnabled(this.config.heartbeats.enabled);
      this.lagMonitorStart = setTimeout(() => {
        this.lagMonitor = perfHooks().monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
        this.lagMonitor.enable();
      }, LAG_MONITOR_DELAY_MS);
      this.lagMonitorStart.unref();
      this.idleCollector = new IdleCollector(deferredFullCollection());
      this.store.list(); // learn the sessions on disk, so `status` counts them
      if (toolSettings.startServers === 'launch') this.tools.startAll();
    }
  }

  /** Subscribes to events; returns the unsubscribe function. */
  onDidEmit(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Answers one validated request. Rejects with `ProtocolError` for expected failures. */
  async handle<T extends RequestType>(request: RequestOf<T>, context: RequestContext = {}): Promise<ResultPayloadOf<T>> {
    return (await this.answer(request, context)) as ResultPayloadOf<T>;
  }

  /**
   * Answers one validated request: with the payload itself when nothing had to be
   * waited for (`status`, `sessions`, `history`, …), else with a promise of it. A
   * connection writes an immediate answer without a trip through the promise queue,
   * which was a third of the CPU a `status` cost. Throws, or rejects with,
   * `ProtocolError` for expected failures.
   */
  answer<T extends RequestType>(request: RequestOf<T>, context: RequestContext = {}): ResultPayloadOf<T> | Promise<ResultPayloadOf<T>> {
    const idle = this.idleCollector;
    idle?.noteActivity();
    const answer = this.dispatch(request as RequestOf<RequestType>, context) as ResultPayloadOf<T> | Promise<ResultPayloadOf<T>>;
    if (idle === undefined || !(answer instanceof Promise)) return answer;
    // A long answer (a send) is activity until it ends: the quiet spell starts then.
    return answer.then(
      (payload) => {
        idle.noteActivity();
        return payload;
      },
      (error: unknown) => {
        idle.noteActivity();
        throw error;
      },
    );
  }

  private dispatch(request: RequestOf<RequestType>, context: RequestContext): ResultPayloadOf<RequestType> | Promise<ResultPayloadOf<RequestType>> {
    switch (request.type) {
      case 'status':
        return this.status(request.verbose === true);
      case 'send':
        return this.send(request, recipientOf(context));
      case 'set-heartbeats':
        this.heartbeatTimer.setEnabled(request.enabled);
        // Off means no more heartbeat replies, including one already on its way.
        if (!request.enabled) this.heartbeats.abortRunning('heartbeats turned off');
        this.logger.info(`heartbeats turned ${request.enabled ? 'on' : 'off'}`);
        return { enabled: request.enabled };
      case 'abort':
        return this.abort(request);
      case 'compact':
        return this.compact(request.session);
      case 'sessions':
        return { sessions: this.store.list() };
      case 'history':
        return this.history(request);
      case 'hello':
        return this.hello(request, context);
      case 'wait':
        return this.sendStatus.wait(request);
      case 'models':
        return this.listModels();
      case 'update-session':
        return this.updateSession(request);
      case 'delete-session':
        return this.deleteSession(request.session);
      case 'restore-session':
        return this.restoreSession(request.trashId);
      case 'search':
        return this.searcher.search(request.query, { limit: request.limit, offset: request.offset });
      case 'tools':
        return this.listTools();
      case 'approve':
        if (!this.approvals.answer(request.callId, request.decision)) {
          const waiting = this.approvals.pending();
          throw new ProtocolError(
            'not_found',
            `no tool call ${JSON.stringify(request.callId)} is waiting for approval (it was answered, timed out, or its run ended); ${waiting.length > 0 ? `waiting now: ${waiting.join(', ')}` : 'none is waiting now'}`,
          );
        }
        return { callId: request.callId, decision: request.decision };
      default:
        return assertNever(request);
    }
  }

  /** Health and load figures. */
  status(verbose: boolean): ResultPayloadOf<'status'> {
    const payload: ResultPayloadOf<'status'> = {
      ok: true,
      protocol: PROTOCOL_VERSION,
      version: TETHER_VERSION,
      pid: process.pid,
      uptimeMs: Date.now() - this.startedAt,
      provider: this.models.defaultChoice.provider.id,
      providerLabel: this.models.defaultChoice.provider.label,
      heartbeats: this.heartbeatTimer.state(),
      sessions: this.store.size,
      queue: this.queue.totals(),
      shutdownGraceMs: this.config.shutdownGraceMs,
    };
    if (!verbose) return payload;
    const memory = process.memoryUsage();
    const lag = this.lagMonitor;
    return {
      ...payload,
      sessionQueues: this.queue.details(),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
      eventLoopLagMs: lag && lag.count > 0
        ? { p50: lagMs(lag.percentile(50)), p99: lagMs(lag.percentile(99)), max: lagMs(lag.max) }
        : { p50: 0, p99: 0, max: 0 },
      dataDir: this.config.dataDir,
      providers: this.models.list().map(({ id, label, defaultModel }) => ({ id, label, defaultModel })),
      fallback: this.config.fallback,
      toolServers: this.tools.reports().map((report) => this.cleanReport(report)),
    };
  }

  /** Every configured MCP server (each started, if it was not) with its tools and their policy. */
  private async listTools(): Promise<ResultPayloadOf<'tools'>> {
    await Promise.all(this.tools.startAll());
    const servers: ResultPayloadOf<'tools'>['servers'] = [];
    for (const name of this.tools.serverNames()) {
      const report = this.tools.server(name)!.report();
      const catalog = report.state !== 'ready' ? [] : (await this.tools.toolsOf(name)).map((entry) => ({
        name: entry.qualified,
        server: entry.server,
        tool: entry.tool.name,
        ...(entry.tool.title !== undefined ? { title: entry.tool.title } : {}),
        ...(entry.tool.description !== undefined ? { description: entry.tool.description } : {}),
        inputSchema: entry.tool.inputSchema,
        ...(entry.tool.annotations !== undefined ? { annotations: entry.tool.annotations } : {}),
        policy: this.tools.decisionFor(entry),
      }));
      servers.push({ ...this.cleanReport(report), catalog });
    }
    return { servers };
  }

  /** A server report with secrets scrubbed from what the server wrote (its stderr, its errors). */
  private cleanReport(report: ServerReport): ServerReport {
    const secrets = this.config.secrets;
    return {
      ...report,
      ...(report.error !== undefined ? { error: redact(report.error, secrets) } : {}),
      ...(report.stderrTail !== undefined ? { stderrTail: redact(report.stderrTail, secrets) } : {}),
    };
  }

  /** The models a send can name: what a model picker lists. */
  listModels(): ResultPayloadOf<'models'> {
    const choice = ({ provider, model }: { provider: Provider; model: string }) => ({ provider: provider.id, model });
    return {
      default: choice(this.models.defaultChoice),
      providers: this.models.list().map(({ id, label, defaultModel }) => ({ id, label, defaultModel })),
      fallback: this.models.fallbackChoices().map(choice),
    };
  }

  /** Runs one agent turn; resolves with the reply (partial and marked when aborted). */
  async send(request: SendRequest, recipient: EventRecipient = {}): Promise<SendPayload> {
    if (this.closing) throw new ProtocolError('busy', 'the gateway is shutting down; send again once it has restarted');
    return this.turns.send(request, recipient);
  }

  /**
   * Announces transcripts changed by processes that do not go through this gateway
   * as `session.updated` to every connection (the serving gateway does; a private one need not).
   */
  watchOutsideWrites(options: Omit<OutsideWriteOptions, 'log'> = {}): void {
    if (this.outsideWrites || this.closing) return; // watching already, or on the way out
    this.outsideWrites = new OutsideWriteWatcher(this.store, (summary) => this.emit('session.updated', sessionUpdatedPayload(summary)), {
      ...options,
      log: this.logger,
    });
  }

  /** Runs one heartbeat now, as the timer does at each interval. */
  runHeartbeat(): Promise<HeartbeatOutcome> {
    return this.heartbeats.run();
  }

  /** Finishes or aborts the work in flight, then flushes the store. */
  async shutdown(graceMs: number = this.config.shutdownGraceMs): Promise<void> {
    this.closing = true;
    this.heartbeatTimer.stop();
    this.outsideWrites?.dispose();
    clearTimeout(this.lagMonitorStart);
    this.lagMonitor?.disable();
    this.idleCollector?.dispose();
    this.searcher.dispose();
    const finished = await settleWithin(this.queue.whenIdle(), graceMs);
    if (!finished) {
      const aborted = this.queue.abortAll(`the gateway is shutting down (grace period of ${graceMs} ms ran out)`);
      this.logger.warn(`shutdown: aborted ${aborted.length} run(s) still going after ${graceMs} ms`);
      await settleWithin(this.queue.whenIdle(), ABORT_SETTLE_MS);
    }
    await this.tools.stop();
    this.store.flush();
  }

  private abort(request: RequestOf<'abort'>): ResultPayloadOf<'abort'> {
    const runIds =
      request.runId !== undefined
        ? this.queue.abortRun(request.runId, 'aborted by an abort request')
        : this.queue.abortSession(request.session ?? DEFAULT_SESSION, 'aborted by an abort request');
    if (runIds.length > 0) this.logger.info(`aborted ${runIds.join(', ')}`);
    return { aborted: runIds.length, runIds };
  }

  private async compact(session: string): Promise<ResultPayloadOf<'compact'>> {
    this.requireSession(session);
    const run = createRun(session, this.sendSource);
    return this.queue.enqueue(run, async () => {
      const context = this.store.context(session);
      const messages = context.all();
      const provider = this.sessionProvider(session);
      let summary: string;
      try {
        summary = await provider.summarize(messages, context.summary, run.controller.signal);
      } catch (error) {
        if (run.controller.signal.aborted) throw new ProtocolError('aborted', `compacting session "${session}" was aborted; the context is unchanged`);
        throw new ProtocolError('provider_error', `cannot compact session "${session}": ${this.log.describeFailure(error, provider.id)}; the context is unchanged`);
      }
      if (run.controller.signal.aborted) throw new ProtocolError('aborted', `compacting session "${session}" was aborted; the context is unchanged`);
      this.log.recordCompaction(session, context.total, summary);
      return {
        session,
        messagesBefore: messages.length,
        messagesAfter: 0,
        transcriptMessages: context.total,
        summary,
      };
    });
  }

  private updateSession(request: RequestOf<'update-session'>): ResultPayloadOf<'update-session'> {
    this.requireSession(request.session);
    const summary = this.store.updateMeta(request.session, { title: request.title, pinned: request.pinned });
    this.emit('session.updated', sessionUpdatedPayload(summary));
    return { session: summary };
  }

  /** Moves a session to the trash; refused while it has runs, whose replies would land in a new transcript. */
  private deleteSession(session: string): ResultPayloadOf<'delete-session'> {
    this.requireSession(session);
    const queued = this.queue.details().find((info) => info.session === session);
    if (queued && (queued.running !== null || queued.queued > 0)) {
      throw new ProtocolError('busy', `session "${session}" has a reply on its way; abort it ({"type":"abort","session":${JSON.stringify(session)}}) or wait, then delete`);
    }
    const deleted = this.trash.delete(session);
    this.logger.info(`session "${session}" moved to the trash (${deleted.trashPath})`);
    this.emit('session.deleted', { session, trashId: deleted.trashId });
    return { session, ...deleted };
  }

  private restoreSession(trashId: string): ResultPayloadOf<'restore-session'> {
    const summary = this.trash.restore(trashId);
    this.logger.info(`session "${summary.key}" restored from the trash (${trashId})`);
    this.emit('session.updated', sessionUpdatedPayload(summary));
    return { session: summary };
  }

  private history(request: RequestOf<'history'>): ResultPayloadOf<'history'> {
    this.requireSession(request.session);
    const page = this.store.history(request.session, {
      ...(request.limit !== undefined ? { limit: request.limit } : {}),
      ...(request.before !== undefined ? { before: request.before } : {}),
      isLive: (runId) => this.turns.isLive(runId),
    });
    return { session: request.session, ...page };
  }

  private hello(request: RequestOf<'hello'>, context: RequestContext): ResultPayloadOf<'hello'> {
    if (request.events) context.selectEvents?.(request.events);
    if (request.replyText) context.selectReplyText?.(request.replyText);
    if (request.approvals) context.selectApprovals?.(request.approvals);
    return {
      protocol: Math.min(request.protocol, PROTOCOL_VERSION),
      version: TETHER_VERSION,
      capabilities: [...REQUEST_TYPES, 'request-ids', 'events', 'event-selection', 'status-verbose', 'history-paging', 'model-fallback', 'delivery-events', 'idempotency', 'checkpoints', 'reply-text-in-result', 'mcp-tools', 'approvals'],
    };
  }

  /** The provider that last answered in a session (it summarizes for `compact`), else the default. */
  private sessionProvider(session: string): Provider {
    const recent = this.store.history(session, { limit: 20 }).messages;
    for (let i = recent.length - 1; i >= 0; i--) {
      const id = recent[i]!.provider;
      const provider = id === undefined ? undefined : this.models.get(id);
      if (provider) return provider;
    }
    return this.models.defaultChoice.provider;
  }

  private requireSession(session: string): void {
    if (this.store.exists(session)) return;
    throw new ProtocolError('not_found', `no session "${session}"; list the sessions with {"type":"sessions"}`);
  }

  private emit<N extends EventName>(event: N, payload: EventPayloadOf<N>, recipients?: readonly EventRecipient[]): void {
    this.idleCollector?.noteActivity(); // a streaming reply is work too
    const message: GatewayEvent = recipients === undefined ? { event, payload } : { event, payload, recipients };
    for (const listener of this.listeners) listener(message);
  }
}

/** Who a request's events go back to. */
function recipientOf(context: RequestContext): EventRecipient {
  return {
    ...(context.connection === undefined ? {} : { connection: context.connection }),
    ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
  };
}

/** The monitor samples every LAG_RESOLUTION_MS, and its figures include that wait: only the excess is lag. */
function lagMs(nanoseconds: number): number {
  return Math.max(0, Math.round((nanoseconds / 1e6 - LAG_RESOLUTION_MS) * 1000) / 1000);
}

function settleWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function assertNever(value: never): never {
  throw new Error(`unhandled request type: ${JSON.stringify(value)}`);
}

/** What the store keeps of each session in memory: enough for the largest context a configured provider sends. */
function retentionFor(providers: GatewayConfig['providers']): Retention {
  let chars = DEFAULT_RETENTION.chars;
  for (const entry of Object.values(providers)) {
    if (entry.type === 'openai' && entry.contextChars !== undefined) chars = Math.max(chars, entry.contextChars);
  }
  return { ...DEFAULT_RETENTION, chars };
}
