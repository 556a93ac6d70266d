/**
 * One agent turn of a `send`: the user's message written to the transcript, the
 * model chain run with its deltas streamed as `reply.delta`, the reply written
 * (partial and marked when aborted), delivered when asked, and answered with
 * `meta` saying which model answered, which failed, and how delivery went.
 *
 * Split from the gateway, which dispatches requests and owns the shared parts
 * (store, queue, events); this module is the send path alone.
 */
import { ProtocolError } from '../protocol/errors.js';
import { DEFAULT_SESSION, type EventName, type EventPayloadOf, type MessageSource, type RequestId, type RequestOf, type SendPayload } from '../protocol/schemas.js';
import type { Deliverer } from '../delivery/deliverer.js';
import type { Logger } from '../log.js';
import { ChainFailure, runChain } from '../providers/fallback.js';
import { ProviderFailure } from '../providers/provider.js';
import type { ModelChoice } from '../providers/registry.js';
import type { GatewayConfig } from './config.js';
import { redact } from './provider-config.js';
import type { Run, RunQueue } from './run-queue.js';
import { sessionUpdatedPayload, type SessionStore } from './session-store.js';

/** A send as the gateway takes it: the wire request without `type` and `id`. */
export type SendRequest = Omit<RequestOf<'send'>, 'type' | 'id'>;

/** What a turn needs from the gateway. */
export interface AgentTurnDeps {
  config: Pick<GatewayConfig, 'delivery' | 'secrets'>;
  store: SessionStore;
  queue: RunQueue;
  deliverer: Deliverer;
  /** What the turn's messages are recorded as (`rpc` in the child, `cli` in `tether agent`). */
  source: Extract<MessageSource, 'rpc' | 'cli'>;
  /** The models to try for a `model` (or the default); throws `ProtocolError` for an unknown one. */
  chainFor(model: string | undefined): ModelChoice[];
  newRun(session: string, source: MessageSource): Run;
  emit<N extends EventName>(event: N, payload: EventPayloadOf<N>, requestId?: RequestId): void;
  log: Logger;
}

export class AgentTurns {
  constructor(private readonly deps: AgentTurnDeps) {}

