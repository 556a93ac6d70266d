/**
 * The tool calls of one run: what the model is offered, and the path of each call
 * it makes, in one place: checked (a tool it was offered, arguments that are a
 * JSON object), recorded (`tool-call` before it runs, `tool-result` after),
 * announced (`tool.call`, `tool.result`), decided (policy, then approval), run on
 * its MCP server, and handed back to the model as text.
 *
 * Every failure is a result, not an exception: an unknown tool, malformed
 * arguments, a denial, a timeout, a crashed server. The model reads why and the
 * run goes on; the loop (in the provider) decides when to stop.
 */
import type * as Crypto from 'node:crypto';
import { errorMessage } from '../protocol/errors.js';
import { redact } from '../core/secrets.js';
import type { EventSink, SessionLog, TurnIdentity } from '../core/session-log.js';
import type { RequestedToolCall, ToolFunction, ToolRunner } from '../providers/provider.js';
import type { Approvals } from './approvals.js';
import type { CatalogTool, ToolCatalog } from './tool-catalog.js';
import { lazyBuiltin } from '../lazy-builtin.js';

const crypto = lazyBuiltin<typeof Crypto>('node:crypto');

/** How much of a result a `tool.result` event carries; the transcript keeps it all. */
export const EVENT_RESULT_CHARS = 4000;
/** How much of a result the model is given (a tool that dumps a whole disk must not flood the context). */
export const MODEL_RESULT_CHARS = 100_000;

/** The function name a `server/tool` is offered as: OpenAI allows `[A-Za-z0-9_-]{1,64}`. */
export function functionNameOf(server: string, tool: string): string {
  return `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/gu, '_').slice(0, 64);
}

/** What a run's tool calls need. */
export interface ToolCallsOptions {
  tools: readonly CatalogTool[];
  catalog: ToolCatalog;
  approvals: Approvals;
  log: SessionLog;
  turn: TurnIdentity;
  sink: EventSink;
  secrets: readonly string[];
  maxSteps: number;
  callTimeoutMs: number;
}

/** The tool runner of one run (see `ToolRunner`). */
export class ToolCalls implements ToolRunner {
  readonly functions: ToolFunction[] = [];
  readonly maxSteps: number;
  /** Calls the model made in this run, run or not. */
  count = 0;
  private readonly byFunction = new Map<string, CatalogTool>();

  constructor(private readonly options: ToolCallsOptions) {
    this.maxSteps = options.maxSteps;
    for (const tool of options.tools) {
      let name = functionNameOf(tool.server, tool.tool.name);
      for (let n = 2; this.byFunction.has(name); n++) name = `${functionNameOf(tool.server, tool.tool.name).slice(0, 60)}_${n}`; // two names that clean up alike
      this.byFunction.set(name, tool);
      this.functions.push({
        name,
        description: tool.tool.description ?? tool.tool.title ?? `${tool.qualified} (MCP tool)`,
        parameters: tool.tool.inputSchema,
      });
    }
  }

  /** The `server/tool` names offered, for `meta.tools`. */
  get offered(): string[] {
    return this.options.tools.map((tool) => tool.qualified);
  }

  functionName(server: string, tool: string): string {
    return functionNameOf(server, tool);
  }

  async run(call: RequestedToolCall, step: number, signal: AbortSignal): Promise<string> {
    const { log, turn, sink, secrets } = this.options;
    this.count++;
    const callId = `c-${crypto().randomUUID().slice(0, 12)}`;
    const target = this.byFunction.get(call.name);
    const server = target?.server ?? '';
    const tool = target?.tool.name ?? call.name;
    const args = redact(call.arguments, secrets);
    const key = turn.idempotencyKey === undefined ? {} : { idempotencyKey: turn.idempotencyKey };
    log.recordToolCall(turn, { callId, step, server, tool, arguments: args });
    sink('tool.call', { session: turn.session, runId: turn.runId, callId, step, server, tool, arguments: args, ...key });

    const finish = (ok: boolean, content: string, denied = false): string => {
      const clean = redact(content, secrets);
      log.recordToolResult(turn, { callId, ok, content: clean, denied });
      const truncated = clean.length > EVENT_RESULT_CHARS;
      sink('tool.result', {
        session: turn.session,
        runId: turn.runId,
        callId,
        server,
        tool,
        ok,
        content: truncated ? clean.slice(0, EVENT_RESULT_CHARS) : clean,
        chars: clean.length,
        ...(truncated ? { truncated: true } : {}),
        ...(denied ? { denied: true } : {}),
        ...key,
      });
      if (clean.length <= MODEL_RESULT_CHARS) return clean;
      return `${clean.slice(0, MODEL_RESULT_CHARS)}\n[the result was cut at ${MODEL_RESULT_CHARS} of ${clean.length} characters]`;
    };

    if (!target) {
      const offered = [...this.byFunction.keys()];
      return finish(false, `error: there is no tool "${call.name}"; the tools you may call are: ${offered.join(', ') || 'none'}`);
    }
    let parsed: unknown;
    try {
      parsed = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch (error) {
      return finish(false, `error: the arguments are not valid JSON (${errorMessage(error)}); call ${call.name} again with a JSON object matching its parameters`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return finish(false, `error: the arguments must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}; call ${call.name} again with an object`);
    }

    const denial = await this.decide(target, callId, args, signal);
    if (denial !== undefined) return finish(false, denial, true);
    if (signal.aborted) return finish(false, 'error: the run was aborted before the call ran');

    const serverHandle = this.options.catalog.server(target.server)!;
    try {
      const outcome = await serverHandle.call(target.tool.name, parsed as Record<string, unknown>, signal, this.options.callTimeoutMs);
      return finish(outcome.ok, outcome.text);
    } catch (error) {
      if (signal.aborted) return finish(false, 'error: the call was cancelled because the run was aborted');
      return finish(false, `error: ${target.qualified} failed: ${errorMessage(error)}`);
    }
  }

  /** The reason the call may not run, or undefined when it may: the policy, else the session's allowance, else the user. */
  private async decide(target: CatalogTool, callId: string, args: string, signal: AbortSignal): Promise<string | undefined> {
    const { approvals, catalog, turn, sink } = this.options;
    const decision = catalog.decisionFor(target);
    if (decision === 'allow') return undefined;
    if (decision === 'deny') return `denied: the gateway's policy does not allow ${target.qualified} (tools.policy); do not call it again`;
    if (approvals.allowedForSession(turn.session, target.qualified)) return undefined;
    const question = {
      session: turn.session,
      runId: turn.runId,
      callId,
      server: target.server,
      tool: target.tool.name,
      arguments: args,
      ...(turn.idempotencyKey === undefined ? {} : { idempotencyKey: turn.idempotencyKey }),
    };
    const answer = await approvals.ask(question, target.qualified, {
      requested: (payload) => sink('approval.requested', payload),
      resolved: (payload) => sink('approval.resolved', payload),
    }, signal);
    if (answer.decision !== 'deny') return undefined;
    if (answer.by === 'timeout') return `denied: nobody approved ${target.qualified} in time, so it did not run; carry on without it`;
    if (answer.by === 'abort') return 'denied: the run was aborted while the call waited for approval';
    return `denied by the user: ${target.qualified} did not run; carry on without it or ask the user`;
  }
}
