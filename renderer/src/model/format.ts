/**
 * Words and numbers for the window: relative times, durations, byte-free status
 * lines, and the colour and words of each gateway state.
 */
import type { BridgeResult } from '../../../main/bridge/contract.js';

type CompanionState = BridgeResult<'get-state'>;
export type GatewayState = CompanionState['gateway']['state'];

/** `just now`, `5 min ago`, `3 h ago`, `yesterday`, `4 days ago`, then the date. */
export function formatRelativeTime(ts: number, now: number): string {
  const seconds = Math.round((now - ts) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return new Date(ts).toISOString().slice(0, 10);
}

/** A clock time for message timestamps (`14:05`), with the date when not today. */
export function formatTimestamp(ts: number, now: number): string {
  const date = new Date(ts);
  const time = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  const today = new Date(now);
  const sameDay = date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  return sameDay ? time : `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')} ${time}`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The tone (colour) of a state: good, busy, bad or idle. */
export type Tone = 'ok' | 'busy' | 'bad' | 'idle';

/** The colour and the words the status panel shows for a state. */
export function describeState(state: CompanionState, now: number): { tone: Tone; label: string; detail: string } {
  const { gateway } = state;
  const reason = asSentence(firstLine(gateway.reason));
  switch (gateway.state) {
    case 'running':
      return gateway.stopping
        ? { tone: 'busy', label: 'Stopping', detail: reason }
        : { tone: 'ok', label: 'Running', detail: gateway.pid !== null ? `Gateway pid ${gateway.pid} is ready.` : reason };
    case 'starting':
      return { tone: 'busy', label: 'Starting', detail: reason };
    case 'restarting': {
      // The supervisor's reason has its own countdown ("restarting in 95 ms"), frozen when
      // it was written: the live one below replaces it, so the line never says two things.
      const { cause, attempt } = splitRestartReason(gateway.reason);
      const inMs = gateway.retryAt !== null ? Math.max(0, gateway.retryAt - now) : null;
      const when = inMs === null ? '' : inMs < 1000 ? ' Next try in under a second' : ` Next try in ${formatDuration(inMs + 999)}`;
      const which = attempt !== null ? ` (attempt ${attempt})` : '';
      return { tone: 'busy', label: 'Restarting', detail: `${cause}${when}${when !== '' ? `${which}.` : ''}`.trim() };
    }
    case 'failed':
      if (gateway.failure === 'config') return { tone: 'bad', label: 'Failed', detail: `${reason} Saving the config file starts the gateway again, or press Restart.` };
      return { tone: 'bad', label: 'Failed', detail: /restart/iu.test(gateway.reason) ? reason : `${reason} Use Restart when the cause is fixed.` };
    case 'stopped':
      return { tone: 'idle', label: 'Stopped', detail: reason };
  }
}

/** The supervisor's restart reason without its countdown, and the attempt it names. */
export function splitRestartReason(reason: string): { cause: string; attempt: number | null } {
  const match = /;\s*restarting in \d+ ms(?: \(attempt (\d+)\))?/u.exec(reason);
  if (!match) return { cause: asSentence(firstLine(reason)), attempt: null };
  const cause = reason.slice(0, match.index) + reason.slice(match.index + match[0].length);
  return { cause: asSentence(firstLine(cause)), attempt: match[1] !== undefined ? Number(match[1]) : null };
}

/**
 * The status panel's restarts line. Restarts are counted since the app started and
 * crashes only lately, and the crash that trips the breaker is never restarted: so
 * the line says that, rather than "4 (5 crashes lately)".
 */
export function restartsLine(gateway: Pick<CompanionState['gateway'], 'state' | 'restarts' | 'recentCrashes' | 'failure'>): string {
  const restarts = gateway.restarts === 0 ? 'none' : `${gateway.restarts} automatic`;
  if (gateway.recentCrashes === 0) return restarts;
  const crashes = plural(gateway.recentCrashes, 'crash', 'crashes');
  if (gateway.state === 'failed' && gateway.failure === 'crash loop') return `${restarts}, then stopped after ${crashes} in a short time`;
  return `${restarts}; ${crashes} in the last few minutes`;
}

/** Whether a send can go anywhere now, and why not. */
export function sendAvailability(state: CompanionState | null): { ok: true; via: 'gateway' | 'cli' } | { ok: false; reason: string } {
  if (state === null) return { ok: false, reason: 'Connecting to Tether…' };
  const { gateway } = state;
  if (gateway.state === 'running' && !gateway.stopping) return { ok: true, via: 'gateway' };
  if (state.fallbackEnabled) return { ok: true, via: 'cli' };
  const fallback = 'Turn on "Use CLI fallback" in the status panel';
  switch (gateway.state) {
    case 'failed':
      return { ok: false, reason: `The gateway has failed and "Use CLI fallback" is off. ${fallback}, or fix the cause and press Restart gateway.` };
    case 'stopped':
      return { ok: false, reason: `The gateway is stopped and "Use CLI fallback" is off. ${fallback}, or press Restart gateway.` };
    default:
      return { ok: false, reason: `The gateway is ${gateway.state === 'running' ? 'stopping' : gateway.state} and "Use CLI fallback" is off. ${fallback}, or wait a moment.` };
  }
}

/** `1 message`, `2 messages`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
}

/** What to do about a failed call, by its code. */
export function adviceFor(code: string): string {
  switch (code) {
    case 'gateway_unavailable':
      return 'The gateway is not running. Wait for it to restart, use Restart in the status panel, or turn on "Use CLI fallback".';
    case 'gateway_exited':
      return 'The gateway stopped while working on this. It restarts by itself; send again if you still want a reply.';
    case 'timeout':
      return 'The gateway did not answer in time. Check the status panel and its recent output, then try again.';
    case 'fallback_failed':
      return 'The one-shot CLI could not answer either; the message says why. When it names the config file, fix that file: the gateway starts again when it is saved.';
    case 'disconnected':
      return 'The window lost its connection to Tether. It reconnects by itself; if it does not, restart "tether app".';
    case 'invalid_request':
      return 'Tether refused the request as written; check what you typed.';
    case 'gateway_error':
      // The gateway's own refusal (a "Deliver" without a target, an unknown model, a provider failure): its message names the cause.
      return 'The gateway could not do this; the message above says why and what to change.';
    case 'closed':
      return 'Tether is shutting down. Start it again to continue.';
    default:
      return 'See the status panel for the gateway\'s recent output.';
  }
}

/**
 * What to do about a failed send, by its code and, for the gateway's refusals, the
 * gateway's own code: the advice names something the window has.
 */
export function adviceForFailure(failure: { code: string; message: string; wireCode?: string | undefined }): string {
  if (failure.code !== 'gateway_error') return adviceFor(failure.code);
  switch (failure.wireCode) {
    case 'invalid_request':
      if (/"deliver"|delivery\.to/u.test(failure.message)) return 'Fill in "to" next to Deliver under the message box, or untick Deliver; a default target can also be set as "delivery.to" in the gateway config file.';
      if (/unknown model/u.test(failure.message)) return 'Pick another model under the message box: the gateway no longer offers this one.';
      return 'The gateway refused the message as written; the error names the field. Change it and send again.';
    case 'provider_error':
      return 'The model could not answer; the error says why. Pick another model under the message box, or fix the provider and use Send again.';
    case 'busy':
      return 'The gateway has too much queued. Wait for the replies on their way, then use Send again.';
    case 'aborted':
      return 'The send was stopped before it ran. Use Send again if you still want a reply.';
    default:
      return adviceFor(failure.code);
  }
}

/** The supervisor's reasons are log phrases ("gateway pid 7 exited"); the panel shows them as sentences. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?…:]$/u.test(capital) ? capital : `${capital}.`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
