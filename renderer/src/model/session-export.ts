/**
 * A session as a Markdown document, for "Export as Markdown": a heading with its
 * name, then each message under who wrote it and when, the text as written (replies
 * are Markdown already). How a reply ended, when not whole, is said in a line under it.
 */
import type { BridgeResult } from '../../../main/bridge/contract.js';

type HistoryMessage = BridgeResult<'get-history'>['messages'][number];

/** The Markdown of a session's messages, oldest first. */
export function sessionMarkdown(session: { key: string; title?: string | undefined }, messages: readonly HistoryMessage[], exportedAt: number): string {
  const lines: string[] = [`# ${session.title ?? session.key}`, ''];
  const about = session.title !== undefined ? `Session \`${session.key}\`, ` : '';
  lines.push(`${about}${messages.length} message${messages.length === 1 ? '' : 's'}, exported ${isoMinute(exportedAt)} from Tether.`, '');
  for (const message of messages) {
    const who = message.role === 'user' ? 'You' : `Assistant${message.provider ? ` (${message.provider}${message.model && message.model !== message.provider ? `/${message.model}` : ''})` : ''}`;
    lines.push(`## ${who} · ${isoMinute(message.ts)}`, '');
    lines.push(message.text === '' ? '_(no text)_' : message.text, '');
    const ending = endingNote(message);
    if (ending) lines.push(`> ${ending}`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** A file name for the export: the session's name made safe for every file system. */
export function exportFileName(session: { key: string; title?: string | undefined }): string {
  const base = (session.title ?? session.key).replace(/[^\p{L}\p{N}._ -]+/gu, '-').replace(/\s+/gu, ' ').trim().slice(0, 80);
  return `${base === '' ? 'session' : base}.md`;
}

function endingNote(message: HistoryMessage): string | null {
  switch (message.state) {
    case 'aborted':
      return 'Stopped before it finished.';
    case 'failed':
      return `Failed: ${message.error ?? 'the provider stopped'}`;
    case 'interrupted':
      return 'Cut short: the gateway stopped while it was written.';
    case 'streaming':
      return 'Still being written when exported.';
    default:
      return null;
  }
}

function isoMinute(ts: number): string {
  return new Date(ts).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
