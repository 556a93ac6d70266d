/**
 * One heartbeat turn: the configured prompt sent to the session's model chain,
 * skipped while the session is busy, suppressed when the agent answers
 * `HEARTBEAT_OK` (or nothing), recorded in the transcript only when it has
 * something to say. Split from the gateway so the send path and the heartbeat path
 * each read on their own; both share the gateway's store, queue and events.
 */
import type { EventName, EventPayloadOf, HeartbeatOutcome } from '../protocol/schemas.js';
import type { Logger } from '../log.js';
import { runChain } from '../providers/fallback.js';
import type { ModelChoice, ModelRouter } from '../providers/registry.js';
import type { GatewayConfig } from './config.js';
import { createRun, type RunQueue } from './run-queue.js';
import type { EventSink, SessionLog } from './session-log.js';

/** What a heartbeat needs from the gateway. */
export interface HeartbeatRunnerDeps {
  config: GatewayConfig['heartbeats'];
  log: SessionLog;
  queue: RunQueue;
  models: ModelRouter;
  emit<N extends EventName>(event: N, payload: EventPayloadOf<N>): void;
  logger: Logger;
}

/**
 * Runs heartbeat turns on the default model chain. It owns at most one heartbeat
 * run at a time (so turning heartbeats off can stop it); it never writes a record
 * itself (the session log does) and never runs beside a busy session's turn.
 */
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
    const { config, queue, log, emit } = this.deps;
    const session = config.session;
    const at = Date.now();
    if (queue.isBusy(session)) {
      emit('heartbeat', { outcome: 'skipped', at, session, reason: `session "${session}" is busy` });
      return 'skipped';
    }
    const run = createRun(session, 'heartbeat');
    const prompt = config.prompt;
    this.runningRunId = run.runId;
    try {
      const answer = await queue.enqueue(run, async () => {
        const { reply, choice } = await runChain(
          this.deps.models.chainFor(undefined),
          {
            session,
            prompt,
            loadContext: () => log.store.context(session, [run.runId]),
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
      const message = log.describeFailure(error, this.deps.models.defaultChoice.provider.id);
      this.deps.logger.warn(`heartbeat failed: ${message}`);
      emit('heartbeat', { outcome: 'failed', at, session, runId: run.runId, error: message });
      return 'failed';
    } finally {
      this.runningRunId = undefined;
    }
  }

  /** Keeps a heartbeat that had something to say: its prompt and reply, as a turn of the session. */
  private record(session: string, runId: string, prompt: string, text: string, choice: ModelChoice): void {
    const { log } = this.deps;
    const sink: EventSink = (event, payload) => this.deps.emit(event, payload);
    const turn = { session, runId, source: 'heartbeat' as const };
    // The prompt's session.updated is not announced: the reply's follows at once.
    log.recordPrompt(turn, () => {}, { text: prompt });
    const reply = { text, state: 'complete' as const, provider: choice.provider.id, model: choice.model };
    log.recordReply(turn, reply);
    log.announceReply(turn, sink, reply);
  }
}
