/**
 * The narrow window's chrome: the buttons that open the session and status
 * drawers (the status one shows the gateway's state in colour and words), the
 * scrim that closes them, and the banner above the transcript when the gateway
 * has failed (the status panel is out of sight there). CSS shows them below 720 px.
 */
import type { BridgeResult } from '../../../main/bridge/contract.js';
import { describeState } from '../model/format.js';
import type { Drawer } from './use-drawers.js';

type CompanionState = BridgeResult<'get-state'>;

export interface DrawerTogglesProps {
  open: Drawer | null;
  state: CompanionState | null;
  now: number;
  onToggle: (drawer: Drawer) => void;
}

/** "Sessions" and the status button, for the chat header. */
export function DrawerToggles({ open, state, now, onToggle }: DrawerTogglesProps) {
  const words = state ? describeState(state, now) : null;
  return (
    <>
      <button type="button" className="button drawer-toggle drawer-toggle-sessions" aria-expanded={open === 'sessions'} onClick={() => onToggle('sessions')}>
        Sessions
      </button>
      <button type="button" className={`button drawer-toggle drawer-toggle-status state-${words?.tone ?? 'idle'}`} aria-expanded={open === 'status'} onClick={() => onToggle('status')} aria-label={`Gateway status: ${words?.label ?? 'connecting'}`}>
        <span className="state-dot" aria-hidden="true" />
        <span className="drawer-toggle-label">{words?.label ?? 'Connecting'}</span>
      </button>
    </>
  );
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
