/**
 * The send path: one agent turn per `send`, each with an identity.
 *
 * A send with an idempotency key the session has seen never runs twice: while it
 * is on its way the new request is attached to it; once it finished, the stored
 * answer is given again (`meta.replayed`); when the gateway died under it (its
 * user message is on disk, no reply) or it failed, it runs now on the stored user
 * message. Otherwise a turn writes the user's message, runs the model chain with
 * its deltas streamed as `reply.delta` and checkpointed, writes the reply (partial
 * and marked when aborted or failed), delivers it when asked, and answers with
 * `meta` saying which model answered, which failed, and how delivery went.
 *
 * Every record goes through the session log; this module decides only what to write.
 */
import { ProtocolError } from '../protocol/errors.js';
import { DEFAULT_SESSION } from '../protocol/requests.js';
import type { RequestOf, SendPayload } from '../protocol/schemas.js';
import type { Deliverer } from '../delivery/deliverer.js';
import type { Logger } from '../log.js';
import { ChainFailure, runChain } from '../providers/fallback.js';
import { ProviderFailure } from '../providers/provider.js';
import { UnknownModelError, type ModelChoice, type ModelRouter } from '../providers/registry.js';
import type { GatewayConfig } from './config.js';
import { LiveSends, RunAudience, type EventRecipient, type GatewayEmit } from './live-sends.js';
import { isOtherLiveProcess } from './owner-process.js';
import { createRun, type Run, type RunQueue } from './run-queue.js';
import type { KeyedSend } from './run-index.js';
import type { EventSink, ReplyRecordInput, SessionLog, TurnIdentity } from './session-log.js';
import type { Approvals } from '../tools/approvals.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import { ToolCalls } from '../tools/tool-calls.js';

/** A send as the gateway takes it: the wire request without `type` and `id`. */
export type SendRequest = Omit<RequestOf<'send'>, 'type' | 'id'>;

/** What the send path works with. */
export interface AgentTurnDeps {
  config: Pick<GatewayConfig, 'delivery'>;
  log: SessionLog;
  queue: RunQueue;
  models: ModelRouter;
  deliverer: Deliverer;
  /** What the turn's messages are recorded as (`rpc` in the child, `cli` in `tether agent`). */
  source: 'rpc' | 'cli';
  emit: GatewayEmit;
  logger: Logger;
  tools: ToolCatalog;
  approvals: Approvals;
  /** Kept out of tool arguments and results wherever they are written. */
  secrets: readonly string[];
}

/**
 * Runs sends: owns the sends on their way (`live`) and their identity rules.
 * It never writes a transcript record itself (the session log does) and never
 * runs two turns of one session at once (the run queue orders them).
 */
export class AgentTurns {
  readonly live = new LiveSends();

  constructor(private readonly deps: AgentTurnDeps) {}

  /** Runs one agent turn (or attaches to, replays or resumes a keyed one); resolves with the answer. */
  send(request: SendRequest, recipient: EventRecipient = {}): Promise<SendPayload> {
    const session = request.session ?? DEFAULT_SESSION;
    const key = request.idempotencyKey;
    let resume: KeyedSend | undefined;
    if (key !== undefined) {
      const live = this.live.byIdempotencyKey(session, key);
      if (live) {
        assertSameMessage(session, key, { text: live.text, model: live.model }, request);
        live.audience.add(recipient);
        return live.done;
      }
      const stored = this.deps.log.lookupKey(session, key);
      if (stored) {
        assertSameMessage(session, key, { text: stored.text, model: stored.requestedModel }, request);
        if (stored.outcome !== undefined && stored.outcome.state !== 'failed') {
          const answer = this.deps.log.storedAnswer(session, stored.outcome);
          if (answer) return Promise.resolve(answer);
        }
        if (stored.outcome === undefined && isOtherLiveProcess(stored.ownerPid)) {
          throw new ProtocolError(
            'busy',
            `the send with idempotencyKey ${JSON.stringify(key)} in session "${session}" is running in another tether process (pid ${stored.ownerPid}) on this data dir; ask {"type":"wait","idempotencyKey":${JSON.stringify(key)},"timeoutMs":…} for its outcome instead of sending it again`,
          );
        }
        resume = stored; // interrupted by a stopped gateway, or failed: run it now, on the stored message
      }
    }
    const chain = this.chainFor(request.model);
    if (request.tools !== undefined && request.tools.length > 0) this.checkToolChoice(request.tools, chain[0]!);
    const to = request.to ?? this.deps.config.delivery.to;
    if (request.deliver === true && to === undefined) {
      throw new ProtocolError(
        'invalid_request',
        'invalid send request: "deliver": true needs a "to" target (for example "to":"+15551234567"), or a default "delivery.to" in the config file',
      );
    }
    const run = createRun(session, this.deps.source);
    const audience = new RunAudience(this.deps.emit, recipient);
    const turn: TurnIdentity = { session, runId: run.runId, source: this.deps.source, idempotencyKey: key };
    const done = this.deps.queue.enqueue(run, () => this.runTurn(run, turn, request, chain, resume, audience.sink, to));
    this.live.add({ run, key, text: request.text, model: request.model, audience, done });
    return done;
  }