  /** Runs one agent turn; resolves with the reply (partial and marked when aborted). */
  async send(request: SendRequest, requestId?: RequestId): Promise<SendPayload> {
    const { config, store, log } = this.deps;
    const session = request.session ?? DEFAULT_SESSION;
    const chain = this.deps.chainFor(request.model);
    const to = request.to ?? config.delivery.to;
    if (request.deliver === true && to === undefined) {
      throw new ProtocolError(
        'invalid_request',
        'invalid send request: "deliver": true needs a "to" target (for example "to":"+15551234567"), or a default "delivery.to" in the config file',
      );
    }
    const run = this.deps.newRun(session, this.deps.source);
    return this.deps.queue.enqueue(run, async () => {
      const startedAt = Date.now();
      const thinking = request.thinking;
      const userSummary = store.appendMessage(session, {
        type: 'message',
        role: 'user',
        text: request.text,
        ts: startedAt,
        runId: run.runId,
        source: this.deps.source,
        ...(thinking ? { thinking } : {}),
      });
      this.deps.emit('session.updated', sessionUpdatedPayload(userSummary), requestId);

      let streamed = '';
      let seq = 0;
      let text: string;
      let usage: SendPayload['meta']['usage'];
      let answered: ModelChoice = chain[0]!;
      let failures: SendPayload['meta']['failures'] = [];
      try {
        const outcome = await runChain(
          chain,
          {
            session,
            prompt: request.text,
            loadContext: () => store.context(session, run.runId),
            thinking,
            source: this.deps.source,
            signal: run.controller.signal,
            onDelta: (delta) => {
              if (run.controller.signal.aborted || delta === '') return; // nothing more after an abort
              streamed += delta;
              this.deps.emit('reply.delta', { session, runId: run.runId, seq: seq++, text: delta }, requestId);
            },
          },
          () => streamed !== '',
        );
        answered = outcome.choice;
        failures = outcome.failures;
        text = run.controller.signal.aborted ? streamed : outcome.reply.text;
        usage = outcome.reply.usage;
        if (failures.length > 0) log.warn(`${session}/${run.runId}: answered by ${answered.provider.id}/${answered.model} after ${failures.map((f) => `${f.provider}/${f.model} (${f.error})`).join(', ')}`);
      } catch (error) {
        if (!run.controller.signal.aborted) {
          const message = redact(
            error instanceof ProviderFailure ? error.message : `provider "${chain[0]!.provider.id}" failed: ${(error as Error).message}`,
            config.secrets,
          );
          if (error instanceof ProviderFailure) log.warn(`${session}/${run.runId}: ${message}`);
          else log.error(`${message}\n${redact((error as Error).stack ?? '', config.secrets)}`);
          if (streamed === '') throw new ProtocolError('provider_error', message);
          // The user saw this much stream in: keep it, marked with why it stopped.
          this.keepBrokenReply(session, run.runId, streamed, message, brokenChoice(error, chain), requestId);
          throw new ProtocolError('provider_error', `${message}; the ${streamed.length}-character partial reply is kept in the session's history`);
        }
        text = streamed; // aborted mid-way: keep what came
      }
      const aborted = run.controller.signal.aborted;
      const { provider, model } = answered;

      const assistantSummary = store.appendMessage(session, {
        type: 'message',
        role: 'assistant',
        text,
        ts: Date.now(),
        runId: run.runId,
        source: this.deps.source,
        provider: provider.id,
        model,
        ...(aborted ? { aborted: true } : {}),
      });

      const meta: SendPayload['meta'] = {
        session,
        runId: run.runId,
        provider: provider.id,
        model,
        durationMs: Date.now() - startedAt,
      };
      if (thinking) meta.thinking = thinking;
      if (aborted) meta.aborted = true;
      if (usage) meta.usage = usage;
      if (failures.length > 0) meta.failures = failures;
      if (request.deliver === true && to !== undefined) Object.assign(meta, await this.deliver(session, to, text, run.runId, aborted, requestId));

      this.deps.emit(
        'reply',
        {
          session,
          runId: run.runId,
          text,
          source: this.deps.source,
          provider: provider.id,
          model,
          ...(aborted ? { aborted: true } : {}),
          ...(meta.delivered !== undefined ? { delivered: meta.delivered } : {}),
        },
        requestId,
      );
      this.deps.emit('session.updated', sessionUpdatedPayload(assistantSummary), requestId);
      return { payloads: [{ text }], meta };
    });
  }


  private async deliver(
    session: string,
    to: string,
    text: string,
    runId: string,
    aborted: boolean,
    requestId: RequestId | undefined,
  ): Promise<Pick<SendPayload['meta'], 'delivered' | 'deliveryError'>> {
    if (aborted) return { delivered: false, deliveryError: 'not delivered: the run was aborted' };
    const report = await this.deps.deliverer.deliver({ session, to, text, runId });
    this.deps.emit('delivery', { session, runId, to, ...report }, requestId);
    if (report.delivered) return { delivered: true };
    this.deps.log.warn(`delivery of ${runId} to ${to} failed: ${report.error}`);
    return { delivered: false, deliveryError: report.error ?? 'not delivered' };
  }

  /** Writes a reply the provider broke off after streaming, so the history shows what the user saw. */
  private keepBrokenReply(session: string, runId: string, text: string, error: string, choice: ModelChoice, requestId: RequestId | undefined): void {
    const summary = this.deps.store.appendMessage(session, {
      type: 'message',
      role: 'assistant',
      text,
      ts: Date.now(),
      runId,
      source: this.deps.source,
      provider: choice.provider.id,
      model: choice.model,
      error,
    });
    this.deps.emit('session.updated', sessionUpdatedPayload(summary), requestId);
  }
}

/** The model that was streaming when the chain gave up: the last one tried. */
function brokenChoice(error: unknown, chain: readonly ModelChoice[]): ModelChoice {
  const last = error instanceof ChainFailure ? error.failures.at(-1) : undefined;
  return chain.find((choice) => last !== undefined && choice.provider.id === last.provider && choice.model === last.model) ?? chain[0]!;
}
