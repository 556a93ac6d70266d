/**
 * The narrow window's chrome: the buttons that open the session and status
 * drawers (the status one shows the gateway's state in colour and words), the
 * scrim that closes them, and the banner above the transcript when the gateway
 * has failed (the status panel is out of sight there). CSS shows them below 720 px.
 */
import type { BridgeResult } from '../../../main/bridge/contract.js';
import type { ConnectionState } from '../bridge/web-bridge.js';
import { describeState } from '../model/format.js';
import type { Drawer } from './use-drawers.js';

type CompanionState = BridgeResult<'get-state'>;

export interface DrawerTogglesProps {
  open: Drawer | null;
  state: CompanionState | null;
  /** The window's link to Tether: while it is not open, `state` is the last one heard, not the gateway's now. */
  connection: ConnectionState;
  now: number;
  onToggle: (drawer: Drawer) => void;
}

/** "Sessions" and the status button, for the chat header. */
export function DrawerToggles({ open, state, connection, now, onToggle }: DrawerTogglesProps) {
  const words = statusWords(state, connection, now);
  return (
    <>
      <button type="button" className="button drawer-toggle drawer-toggle-sessions" aria-expanded={open === 'sessions'} onClick={() => onToggle('sessions')}>
        Sessions
      </button>
      <button type="button" className={`button drawer-toggle drawer-toggle-status state-${words.tone}`} aria-expanded={open === 'status'} onClick={() => onToggle('status')} aria-label={`Gateway status: ${words.spoken}`}>
        <span className="state-dot" aria-hidden="true" />
        <span className="drawer-toggle-label">{words.label}</span>
      </button>
    </>
  );
}

/**
 * What the status button says: the gateway's state while the window is connected;
 * otherwise that it is not known, as the status panel says, never the last state
 * heard (a green "Running" for a server that may be gone).
 */
function statusWords(state: CompanionState | null, connection: ConnectionState, now: number): { label: string; spoken: string; tone: string } {
  if (connection !== 'open') {
    const connecting = connection === 'connecting';
    return { label: connecting ? 'Connecting' : 'Reconnecting', spoken: `${state === null ? '' : 'unknown, '}${connecting ? 'connecting' : 'reconnecting'}`, tone: 'idle' };
  }
  if (state === null) return { label: 'Connecting', spoken: 'connecting', tone: 'idle' };
  const { label, tone } = describeState(state, now);
  return { label, spoken: label, tone };
}

/** Covers the transcript while a drawer is open; a click closes the drawer. */
export function DrawerScrim({ open, onClose }: { open: Drawer | null; onClose: () => void }) {
  if (open === null) return null;
  return <div className="drawer-scrim" onClick={onClose} aria-hidden="true" />;
}

export interface GatewayBannerProps {
  state: CompanionState | null;
  now: number;
  restarting: boolean;
  onRestart: () => void;
  onShowStatus: () => void;
}

/** A failed gateway, above the transcript, with Restart and the way to its output. */
export function GatewayBanner({ state, now, restarting, onRestart, onShowStatus }: GatewayBannerProps) {
  if (state === null || state.gateway.state !== 'failed') return null;
  const words = describeState(state, now);
  return (
    <div className="gateway-banner notice notice-error" role="alert" data-testid="gateway-banner">
      <div>
        <strong>The gateway has failed. </strong>
        {words.detail}
      </div>
      <div className="gateway-banner-actions">
        <button type="button" className="button" onClick={onShowStatus}>
          Recent output
        </button>
        <button type="button" className="button button-primary" onClick={onRestart} disabled={restarting}>
          {restarting ? 'Restarting…' : 'Restart'}
        </button>
      </div>
    </div>
  );
}
