/**
 * A real OpenAI-compatible `/v1/chat/completions` server on 127.0.0.1 for tests.
 *
 * It speaks the actual wire format: chunked transfer, `data: {json}` SSE events
 * with blank-line separators, keep-alive comments and `data: [DONE]`. Each request
 * takes the next scripted behaviour (or the default one): a normal stream, an error
 * status with a body, a stream that stalls, one whose connection is cut mid-way, a
 * mid-stream error event, a plain JSON answer. Every request is recorded (method,
 * path, headers, parsed body), and `closedEarly` counts requests whose client went
 * away before the response ended (how tests see that abort cancelled the request).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with one request. */
export type Behaviour =
  | { kind: 'stream'; pieces: string[]; delayMs?: number; usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }; noDone?: boolean; crlf?: boolean; splitEvery?: number }
  | { kind: 'error'; status: number; body: string; delayMs?: number }
  | { kind: 'stall'; pieces: string[] }
  | { kind: 'disconnect'; pieces: string[] }
  | { kind: 'midStreamError'; pieces: string[]; message: string }
  | { kind: 'json'; content: string }
  | { kind: 'hang' }
  /**
   * A step of an agent loop: optional text, then tool calls streamed as OpenAI
   * does, each call's id and name first and its arguments in pieces of
   * `argumentChunk` characters, the calls' pieces interleaved (parallel calls), and
   * `finish_reason: "tool_calls"`. `arguments` is sent as given, so it may be
   * malformed; `name` may be a tool never offered.
   */
  | { kind: 'toolCalls'; calls: Array<{ id?: string; name: string; arguments: string }>; text?: string; argumentChunk?: number; delayMs?: number };

/** One recorded request. */
export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: { model?: string; messages?: Array<{ role: string; content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string }>; tools?: Array<{ type: string; function: { name: string; description: string; parameters: unknown } }>; stream?: boolean; reasoning_effort?: string; stream_options?: unknown; [key: string]: unknown };
}

/** A running fake server. */
export interface FakeOpenAiServer {
  /** The API root, e.g. `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Requests whose client disconnected before the response finished. */
  closedEarly: number;
  /** TCP connections clients opened (a keep-alive client opens one for many requests). */
  connections: number;
  /** Queues behaviours for the next requests, in order. */
  next(...behaviours: Behaviour[]): void;
  /** The behaviour when the queue is empty. */
  setDefault(behaviour: Behaviour): void;
  /** Drops queued behaviours and recorded requests (between tests, so one failure cannot cascade). */
  reset(): void;
  close(): Promise<void>;
}

/** The SSE event of one streamed piece, as OpenAI sends it. */
export function chunkEvent(content: string, model = 'fake-model'): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
}

/** Starts a fake server on a free port of 127.0.0.1. */
export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const queue: Behaviour[] = [];
  let fallback: Behaviour = { kind: 'stream', pieces: ['Hello', ' there', '!'] };
  const requests: RecordedRequest[] = [];
  const state = { closedEarly: 0, connections: 0 };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      let body: RecordedRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as RecordedRequest['body'];
      } catch {
        // recorded as empty; the test looks at what it needs
      }
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      let finished = false;
      res.on('finish', () => (finished = true));
      res.on('close', () => {
        if (!finished) state.closedEarly++;
      });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      void respond(queue.shift() ?? fallback, body.model ?? 'fake-model', res);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get closedEarly() {
      return state.closedEarly;
    },
    get connections() {
      return state.connections;
    },
    next: (...behaviours) => queue.push(...behaviours),
    setDefault: (behaviour) => (fallback = behaviour),
    reset() {
      queue.length = 0;
      requests.length = 0;
      fallback = { kind: 'stream', pieces: ['Hello', ' there', '!'] };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function respond(behaviour: Behaviour, model: string, res: ServerResponse): Promise<void> {
  const sse = () => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  switch (behaviour.kind) {
    case 'error':
      if (behaviour.delayMs) await sleep(behaviour.delayMs);
      res.writeHead(behaviour.status, { 'content-type': 'application/json' }).end(behaviour.body);
      return;
    case 'json':
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: behaviour.content }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
      );
      return;
    case 'hang':
      return; // never answers: the client's timeout must fire
    case 'stream': {
      sse();
      res.write(': keep-alive\n\n');
      let text = '';
      for (const piece of behaviour.pieces) text += chunkEvent(piece, model);
      text += `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`;
      if (behaviour.usage) text += `data: ${JSON.stringify({ choices: [], usage: behaviour.usage })}\n\n`;
      if (!behaviour.noDone) text += 'data: [DONE]\n\n';
      if (behaviour.crlf) text = text.replace(/\n/gu, '\r\n');
      if (behaviour.delayMs || behaviour.splitEvery) {
        // Send in small writes so events and even UTF-8 sequences split across chunks.
        const bytes = Buffer.from(text, 'utf8');
        const size = behaviour.splitEvery ?? 64;
        for (let at = 0; at < bytes.length; at += size) {
          if (res.destroyed) return;
          res.write(bytes.subarray(at, at + size));
          if (behaviour.delayMs) await sleep(behaviour.delayMs);
        }
        res.end();
        return;
      }
      res.end(text);
      return;
    }
    case 'toolCalls': {
      sse();
      const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const events: string[] = [];
      if (behaviour.text) events.push(chunkEvent(behaviour.text, model));
      behaviour.calls.forEach((call, index) => {
        events.push(chunk({ tool_calls: [{ index, ...(call.id ? { id: call.id } : {}), type: 'function', function: { name: call.name, arguments: '' } }] }));
      });
      const size = behaviour.argumentChunk ?? 8;
      const longest = Math.max(0, ...behaviour.calls.map((call) => call.arguments.length));
      for (let at = 0; at < longest; at += size) {
        behaviour.calls.forEach((call, index) => {
          const piece = call.arguments.slice(at, at + size);
          if (piece !== '') events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
        });
      }
      events.push(chunk({}, 'tool_calls'), 'data: [DONE]\n\n');
      for (const event of events) {
        if (res.destroyed) return;
        res.write(event);
        if (behaviour.delayMs) await sleep(behaviour.delayMs);
      }
      res.end();
      return;
    }
    case 'stall':
      sse();
      for (const piece of behaviour.pieces) res.write(chunkEvent(piece, model));
      return; // and then nothing, connection left open
    case 'disconnect':
      sse();
      for (const piece of behaviour.pieces) res.write(chunkEvent(piece, model));
      await sleep(20);
      res.socket?.destroy(); // cut mid-stream, without the chunked terminator
      return;
    case 'midStreamError':
      sse();
      for (const piece of behaviour.pieces) res.write(chunkEvent(piece, model));
      res.end(`data: ${JSON.stringify({ error: { message: behaviour.message } })}\n\n`);
      return;
  }
}