  /** True while the run is queued or going here. */
  isLive(runId: string): boolean {
    return this.live.byRunId(runId) !== undefined;
  }

  /**
   * Checks a send's own tool choice at once: configured servers, and a model that
   * can use tools at all (a `command` entry needs a `{tools}` argument).
   */
  private checkToolChoice(tools: readonly string[], first: ModelChoice): void {
    this.deps.tools.checkChoice(tools);
    const { provider } = first;
    if (provider.toolUse !== undefined) return; // it takes them
    const why = provider.id === 'echo' ? 'the built-in echo provider runs no model' : `provider "${provider.id}" is a command without a {tools} argument in its "argv"`;
    throw new ProtocolError(
      'invalid_request',
      `invalid send request: field "tools": ${why}, so it cannot be given tools; send to an "openai" provider with "model", add "{tools}" to the command's argv, or leave out "tools"`,
    );
  }

  /**
   * The tools of a turn: the send's own choice, else the session's last one, else
   * the config's default; resolved against the servers (starting them) when the
   * model runs an agent loop, passed on as names when it takes a list.
   */
  private async toolsFor(request: SendRequest, session: string, first: ModelChoice, turn: TurnIdentity, sink: EventSink): Promise<{ runner?: ToolCalls; names?: readonly string[] }> {
    const { tools } = this.deps;
    let patterns: readonly string[];
    if (request.tools !== undefined) {
      patterns = request.tools; // checked when the send arrived
    } else {
      // An inherited choice may name a server removed from the config since: dropped, rather than failing every send.
      const known = new Set(tools.serverNames());
      const inherited = this.deps.log.store.toolChoice(session) ?? tools.settings.default;
      patterns = inherited.filter((pattern) => known.has(pattern.slice(0, pattern.indexOf('/'))));
    }
    if (patterns.length === 0) return {};
    switch (first.provider.toolUse) {
      case 'argv':
        return { names: patterns };
      case 'loop': {
        const resolved = await tools.resolve(patterns);
        const { maxSteps, callTimeoutMs } = tools.settings;
        const { approvals, log, secrets } = this.deps;
        return { runner: new ToolCalls({ tools: resolved, catalog: tools, approvals, log, turn, sink, secrets, maxSteps, callTimeoutMs }) };
      }
      default:
        return {}; // a provider that takes no tools is not refused over an inherited choice
    }
  }

  /** The models to try for a send; an unknown model is the client's mistake. */
  private chainFor(model: string | undefined): ModelChoice[] {
    try {
      return this.deps.models.chainFor(model);
    } catch (error) {
      if (error instanceof UnknownModelError) throw new ProtocolError('invalid_request', `invalid send request: ${error.message}`);
      throw error;
    }
  }

