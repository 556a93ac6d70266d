/**
 * One heartbeat turn: the configured prompt sent to the session's model chain,
 * skipped while the session is busy, suppressed when the agent answers
 * `HEARTBEAT_OK` (or nothing), recorded in the transcript only when it has
 * something to say. Split from the gateway so the send path and the heartbeat path
 * each read on their own; both share the gateway's store, queue and events.
 */
import { isProtocolError } from '../protocol/errors.js';
import type { EventName, EventPayloadOf, HeartbeatOutcome, MessageSource } from '../protocol/schemas.js';
import type { Logger } from '../log.js';
import { runChain } from '../providers/fallback.js';
import { ProviderFailure } from '../providers/provider.js';
import type { ModelChoice } from '../providers/registry.js';
import type { GatewayConfig } from './config.js';
import { redact } from './provider-config.js';
import type { Run, RunQueue } from './run-queue.js';
import { sessionUpdatedPayload, type SessionStore } from './session-store.js';

/** What a heartbeat needs from the gateway. */
export interface HeartbeatRunnerDeps {
  config: GatewayConfig['heartbeats'];
  /** Secrets to keep out of failure messages. */
  secrets: readonly string[];
  store: SessionStore;
  queue: RunQueue;
  /** The default model chain. */
  chain(): ModelChoice[];
  newRun(session: string, source: MessageSource): Run;
  emit<N extends EventName>(event: N, payload: EventPayloadOf<N>): void;
  log: Logger;
}

export class HeartbeatRunner {
  /** The heartbeat run going now, so turning heartbeats off can stop it. */
  private runningRunId: string | undefined;

  constructor(private readonly deps: HeartbeatRunnerDeps) {}

  /** Stops the heartbeat on its way, if one is (heartbeats turned off: no more heartbeat replies). */
  abortRunning(reason: string): void {
    if (this.runningRunId !== undefined) this.deps.queue.abortRun(this.runningRunId, reason);
  }

  /** Runs one heartbeat and reports its outcome as a `heartbeat` event. */
  async run(): Promise<HeartbeatOutcome> {
    const { config, queue, store, emit } = this.deps;
    const session = config.session;
    const at = Date.now();
    if (queue.isBusy(session)) {
      emit('heartbeat', { outcome: 'skipped', at, session, reason: `session "${session}" is busy` });
      return 'skipped';
    }
    const run = this.deps.newRun(session, 'heartbeat');
    const prompt = config.prompt;
    this.runningRunId = run.runId;
    try {
      const answer = await queue.enqueue(run, async () => {
        const { reply, choice } = await runChain(
          this.deps.chain(),
          {
            session,
            prompt,
            loadContext: () => store.context(session, run.runId),
            thinking: undefined,
            source: 'heartbeat',
            signal: run.controller.signal,
            onDelta: () => {}, // heartbeats are not streamed: most are suppressed
          },
          () => false, // nothing is streamed, so a later model may always take over
        );
        return run.controller.signal.aborted ? undefined : { text: reply.text, choice };
      });
      if (answer === undefined) {
        const reason = String(run.controller.signal.reason ?? 'aborted');
        emit('heartbeat', { outcome: 'skipped', at, session, runId: run.runId, reason });
        return 'skipped';
      }
      const { text, choice } = answer;
      const trimmed = text.trim();
      if (trimmed === '' || trimmed === 'HEARTBEAT_OK') {
        emit('heartbeat', { outcome: 'ok', at, session, runId: run.runId });
        return 'ok';
      }
      this.record(session, run.runId, prompt, text, choice);
      emit('heartbeat', { outcome: 'sent', at, session, runId: run.runId, text });
      return 'sent';
    } catch (error) {
      const message = redact(isProtocolError(error) || error instanceof ProviderFailure ? error.message : String(error), this.deps.secrets);
      this.deps.log.warn(`heartbeat failed: ${message}`);
      emit('heartbeat', { outcome: 'failed', at, session, runId: run.runId, error: message });
      return 'failed';
    } finally {
      this.runningRunId = undefined;
    }
  }

  /** Keeps a heartbeat that had something to say: its prompt and reply, as a turn of the session. */
  private record(session: string, runId: string, prompt: string, text: string, choice: ModelChoice): void {
    const { store, emit } = this.deps;
    const { provider, model } = choice;
    store.appendMessage(session, { type: 'message', role: 'user', text: prompt, ts: Date.now(), runId, source: 'heartbeat' });
    const summary = store.appendMessage(session, {
      type: 'message',
      role: 'assistant',
      text,
      ts: Date.now(),
      runId,
      source: 'heartbeat',
      provider: provider.id,
      model,
    });
    emit('reply', { session, runId, text, source: 'heartbeat', provider: provider.id, model });
    emit('session.updated', sessionUpdatedPayload(summary));
  }
}
