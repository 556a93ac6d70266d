/**
 * The `openai` provider: any server speaking OpenAI's `/v1/chat/completions` with
 * SSE streaming (Ollama, llama.cpp server, vLLM, LM Studio, hosted APIs).
 *
 * The session's summary and recent messages go as chat messages, newest kept first
 * within a character budget; each streamed `choices[0].delta.content` becomes a
 * delta; the usage chunk (asked for with `stream_options.include_usage`) becomes
 * `usage`. Two clocks guard the request: `timeoutMs` until the response headers
 * arrive, `idleTimeoutMs` between two pieces of the stream (a stalled server).
 * Abort cancels the HTTP request. The API key is only ever put in the
 * `Authorization` header; every message this module produces is passed through
 * `redact`, because some servers quote the key back in their error bodies.
 */
import type { ResolvedOpenAiEntry } from '../core/config.js';
import { redact } from '../core/secrets.js';
import { contextCharsOf, listContext } from '../core/session-store.js';
import type { ThinkingLevel } from '../protocol/schemas.js';
import { ProviderFailure, summaryPrompt, type Provider, type ProviderReply, type ProviderRequest, type ProviderUsage, type RequestedToolCall, type ToolFunction } from './provider.js';
import { functionNameOf } from '../tools/tool-calls.js';
import type { ContextMessage } from '../core/session-store.js';
import { SseReader } from './sse.js';
import type { IncomingMessage } from 'node:http';
import { PostCancel, postStreaming, readText, type StreamedResponse } from './http-post.js';
import { errorMessage } from '../protocol/errors.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_CONTEXT_CHARS = 48_000;
/** How much of an error body is quoted in a failure message. */
const ERROR_BODY_CHARS = 500;

/** A tool call inside an assistant message, as the API takes it. */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One chat message as the API takes it. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** Creates an `openai` provider for the config entry `id`. */
export function createOpenAiProvider(id: string, entry: ResolvedOpenAiEntry, secrets: readonly string[]): Provider {
  const endpoint = new URL(`${entry.baseUrl.replace(/\/+$/u, '')}/chat/completions`);
  const provider: Provider = {
    id,
    label: `${id} (OpenAI-compatible server at ${entry.baseUrl}, model ${entry.model})`,
    defaultModel: entry.model,
    toolUse: 'loop',
    run: (request) => runChat(id, endpoint, entry, secrets, request),
    async summarize(messages, previousSummary, signal) {
      const reply = await runChat(id, endpoint, entry, secrets, {
        session: '',
        prompt: summaryPrompt(messages, previousSummary),
        loadContext: () => listContext(undefined, []),
        model: entry.model,
        thinking: undefined,
        source: 'rpc',
        signal,
        onDelta: () => {},
      });
      return reply.text.trim();
    },
  };
  return provider;
}

/** The messages sent for a turn: system prompt, summary, the newest earlier messages that fit, the prompt. */
export function buildMessages(request: Pick<ProviderRequest, 'prompt' | 'loadContext'>, system: string | undefined, budgetChars: number): ChatMessage[] {
  const context = request.loadContext();
  const head: ChatMessage[] = [];
  if (system) head.push({ role: 'system', content: system });
  if (context.summary) head.push({ role: 'system', content: `Summary of the earlier conversation: ${context.summary}` });
  const recent: ChatMessage[][] = [];
  let used = 0;
  for (const message of context.newestFirst()) {
    used += contextCharsOf(message);
    if (used > budgetChars) break; // older messages than this do not fit
    recent.push(chatMessagesOf(message));
  }
  return [...head, ...recent.reverse().flat(), { role: 'user', content: request.prompt }];
}

/**
 * A context message as chat messages. A reply that called tools becomes, for each
 * step of its run, an assistant message with that step's calls and one `tool`
 * message per result, then the reply's text: the shape the model produced it in.
 */
function chatMessagesOf(message: ContextMessage): ChatMessage[] {
  if (message.role === 'user') return [{ role: 'user', content: message.text }];
  const out: ChatMessage[] = [];
  const calls = message.toolCalls ?? [];
  for (let i = 0; i < calls.length; ) {
    const step = calls[i]!.step;
    const group = [];
    while (i < calls.length && calls[i]!.step === step) group.push(calls[i++]!);
    out.push({
      role: 'assistant',
      content: null,
      tool_calls: group.map((call) => ({ id: call.callId, type: 'function' as const, function: { name: functionNameOf(call.server, call.tool), arguments: call.arguments } })),
    });
    for (const call of group) out.push({ role: 'tool', tool_call_id: call.callId, content: call.content });
  }
  if (message.text !== '' || out.length === 0) out.push({ role: 'assistant', content: message.text });
  return out;
}

