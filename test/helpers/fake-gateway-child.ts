/**
 * Gateway children without processes, for the supervisor's unit tests.
 *
 * Each `FakeGatewayChild` has a real `RpcClient` over in-memory pipes and a scripted
 * host on the other end that answers `hello`, `set-heartbeats` and `status` (or
 * holds the answer until the test releases it, or refuses with a wire error; any
 * other request is held for ever),
 * plus an exit the test controls: `exit()` ends it as a crash would, a SIGKILL or
 * SIGTERM ends it, and a staged `stop` ends it with code 0 at once or waits for
 * `finishStop`. `fakeSpawner` hands the supervisor one such child per spawn, planned
 * ahead by the test, and keeps them all for inspection.
 */
import { PassThrough } from 'node:stream';
import type { Logger } from '../../rpc-host/log.js';
import { PROTOCOL_VERSION, type ErrorCode, type Event, type StatusPayload } from '../../rpc-host/protocol/schemas.js';
import type { ExitInfo } from '../../main/core/errors.js';
import type { GatewayProcessOptions, StopTimings } from '../../main/core/gateway-process.js';
import { RpcClient } from '../../main/core/rpc-client.js';
import type { GatewayChild, SpawnGateway } from '../../main/core/supervisor.js';

/** How the host answers one request type: at once, not until `release`, or with a wire error. */
export type Answer = 'answer' | 'hold' | { code: ErrorCode; error: string };

/** How one child behaves; every field defaults to the well-behaved host. Other request types are never answered. */
export interface ChildPlan {
  hello?: Answer;
  'set-heartbeats'?: Answer;
  status?: Answer;
  /**
   * A staged stop ends the child with code 0 at once ('exit', the default), waits for
   * `finishStop` ('hang'), or fails without ending it ('throw': its group could not be signalled).
   */
  stop?: 'exit' | 'hang' | 'throw';
  /** The child never spawns: no pid, and `exited` settles at once with this spawn error. */
  spawnError?: string;
  /** Lines already on its stderr. */
  stderr?: string[];
  /** The `shutdownGraceMs` its `status` reports (absent: an older host that does not say). */
  shutdownGraceMs?: number;
}

type AnsweredType = 'hello' | 'set-heartbeats' | 'status';
const ANSWERED: readonly string[] = ['hello', 'set-heartbeats', 'status'];

interface WireRequest {
  id: number;
  type: string;
  [key: string]: unknown;
}

export class FakeGatewayChild implements GatewayChild {
  readonly client: RpcClient;
  readonly pid: number | undefined;
  readonly spawnedAt = Date.now();
  readonly exited: Promise<ExitInfo>;
  readonly stderr: { tail(): string[] };
  /** Every request the client wrote, parsed, in order. */
  readonly requests: WireRequest[] = [];
  readonly signals: NodeJS.Signals[] = [];
  /** The timings of each `stop` call. */
  readonly stops: (StopTimings | undefined)[] = [];
  /** The timings of each `reapGroup` call. */
  readonly reaps: (StopTimings | undefined)[] = [];
  private readonly stdin = new PassThrough();
  private readonly stdout = new PassThrough();
  private readonly stderrLines: string[];
  private readonly held: WireRequest[] = [];
  private exitInfo: ExitInfo | undefined;
  private resolveExited!: (exit: ExitInfo) => void;
  private stopping: Promise<ExitInfo> | undefined;
  private endStop: ((exit: ExitInfo) => void) | undefined;
  private heartbeats = false;

  constructor(
    readonly plan: ChildPlan,
    pid: number,
    readonly options: GatewayProcessOptions,
  ) {
    this.pid = plan.spawnError === undefined ? pid : undefined;
    this.stderrLines = [...(plan.stderr ?? [])];
    this.stderr = { tail: () => [...this.stderrLines] };
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    this.client = new RpcClient(this.stdin, this.stdout, {
      logger: options.logger,
      stderrTail: () => this.stderr.tail(),
      ...(options.requestTimeoutMs !== undefined ? { defaultTimeoutMs: options.requestTimeoutMs } : {}),
    });
    let partial = '';
    this.stdin.setEncoding('utf8');
    this.stdin.on('data', (text: string) => {
      partial += text;
      for (let lf = partial.indexOf('\n'); lf !== -1; lf = partial.indexOf('\n')) {
        const request = JSON.parse(partial.slice(0, lf)) as WireRequest;
        partial = partial.slice(lf + 1);
        this.requests.push(request);
        this.onRequest(request);
      }
    });
    if (plan.spawnError !== undefined) this.exit({ code: null, signal: null, spawnError: plan.spawnError });
  }

  get alive(): boolean {
    return this.pid !== undefined && this.exitInfo === undefined;
  }

  /** The request types the client sent, in order. */
  get requestTypes(): string[] {
    return this.requests.map((request) => request.type);
  }

