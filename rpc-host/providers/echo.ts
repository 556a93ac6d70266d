/**
 * The built-in `echo` provider: offline, deterministic, and clearly labelled.
 *
 * It answers `echo: <prompt>`, streamed word by word (at most 64 deltas, so a huge
 * prompt streams in large pieces; `chunkChars` sets a fixed piece size instead), with an optional delay per delta so streaming
 * and `abort` can be watched and tested. A heartbeat whose prompt asks for
 * HEARTBEAT_OK gets exactly that, like an agent with nothing to report; any other
 * heartbeat prompt is echoed, which is how tests exercise delivered heartbeats.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider, ProviderReply, ProviderRequest } from './provider.js';

const MAX_DELTAS = 64;

/** Options of the echo provider (config `echo`, env `TETHER_ECHO_DELAY_MS`). */
export interface EchoOptions {
  /** Pause before each delta, in ms; 0 streams everything at once. */
  delayMs: number;
  /** Characters per delta; 0 splits on words. */
  chunkChars: number;
}

/** The reply echo gives for a prompt (exported for tests and docs). */
export function echoReplyText(prompt: string, source: ProviderRequest['source']): string {
  if (source === 'heartbeat' && prompt.includes('HEARTBEAT_OK')) return 'HEARTBEAT_OK';
  return `echo: ${prompt}`;
}

/** Splits text into the pieces echo streams (never inside a surrogate pair). */
export function echoChunks(text: string, chunkChars: number): string[] {
  if (chunkChars > 0) return fixedChunks(text, Math.max(chunkChars, Math.ceil(text.length / MAX_DELTAS)));
  // Word pieces only when they can be few; a long text goes straight to fixed pieces
  // rather than running a regex over all of it just to throw the result away.
  if (text.length <= MAX_DELTAS * 16) {
    const words = text.match(/\s*\S+\s*/gu) ?? [text];
    if (words.length <= MAX_DELTAS) return words;
  }
  return fixedChunks(text, Math.ceil(text.length / MAX_DELTAS));
}

function fixedChunks(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++; // keep the pair together
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** Creates the echo provider. */
export function createEchoProvider(options: EchoOptions): Provider {
  return {
    id: 'echo',
    label: 'echo (built-in offline test provider: replies repeat your message)',
    defaultModel: 'echo',
    async run(request: ProviderRequest): Promise<ProviderReply> {
      const text = echoReplyText(request.prompt, request.source);
      let sent = '';
      for (const piece of echoChunks(text, options.chunkChars)) {
        if (options.delayMs > 0) await sleep(options.delayMs, undefined, { signal: request.signal }).catch(() => undefined);
        if (request.signal.aborted) break;
        request.onDelta(piece);
        sent += piece;
      }
      return { text: sent }; // echo uses no model, so it reports no token usage
    },
    async summarize(messages, previousSummary) {
      const users = messages.filter((message) => message.role === 'user').length;
      const lastUser = [...messages].reverse().find((message) => message.role === 'user');
      const parts = [
        previousSummary ? `Earlier: ${previousSummary}` : undefined,
        `${messages.length} messages (${users} from the user) compacted by echo.`,
        lastUser ? `Last user message: ${lastUser.text.slice(0, 200)}` : undefined,
      ];
      return parts.filter(Boolean).join(' ');
    },
  };
}
