/**
 * The gateway at a glance: state in colour and words, pid, uptime, restarts, the
 * last exit, heartbeats, queue, provider, the child's recent stderr, Restart, and
 * the two toggles the tray has on the desktop ("Send heartbeats", "Use CLI
 * fallback"), since a browser has no tray.
 */
import type { ReactNode } from 'react';
import type { BridgeResult } from '../../../main/bridge/contract.js';
import { describeState, formatDuration, formatRelativeTime, plural, restartsLine } from '../model/format.js';

type CompanionState = BridgeResult<'get-state'>;
type CompanionStatus = BridgeResult<'get-status'>;

export interface StatusPanelProps {
  state: CompanionState;
  status: CompanionStatus | null;
  stderr: readonly string[];
  now: number;
  restarting: boolean;
  onRestart: () => void;
  onHeartbeats: (enabled: boolean) => void;
  onFallback: (enabled: boolean) => void;
  /** Controls that belong with the window's settings but not with the gateway (web mode's notifications). */
  children?: ReactNode;
}

export function StatusPanel({ state, status, stderr, now, restarting, onRestart, onHeartbeats, onFallback, children }: StatusPanelProps) {
  const words = describeState(state, now);
  const { gateway } = state;
  const child = (status?.via === 'gateway' ? status.gateway : null) ?? gateway.gateway;
  const running = gateway.state === 'running';
  const uptime = running ? Math.max(0, now - gateway.since) : null; // the clock ticks each second; never show a negative
  const lastExit = gateway.lastExit;
  const heartbeatLine = state.heartbeatsEnabled
    ? `on${child?.heartbeats.lastOutcome ? `, last ${child.heartbeats.lastOutcome}${child.heartbeats.lastAt ? ` ${formatRelativeTime(child.heartbeats.lastAt, now)}` : ''}` : ', none yet'}`
    : 'off';

  return (
    <aside className="status" aria-label="Gateway status">
      <div className="status-group">
      <h2>Gateway</h2>
      <p className={`state state-${words.tone}`} data-testid="gateway-state" data-state={gateway.state}>
        <span className="state-dot" aria-hidden="true" />
        <strong>{words.label}</strong>
      </p>
      <p className="state-detail">{words.detail}</p>
      {state.fallbackActive && <p className="state-note">Sends go through the one-shot CLI while the gateway is down.</p>}
      </div>
      <dl className="facts status-group">
        <dt>pid</dt>
        <dd data-testid="gateway-pid">{gateway.pid ?? '—'}</dd>
        <dt>uptime</dt>
        <dd>{uptime !== null ? formatDuration(uptime) : '—'}</dd>
        <dt>restarts</dt>
        <dd data-testid="restarts-line">{restartsLine(gateway)}</dd>
        <dt>last exit</dt>
        <dd>{lastExit ? `${lastExit.spawnError ?? (lastExit.signal ? `signal ${lastExit.signal}` : `code ${lastExit.code}`)}, ${formatRelativeTime(lastExit.at, now)}` : '—'}</dd>
        <dt>heartbeats</dt>
        <dd data-testid="heartbeats-line">{heartbeatLine}</dd>
        <dt>queue</dt>
        <dd>{child ? `${child.queue.depth} waiting, ${child.queue.running} running` : '—'}</dd>
        <dt>provider</dt>
        <dd title={child?.providerLabel}>{child?.provider ?? '—'}</dd>
      </dl>
      {gateway.lastError && gateway.state !== 'running' && !words.detail.includes(gateway.lastError.split('\n')[0]!) && <p className="last-error">{gateway.lastError.split('\n')[0]}</p>}
      <div className="status-group">
      <div className="toggles">
        <label className="switch">
          <input type="checkbox" checked={state.heartbeatsEnabled} onChange={(event) => onHeartbeats(event.target.checked)} />
          Send heartbeats
        </label>
        <label className="switch">
          <input type="checkbox" checked={state.fallbackEnabled} onChange={(event) => onFallback(event.target.checked)} />
          Use CLI fallback
        </label>
      </div>
      <button type="button" className={`button${gateway.state === 'failed' || gateway.state === 'stopped' ? ' button-primary' : ''}`} onClick={onRestart} disabled={restarting}>
        {restarting ? 'Restarting…' : 'Restart gateway'}
      </button>
      <details className="stderr" open={gateway.state === 'failed' || undefined}>
        <summary>Recent output ({plural(stderr.length, 'line')})</summary>
        <pre tabIndex={0}>{stderr.length > 0 ? stderr.join('\n') : 'Nothing yet.'}</pre>
      </details>
      {children}
      </div>
    </aside>
  );
}
