/**
 * The built-in `echo` provider: offline, deterministic, and clearly labelled.
 *
 * It answers `echo: <prompt>`, streamed word by word (at most 64 deltas, so a huge
 * prompt streams in large pieces), with an optional delay per delta so streaming
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

/** Splits text into the pieces echo streams. */
export function echoChunks(text: string, chunkChars: number): string[] {
  let pieces = chunkChars > 0 ? fixedChunks(text, chunkChars) : (text.match(/\s*\S+\s*/gu) ?? [text]);
  if (pieces.length > MAX_DELTAS) {
    pieces = fixedChunks(text, Math.ceil(text.length / MAX_DELTAS));
  }
  return pieces;
}

function fixedChunks(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
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
      return { text: sent, usage: { inputTokens: countWords(request.prompt), outputTokens: countWords(sent) } };
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

function countWords(text: string): number {
  return text.split(/\s+/u).filter(Boolean).length;
}