/** The `reasoning_effort` to send, or undefined where the model does not take one. */
export function reasoningEffortFor(entry: Pick<ResolvedOpenAiEntry, 'reasoningEffort'>, model: string, thinking: ThinkingLevel | undefined): string | undefined {
  if (thinking === undefined || thinking === 'off') return undefined; // the server's default
  const supported = entry.reasoningEffort;
  const applies = supported === true || (Array.isArray(supported) && supported.some((pattern) => (pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : model === pattern)));
  return applies ? thinking : undefined;
}

/**
 * One turn: a chat completion, and while the model asks for tools (and the run has
 * them), the agent loop: run the calls of a step together, append the calls and
 * their results to the conversation, ask again. It ends when the model answers
 * without tools, at an abort, or after `maxSteps` model requests, with a note.
 */
async function runChat(id: string, endpoint: URL, entry: ResolvedOpenAiEntry, secrets: readonly string[], request: ProviderRequest): Promise<ProviderReply> {
  const messages = buildMessages(request, entry.system, entry.contextChars ?? DEFAULT_CONTEXT_CHARS);
  const tools = request.tools;
  let text = '';
  let usage: ProviderUsage | undefined;
  for (let step = 1; ; step++) {
    // Text of a later step reads as a new paragraph, not glued to the text before the calls.
    let separated = text === '';
    const onPiece = (piece: string) => {
      if (!separated) {
        separated = true;
        text += '\n\n';
        request.onDelta('\n\n');
      }
      text += piece;
      request.onDelta(piece);
    };
    const answer = await completeOnce(id, endpoint, entry, secrets, request, messages, tools?.functions, onPiece, text.length);
    usage = addUsage(usage, answer.usage);
    const done = { text, ...(usage ? { usage } : {}) };
    if (request.signal.aborted || tools === undefined || answer.toolCalls.length === 0) return done;
    if (step >= tools.maxSteps) {
      const asked = answer.toolCalls.map((call) => call.name).join(', ');
      return { ...done, note: `stopped after ${step} model requests (the turn limit, tools.maxSteps = ${tools.maxSteps}): the model still asked for ${asked}, which did not run; send again to let it continue, or raise tools.maxSteps` };
    }
    messages.push({
      role: 'assistant',
      content: answer.text === '' ? null : answer.text,
      tool_calls: answer.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
    });
    const results = await Promise.all(answer.toolCalls.map((call) => tools.run(call, step, request.signal)));
    if (request.signal.aborted) return done;
    answer.toolCalls.forEach((call, index) => messages.push({ role: 'tool', tool_call_id: call.id, content: results[index]! }));
  }
}

/** What one model request produced. */
interface StepAnswer {
  text: string;
  toolCalls: RequestedToolCall[];
  usage?: ProviderUsage;
}

