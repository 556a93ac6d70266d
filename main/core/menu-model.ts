/**
 * What the tray shows, as plain data: a pure function of the companion's state.
 *
 * The Electron adapter only maps this model onto `Tray` and `Menu`; everything a
 * user reads (the status line, the tooltip, which icon, which boxes are ticked) is
 * decided here and tested without Electron.
 */
import type { CompanionState } from './companion.js';

/** The tray icon variants; each has image files in `build/tray/`. */
export type TrayIconName = 'running' | 'busy' | 'failed' | 'fallback' | 'heartbeats-off';

/** Menu actions the adapter wires to the companion and the windows. */
export type TrayActionId = 'open-chat' | 'restart-gateway' | 'open-logs' | 'quit';
export type TrayToggleId = 'heartbeats' | 'fallback';

export type TrayMenuItem =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'toggle'; id: TrayToggleId; label: string; checked: boolean }
  | { kind: 'action'; id: TrayActionId; label: string; enabled: boolean; accelerator?: string };

export interface TrayModel {
  icon: TrayIconName;
  tooltip: string;
  /** Text beside the icon where the platform shows one (macOS): the number of tool calls waiting for approval, else ''. */
  badge: string;
  items: TrayMenuItem[];
}

/**
 * Builds the tray model for `state` at time `now` (epoch ms); `approvalsWaiting`
 * is how many tool calls wait for the user (a badge, a tooltip note, and a menu
 * line that opens the chat where their cards are).
 */
export function buildTrayModel(state: CompanionState, now: number = Date.now(), approvalsWaiting = 0): TrayModel {
  const status = describeGateway(state, now);
  const icon = pickIcon(state);
  const waiting = approvalsWaiting === 1 ? '1 tool call waiting for approval' : `${approvalsWaiting} tool calls waiting for approval`;
  const notes = [
    approvalsWaiting > 0 ? waiting : undefined,
    state.fallbackActive ? 'sends use the CLI fallback' : undefined,
    state.heartbeatsEnabled ? undefined : 'heartbeats off',
  ].filter((note): note is string => note !== undefined);
  const tooltip = ['Tether', status, ...notes].join(' · ');
  const stopping = state.gateway.stopping;
  const approvals: TrayMenuItem[] = approvalsWaiting > 0 ? [{ kind: 'action', id: 'open-chat', label: `Review ${waiting}…`, enabled: true }] : [];
  return {
    icon,
    tooltip,
    badge: approvalsWaiting > 0 ? String(approvalsWaiting) : '',
    items: [
      { kind: 'status', label: `Gateway: ${status}` },
      ...approvals,
      { kind: 'separator' },
      { kind: 'toggle', id: 'heartbeats', label: 'Send heartbeats', checked: state.heartbeatsEnabled },
      { kind: 'toggle', id: 'fallback', label: 'Use CLI fallback', checked: state.fallbackEnabled },
      { kind: 'separator' },
      { kind: 'action', id: 'open-chat', label: 'Open Chat', enabled: true, accelerator: 'CommandOrControl+Shift+T' },
      { kind: 'action', id: 'restart-gateway', label: 'Restart Gateway', enabled: !stopping },
      { kind: 'action', id: 'open-logs', label: 'Open Logs', enabled: true },
      { kind: 'separator' },
      { kind: 'action', id: 'quit', label: 'Quit Tether', enabled: true, accelerator: 'CommandOrControl+Q' },
    ],
  };
}

/** `running · pid 4242 · up 5m`, `restarting in 800 ms`, `failed: crashed 5 times in 3 min`, `failed: invalid config: …`. */
export function describeGateway(state: CompanionState, now: number): string {
  const gateway = state.gateway;
  if (gateway.stopping) return 'stopping…';
  switch (gateway.state) {
    case 'running': {
      // `since` is when it became running, so the uptime is exact for any `now`.
      return `running · pid ${gateway.pid} · up ${formatDuration(Math.max(0, now - gateway.since))}`;
    }
    case 'starting':
      return gateway.restarts > 0 ? 'restarting…' : 'starting…';
    case 'restarting': {
      const left = gateway.retryAt === null ? 0 : Math.max(0, gateway.retryAt - now);
      return `restarting in ${formatDelay(left)}`;
    }
    case 'failed':
      // The key and the fix matter more than where the file is: the path goes, so they fit the menu.
      if (gateway.failure === 'config') return `failed: invalid config: ${firstClause(gateway.reason.replace(/^config file (?:[A-Za-z]:)?[^:]+: /u, ''))}`;
      return gateway.recentCrashes >= 2 ? `failed: crashed ${gateway.recentCrashes} times in 3 min` : `failed: ${firstClause(gateway.reason)}`;
    case 'stopped':
      return 'stopped';
  }
}

function pickIcon(state: CompanionState): TrayIconName {
  switch (state.gateway.state) {
    case 'failed':
      return state.fallbackActive ? 'fallback' : 'failed';
    case 'starting':
    case 'restarting':
      return 'busy';
    case 'stopped':
      return state.fallbackActive ? 'fallback' : 'failed';
    case 'running':
      if (state.gateway.stopping) return 'busy';
      return state.heartbeatsEnabled ? 'running' : 'heartbeats-off';
  }
}

/** `45s`, `5m`, `2h 3m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.ceil(ms / 1000)} s`;
}

/** The first line of a reason, shortened for a menu. */
function firstClause(reason: string): string {
  const line = reason.split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
