/**
 * Builds a `CompanionState` for tests that need one without a running companion
 * (menu model, tray adapter, renderer views): a running gateway with pid 4242,
 * up five minutes, overridable field by field.
 */
import type { CompanionState } from '../../main/core/companion.js';
import type { SupervisorSnapshot } from '../../main/core/supervisor.js';

/** The clock the built states are measured against. */
export const STATE_NOW = 1_800_000_000_000;

export function stateWith(gateway: Partial<SupervisorSnapshot>, rest: Partial<Omit<CompanionState, 'gateway'>> = {}): CompanionState {
  const snapshot: SupervisorSnapshot = {
    state: 'running',
    reason: 'gateway pid 4242 is ready',
    failure: null,
    since: STATE_NOW - 300_000,
    stopping: false,
    pid: 4242,
    uptimeMs: 300_000,
    restarts: 0,
    recentCrashes: 0,
    retryAt: null,
    retryInMs: null,
    lastExit: null,
    lastError: null,
    command: null,
    gateway: null,
    ...gateway,
  };
  const fallbackEnabled = rest.fallbackEnabled ?? true;
  return {
    gateway: snapshot,
    heartbeatsEnabled: true,
    fallbackEnabled,
    fallbackActive: fallbackEnabled && snapshot.state !== 'running',
    dataDir: '/data',
    settingsPath: '/settings/settings.json',
    ...rest,
  };
}