/** One streamed chat completion request: its text (passed to `onPiece` as it comes) and the tool calls it asked for. */
async function completeOnce(
  id: string,
  endpoint: URL,
  entry: ResolvedOpenAiEntry,
  secrets: readonly string[],
  request: ProviderRequest,
  messages: readonly ChatMessage[],
  functions: readonly ToolFunction[] | undefined,
  onPiece: (piece: string) => void,
  textBefore: number,
): Promise<StepAnswer> {
  const clean = (text: string) => redact(text, secrets);
  const where = `${entry.baseUrl} (model ${request.model})`;
  const body: Record<string, unknown> = {
    model: request.model,
    messages,
    stream: true,
  };
  if (functions !== undefined && functions.length > 0) body.tools = functions.map((fn) => ({ type: 'function', function: fn }));
  if (entry.streamUsage !== false) body.stream_options = { include_usage: true };
  const effort = reasoningEffortFor(entry, request.model, request.thinking);
  if (effort !== undefined) body.reasoning_effort = effort;

  const http = new PostCancel();
  let stopReason: 'timeout' | 'idle' | undefined;
  const onAbort = () => http.cancel();
  request.signal.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = entry.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const idleMs = entry.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined = setTimeout(() => {
    stopReason = 'timeout';
    http.cancel();
  }, timeoutMs);
  let idleArmed = false;
  const armIdle = () => {
    if (idleArmed) {
      timer!.refresh(); // once per network chunk: cheaper than a new timer each time
      return;
    }
    idleArmed = true;
    clearTimeout(timer);
    timer = setTimeout(() => {
      stopReason = 'idle';
      http.cancel();
    }, idleMs);
  };

  let text = '';
  let usage: ProviderUsage | undefined;
  let finished = false;
  const calls = new ToolCallAssembler();
  const answer = (): StepAnswer => ({ text, toolCalls: calls.done(), ...(usage ? { usage } : {}) });
  const fail = (message: string, retryable: boolean): never => {
    throw new ProviderFailure(clean(`provider "${id}" ${message}`), retryable);
  };
  try {
    let response: StreamedResponse;
    try {
      response = await postStreaming(
        endpoint,
        {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...entry.headers,
          ...(entry.apiKey ? { authorization: `Bearer ${entry.apiKey}` } : {}),
        },
        JSON.stringify(body),
        http,
      );
    } catch (error) {
      if (request.signal.aborted) return answer();
      if (stopReason === 'timeout') fail(`did not answer within ${timeoutMs} ms at ${where}; raise "timeoutMs" if the model is slow to load`, true);
      fail(`cannot reach ${where}: ${describeNetworkError(error)}; is the server running?`, true);
    }
    response = response!;
    if (response.status < 200 || response.status > 299) {
      const detail = await readErrorBody(response);
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      fail(`answered HTTP ${response.status} at ${where}${detail ? `: ${detail}` : ''}`, retryable);
    }
    if (response.contentType.includes('application/json')) {
      // A server that ignores `stream: true` answers with one JSON object.
      let json: CompletionChunk;
      try {
        json = JSON.parse(await readText(response.body)) as CompletionChunk;
      } catch (error) {
        if (request.signal.aborted) return answer();
        if (stopReason === 'timeout') fail(`did not finish its answer within ${timeoutMs} ms at ${where}`, true);
        fail(`sent a JSON answer that could not be read (${describeNetworkError(error)}) at ${where}`, true);
      }
      json = json!;
      const message = json.choices?.[0]?.message;
      const content = message?.content ?? '';
      if (content) {
        text = content;
        onPiece(content);
      }
      if (message?.tool_calls) calls.add(message.tool_calls);
      if (json.usage) usage = toUsage(json.usage);
      return answer();
    }

    armIdle();
    let streamError: string | undefined;
    let sawFinish = false;
    const reader = new SseReader(({ data }) => {
      if (finished || streamError) return;
      if (data === '[DONE]') {
        finished = true;
        return;
      }
      let chunk: CompletionChunk;
      try {
        chunk = JSON.parse(data) as CompletionChunk;
      } catch {
        streamError = `sent a stream piece that is not JSON: ${data.slice(0, 200)}`;
        return;
      }
      if (chunk.error) {
        streamError = `reported an error mid-stream: ${errorMessageOf(chunk.error)}`;
        return;
      }
      if (chunk.usage) usage = toUsage(chunk.usage);
      const choice = chunk.choices?.[0];
      const piece = choice?.delta?.content;
      if (typeof piece === 'string' && piece !== '' && !request.signal.aborted) {
        text += piece;
        onPiece(piece);
      }
      if (choice?.delta?.tool_calls) calls.add(choice.delta.tool_calls);
      if (choice?.finish_reason) sawFinish = true; // [DONE] normally follows (usage may come first)
    });
    try {
      await readStream(response.body, (chunk) => {
        armIdle();
        reader.push(chunk);
        return streamError !== undefined || finished;
      });
      reader.end();
    } catch (error) {
      if (request.signal.aborted) return answer();
      const chars = textBefore + text.length;
      if (stopReason === 'idle') fail(`stalled: no data for ${idleMs} ms after ${chars} characters at ${where}; raise "idleTimeoutMs" for slow models`, text === '');
      if (stopReason === 'timeout') fail(`did not finish within ${timeoutMs} ms at ${where}`, text === '');
      fail(`closed the connection before the reply finished (${describeNetworkError(error)}) after ${chars} characters at ${where}`, text === '');
    }
    if (streamError) fail(streamError, text === '');
    if (!finished && !sawFinish && !request.signal.aborted) {
      fail(`ended the stream before finishing (no [DONE]) after ${textBefore + text.length} characters at ${where}`, text === '');
    }
    return answer();
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', onAbort);
  }
}

/** How long the rest of a finished response may take to arrive before its connection is dropped. */
const DRAIN_AFTER_DONE_MS = 5000;

/**
 * Feeds the body's chunks to `onChunk` until the body ends or `onChunk` says the
 * answer is complete. What follows a complete answer (normally nothing but the
 * end of the response) is drained, not destroyed, so the keep-alive connection
 * goes back to the pool; a server that never ends the response loses it.
 */