  private async runTurn(
    run: Run,
    turn: TurnIdentity,
    request: SendRequest,
    chain: ModelChoice[],
    resume: KeyedSend | undefined,
    sink: EventSink,
    to: string | undefined,
  ): Promise<SendPayload> {
    const { log, logger } = this.deps;
    const { session, runId } = turn;
    const startedAt = Date.now();
    const thinking = request.thinking;
    // Before anything is recorded: a tool name no server has is the client's mistake, and leaves no trace.
    const chosenTools = await this.toolsFor(request, session, chain[0]!, turn, sink);
    if (resume) {
      logger.info(`${session}/${runId}: running key ${JSON.stringify(resume.key)} again on its stored message (its last run was ${resume.outcome ? 'failed' : 'interrupted'})`);
      log.recordResume({ ...turn, idempotencyKey: resume.key });
    } else {
      log.recordPrompt(turn, sink, { text: request.text, thinking, requestedModel: request.model, tools: request.tools });
    }
    // The prompt is passed on its own: leave its stored message out of the context.
    const promptRunIds = resume ? [runId, resume.userRunId] : [runId];

    let streaming: ModelChoice = chain[0]!;
    const checkpoints = log.openReply(turn, () => ({ provider: streaming.provider.id, model: streaming.model }));
    let streamed = '';
    let seq = 0;
    let text: string;
    let usage: SendPayload['meta']['usage'];
    let note: string | undefined;
    let answered: ModelChoice = chain[0]!;
    let failures: SendPayload['meta']['failures'] = [];
    try {
      const outcome = await runChain(
        chain,
        {
          session,
          prompt: request.text,
          loadContext: () => log.store.context(session, promptRunIds),
          thinking,
          source: turn.source,
          signal: run.controller.signal,
          tools: chosenTools.runner,
          toolNames: chosenTools.names,
          onDelta: (delta) => {
            // No aborted check here: the provider wrapper passes on the text it held back
            // as a possible secret at the abort itself, and nothing after it.
            if (delta === '') return; // nothing to show
            streamed += delta;
            sink('reply.delta', { session, runId, seq, text: delta, ...keyOf(turn) });
            checkpoints.push(delta, seq);
            seq++;
          },
        },
        // A tool that ran is output too: another model must not run it again.
        () => streamed !== '' || (chosenTools.runner?.count ?? 0) > 0,
        (choice) => {
          streaming = choice;
        },
      );
      answered = outcome.choice;
      failures = outcome.failures;
      text = run.controller.signal.aborted ? streamed : outcome.reply.text;
      usage = outcome.reply.usage;
      note = outcome.reply.note;
      if (failures.length > 0) logger.warn(`${session}/${runId}: answered by ${answered.provider.id}/${answered.model} after ${failures.map((f) => `${f.provider}/${f.model} (${f.error})`).join(', ')}`);
    } catch (error) {
      checkpoints.close();
      if (!run.controller.signal.aborted) {
        const message = log.describeFailure(error, chain[0]!.provider.id);
        if (error instanceof ProviderFailure) logger.warn(`${session}/${runId}: ${message}`);
        else logger.error(`${message}\n${log.describeStack(error)}`);
        // Kept even when empty: the failure is part of the session, and marks the key as failed.
        const choice = brokenChoice(error, chain);
        const reply: ReplyRecordInput = { text: streamed, state: 'failed', provider: choice.provider.id, model: choice.model, error: message };
        log.recordReply(turn, reply);
        log.announceReply(turn, sink, reply);
        throw log.providerError(message, streamed.length);
      }
      text = streamed; // aborted mid-way: keep what came
    }
    checkpoints.close();
    const aborted = run.controller.signal.aborted;
    const { provider, model } = answered;

    const meta: SendPayload['meta'] = { session, runId, provider: provider.id, model, durationMs: Date.now() - startedAt };
    if (thinking) meta.thinking = thinking;
    if (aborted) meta.aborted = true;
    if (usage) meta.usage = usage;
    if (failures.length > 0) meta.failures = failures;
    if (turn.idempotencyKey !== undefined) meta.idempotencyKey = turn.idempotencyKey;
    if (chosenTools.runner) {
      meta.tools = chosenTools.runner.offered;
      meta.toolCalls = chosenTools.runner.count;
    } else if (chosenTools.names) {
      meta.tools = [...chosenTools.names];
    }
    if (note !== undefined) meta.note = note;
    const reply: ReplyRecordInput = { text, state: aborted ? 'aborted' : 'complete', provider: provider.id, model, meta };
    log.recordReply(turn, reply);

    if (request.deliver === true && to !== undefined) {
      const delivery = await this.deliver(turn, sink, to, text, aborted);
      Object.assign(meta, delivery);
      log.recordDelivery(turn, { delivered: delivery.delivered === true, error: delivery.deliveryError });
    }
    log.announceReply(turn, sink, reply, meta.delivered);
    return { payloads: [{ text }], meta };
  }

  private async deliver(
    turn: TurnIdentity,
    sink: EventSink,
    to: string,
    text: string,
    aborted: boolean,
  ): Promise<Pick<SendPayload['meta'], 'delivered' | 'deliveryError'>> {
    if (aborted) return { delivered: false, deliveryError: 'not delivered: the run was aborted' };
    const { session, runId } = turn;
    const report = await this.deps.deliverer.deliver({ session, to, text, runId });
    sink('delivery', { session, runId, to, ...report, ...keyOf(turn) });
    if (report.delivered) return { delivered: true };
    this.deps.logger.warn(`delivery of ${runId} to ${to} failed: ${report.error}`);
    return { delivered: false, deliveryError: report.error ?? 'not delivered' };
  }
}

/** A repeated key must name the same message: same text, same model. */
function assertSameMessage(session: string, key: string, first: { text: string; model: string | undefined }, request: SendRequest): void {
  if (first.text === request.text && first.model === request.model) return; // the same send again
  const differs = first.text !== request.text ? 'text' : `model (${JSON.stringify(first.model ?? 'the default')} then ${JSON.stringify(request.model ?? 'the default')})`;
  throw new ProtocolError(
    'invalid_request',
    `invalid send request: field "idempotencyKey" ${JSON.stringify(key)} was already used for a different message in session "${session}" (the ${differs} differs); use a new key for a new message`,
  );
}

/** The model that was streaming when the chain gave up: the last one tried. */
function brokenChoice(error: unknown, chain: readonly ModelChoice[]): ModelChoice {
  const last = error instanceof ChainFailure ? error.failures.at(-1) : undefined;
  return chain.find((choice) => last !== undefined && choice.provider.id === last.provider && choice.model === last.model) ?? chain[0]!;
}

function keyOf(turn: TurnIdentity): { idempotencyKey?: string } {
  return turn.idempotencyKey === undefined ? {} : { idempotencyKey: turn.idempotencyKey };
}
