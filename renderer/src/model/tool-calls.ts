/**
 * Tool calls as the window shows them: what the model asked a tool to do, and what
 * the tool answered.
 *
 * Arguments are the model's own JSON text, which may be malformed; results are tool
 * output, which is untrusted. Both are shown as preformatted plain text, never as
 * markdown, so nothing a tool returns can pass for the assistant's words or turn
 * into a link or an image.
 */
import type { BridgeEvents, BridgeResult } from '../../../main/bridge/contract.js';

type HistoryMessage = BridgeResult<'get-history'>['messages'][number];
type GatewayEvent = BridgeEvents['gateway-event'];

/** A `tool.result` event's payload. */
export type ToolResultPayload = Extract<GatewayEvent, { event: 'tool.result' }>['payload'];

/** One call of a reply's run: as `history` gives it, plus what only the live event tells (the wire cut). */
export type ToolCallView = NonNullable<HistoryMessage['toolCalls']>[number] & {
  /** The result shown here was cut for the wire; history has all of it. */
  truncated?: boolean | undefined;
  /** The length of the whole result. */
  chars?: number | undefined;
  /** The call waits for the user's approval (between `approval.requested` and `approval.resolved`). */
  waiting?: boolean | undefined;
};

/** How a call stands, for its row's badge. */
export type ToolCallOutcome = 'waiting' | 'running' | 'ok' | 'failed' | 'denied';

/** How a call stands: waiting for approval, no result yet, ran, failed, or was not run. */
export function toolCallOutcome(call: ToolCallView): ToolCallOutcome {
  if (call.denied) return 'denied';
  if (call.ok === undefined) return call.waiting ? 'waiting' : 'running';
  return call.ok ? 'ok' : 'failed';
}

/** The call's display name: `server/tool`, or the bare tool name the model made up (`server` is empty then). */
export function toolCallName(call: { server: string; tool: string }): string {
  return call.server === '' ? call.tool : `${call.server}/${call.tool}`;
}

/**
 * A call's arguments for reading: indented JSON when the text parses, else the text
 * exactly as the model wrote it (a malformed call is shown as what it was).
 */
export function formatToolArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // not JSON: show it raw
  }
}

/** The calls with `call` added (once: a repeated event changes nothing). */
export function withToolCall(calls: readonly ToolCallView[] | undefined, call: ToolCallView): ToolCallView[] {
  const list = calls ?? [];
  return list.some((known) => known.callId === call.callId) ? [...list] : [...list, call];
}

/** The calls with `callId` marked as waiting for approval, or no longer (unknown calls are left alone). */
export function withWaiting(calls: readonly ToolCallView[] | undefined, callId: string, waiting: boolean): readonly ToolCallView[] | undefined {
  if (!calls?.some((call) => call.callId === callId && (call.waiting ?? false) !== waiting)) return calls;
  return calls.map((call) => (call.callId === callId ? { ...call, waiting } : call));
}

/** The calls with a result applied to its call (added, when the call's own event was missed). */
export function withToolResult(calls: readonly ToolCallView[] | undefined, result: ToolResultPayload): ToolCallView[] {
  const list = calls ?? [];
  const outcome = { ok: result.ok, content: result.content, denied: result.denied, truncated: result.truncated, chars: result.chars, waiting: false };
  if (!list.some((call) => call.callId === result.callId)) {
    // Seen mid-run (the window opened after the call): step and arguments are not known here.
    return [...list, { callId: result.callId, step: 1, server: result.server, tool: result.tool, arguments: '', ...outcome }];
  }
  return list.map((call) => (call.callId === result.callId ? { ...call, ...outcome } : call));
}