function readStream(body: IncomingMessage, onChunk: (chunk: Uint8Array) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      body.off('data', onData);
      body.off('end', resolve);
      body.off('error', reject);
      body.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      if (!onChunk(chunk)) return;
      stop();
      if (body.complete) {
        // Every byte of the response is in: the rest only needs reading out.
        body.resume();
        resolve();
        return;
      }
      const drop = setTimeout(() => body.destroy(), DRAIN_AFTER_DONE_MS);
      drop.unref();
      body.once('end', () => clearTimeout(drop));
      body.once('error', () => clearTimeout(drop));
      body.resume();
      resolve();
    };
    // Aborted (or cut) before the end: `close` without `end`.
    const onClose = () => {
      stop();
      if (!body.readableEnded) reject(body.errored ?? new Error('the connection closed before the response ended'));
      else resolve();
    };
    body.on('data', onData);
    body.once('end', resolve);
    body.once('error', reject);
    body.once('close', onClose);
  });
}

/** A piece of a tool call as a stream carries it: `index` says which call, the rest arrives in parts. */
interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * Puts streamed tool calls together: each delta names its call by `index` (a
 * server that leaves it out sends whole calls, placed by their position), the id
 * and name come once, the arguments in pieces across chunks.
 */
export class ToolCallAssembler {
  private readonly slots: Array<{ id: string; name: string; arguments: string }> = [];

  add(deltas: readonly ToolCallDelta[]): void {
    deltas.forEach((delta, position) => {
      const index = typeof delta.index === 'number' ? delta.index : this.slots.length + position;
      const slot = (this.slots[index] ??= { id: '', name: '', arguments: '' });
      if (typeof delta.id === 'string' && delta.id !== '') slot.id = delta.id;
      if (typeof delta.function?.name === 'string') slot.name += delta.function.name;
      if (typeof delta.function?.arguments === 'string') slot.arguments += delta.function.arguments;
    });
  }

  /** The calls, in index order; a call the server gave no id gets one, so its result can name it. */
  done(): RequestedToolCall[] {
    const calls: RequestedToolCall[] = [];
    this.slots.forEach((slot, index) => {
      if (slot === undefined || (slot.name === '' && slot.arguments === '')) return; // a hole in the indices
      calls.push({ id: slot.id || `call_${index}`, name: slot.name, arguments: slot.arguments });
    });
    return calls;
  }
}

/** Sums token counts over the requests of one run. */
function addUsage(total: ProviderUsage | undefined, step: ProviderUsage | undefined): ProviderUsage | undefined {
  if (step === undefined) return total;
  if (total === undefined) return { ...step };
  const sum: ProviderUsage = {};
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    if (total[key] !== undefined || step[key] !== undefined) sum[key] = (total[key] ?? 0) + (step[key] ?? 0);
  }
  return sum;
}

interface CompletionChunk {
  choices?: Array<{
    delta?: { content?: string | null; tool_calls?: ToolCallDelta[] };
    message?: { content?: string | null; tool_calls?: ToolCallDelta[] };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  error?: unknown;
}

function toUsage(usage: NonNullable<CompletionChunk['usage']>): ProviderUsage {
  const out: ProviderUsage = {};
  if (Number.isInteger(usage.prompt_tokens)) out.inputTokens = usage.prompt_tokens!;
  if (Number.isInteger(usage.completion_tokens)) out.outputTokens = usage.completion_tokens!;
  if (Number.isInteger(usage.total_tokens)) out.totalTokens = usage.total_tokens!;
  return out;
}

function errorMessageOf(error: unknown): string {
  if (typeof error === 'string') return error.slice(0, ERROR_BODY_CHARS);
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message.slice(0, ERROR_BODY_CHARS);
  }
  return JSON.stringify(error).slice(0, ERROR_BODY_CHARS);
}

/** The useful part of an error response: `error.message` of a JSON body, else the start of the text. */
async function readErrorBody(response: StreamedResponse): Promise<string> {
  let raw: string;
  try {
    raw = await readText(response.body);
  } catch {
    return '';
  }
  try {
    const json = JSON.parse(raw) as { error?: unknown; message?: unknown };
    if (json.error !== undefined) return errorMessageOf(json.error);
    if (typeof json.message === 'string') return json.message.slice(0, ERROR_BODY_CHARS);
  } catch {
    // not JSON: quote the text
  }
  return raw.trim().slice(0, ERROR_BODY_CHARS);
}

/** The socket's own message (`connect ECONNREFUSED 127.0.0.1:11434`) is what a user can act on. */
function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = errorMessage(error);
  return message === '' && code !== undefined ? code : message;
}