  /** Ends the child as a crash would (default: exit code 1). */
  exit(exit: ExitInfo = { code: 1, signal: null }): void {
    if (this.exitInfo !== undefined) return; // exits once
    this.exitInfo = exit;
    this.stdout.end();
    this.resolveExited(exit);
  }

  /** Writes lines to its stderr. */
  writeStderr(...lines: string[]): void {
    this.stderrLines.push(...lines);
  }

  /** Writes an event line, as the host does. */
  emit(event: Event): void {
    this.stdout.write(JSON.stringify(event) + '\n');
  }

  /** Answers the held requests of `type` now (one of the three the host knows). */
  release(type: AnsweredType): void {
    for (const request of this.held.filter((held) => held.type === type)) {
      this.held.splice(this.held.indexOf(request), 1);
      this.answer(request, 'answer');
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    if (!this.alive) return; // nothing to signal
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.exit({ code: null, signal });
  }

  stop(timings?: StopTimings): Promise<ExitInfo> {
    this.stops.push(timings);
    if (this.pid === undefined) return this.exited; // never started
    if (this.stopping) return this.stopping; // one stop at a time, as GatewayProcess
    if (this.plan.stop === 'throw') {
      this.stopping = Promise.reject(new Error(`kill EPERM: process group ${this.pid}`));
    } else if (this.plan.stop === 'hang') {
      this.stopping = new Promise((resolve) => {
        this.endStop = resolve;
      });
    } else {
      this.exit({ code: 0, signal: null });
      this.stopping = this.exited;
    }
    return this.stopping;
  }

  /**
   * Ends a stop planned as 'hang': the child exits (code 0 unless told, unless it
   * exited already) and the stop resolves. An `exit()` alone during such a stop is a
   * child that is gone while the stop still waits for the rest of its group.
   */
  finishStop(exit: ExitInfo = { code: 0, signal: null }): void {
    this.exit(exit);
    this.endStop?.(this.exitInfo!);
  }

  reapGroup(timings?: StopTimings): Promise<void> {
    this.reaps.push(timings);
    return Promise.resolve();
  }

  /** The `status` this child reports. */
  status(): StatusPayload {
    return {
      ok: true,
      protocol: PROTOCOL_VERSION,
      version: '0.0.0-fake',
      pid: this.pid ?? 0,
      uptimeMs: Date.now() - this.spawnedAt,
      provider: 'echo',
      providerLabel: 'Echo (fake)',
      heartbeats: { enabled: this.heartbeats, intervalMs: 60_000, lastAt: null, lastOutcome: null, nextAt: null },
      sessions: 0,
      queue: { depth: 0, running: 0 },
      ...(this.plan.shutdownGraceMs !== undefined ? { shutdownGraceMs: this.plan.shutdownGraceMs } : {}),
    };
  }

  private onRequest(request: WireRequest): void {
    if (!this.alive) return; // a dead host answers nothing
    const type = request.type as AnsweredType;
    const answer: Answer = ANSWERED.includes(type) ? (this.plan[type] ?? 'answer') : 'hold';
    if (answer === 'hold') this.held.push(request);
    else this.answer(request, answer);
  }

  private answer(request: WireRequest, answer: Exclude<Answer, 'hold'>): void {
    if (!this.alive) return; // a dead host answers nothing
    if (answer !== 'answer') {
      this.write({ type: 'error', ok: false, id: request.id, ...answer });
      return;
    }
    switch (request.type) {
      case 'hello':
        this.write({ type: 'result', ok: true, id: request.id, payload: { protocol: PROTOCOL_VERSION, version: '0.0.0-fake', capabilities: [] } });
        return;
      case 'set-heartbeats':
        this.heartbeats = request.enabled === true;
        this.write({ type: 'result', ok: true, id: request.id, payload: { enabled: this.heartbeats } });
        return;
      case 'status':
        this.write({ type: 'result', ok: true, id: request.id, payload: this.status() });
        return;
    }
  }

  private write(message: object): void {
    this.stdout.write(JSON.stringify(message) + '\n');
  }
}

/** A spawner that hands out `FakeGatewayChild`ren with pids 101, 102, …, each following the next plan (or the default). */
export function fakeSpawner(): { spawn: SpawnGateway; children: FakeGatewayChild[]; plan(...plans: ChildPlan[]): void; readonly last: FakeGatewayChild } {
  const children: FakeGatewayChild[] = [];
  const plans: ChildPlan[] = [];
  return {
    spawn: (options) => {
      const child = new FakeGatewayChild(plans.shift() ?? {}, 101 + children.length, options);
      children.push(child);
      return child;
    },
    children,
    plan(...next) {
      plans.push(...next);
    },
    get last() {
      const child = children.at(-1);
      if (!child) throw new Error('no child was spawned');
      return child;
    },
  };
}

/** A logger that records `level: message` lines. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
