/**
 * A companion double for the Electron adapter tests: holds a `CompanionState`,
 * records the calls the tray, IPC and lifecycle make, and fires state and gateway
 * events on demand. The real companion is covered by test/integration.
 */
import type { Companion, CompanionState } from '../../../main/core/companion.js';
import { Emitter } from '../../../main/core/emitter.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../main/core/settings.js';
import type { Event } from '../../../rpc-host/protocol/schemas.js';
import { CompanionError } from '../../../main/core/errors.js';
import { stateWith } from '../../helpers/companion-state.js';
import { WaitingApprovals, type WaitingApproval } from '../../../main/core/waiting-approvals.js';

export class FakeCompanion {
  current: CompanionState = stateWith({});
  stored: Settings = { ...DEFAULT_SETTINGS };
  readonly calls: string[] = [];
  readonly stateChanges = new Emitter<CompanionState>();
  /** Kept from the events fired, as the real companion keeps them. */
  private readonly approvals = new WaitingApprovals();
  /** Gateway events; firing one also notes the approvals it asks or ends (no listener of its own: the tests count them). */
  readonly events = new ApprovalNotingEmitter(this.approvals);
  /** Resolves the pending shutdown (tests hold it to see that quitting waits). */
  finishShutdown: (() => void) | undefined;
  failHeartbeats = false;

  readonly onDidChangeState = this.stateChanges.event;
  readonly onDidReceiveEvent = this.events.event;

  waitingApprovals(): WaitingApproval[] {
    return this.approvals.list();
  }

  state(): CompanionState {
    return this.current;
  }
  settings(): Settings {
    return this.stored;
  }
  async start(): Promise<void> {
    this.calls.push('start');
  }
  async setHeartbeats(enabled: boolean) {
    this.calls.push(`setHeartbeats(${enabled})`);
    if (this.failHeartbeats) throw new Error('settings file is read-only');
    this.setState({ ...this.current, heartbeatsEnabled: enabled });
    return { enabled, applied: true };
  }
  async setFallback(enabled: boolean) {
    this.calls.push(`setFallback(${enabled})`);
    this.setState({ ...this.current, fallbackEnabled: enabled });
    return { enabled };
  }
  /** Every send fails with this (a companion error, as the real one throws). */
  async send(input: { session?: string }): Promise<never> {
    this.calls.push(`send(${input.session ?? 'main'})`);
    throw new CompanionError('gateway_exited', 'the gateway exited while answering (exit code 1); send again once it is back');
  }
  async restartGateway(): Promise<void> {
    this.calls.push('restartGateway');
  }
  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    this.calls.push(`updateSettings(${Object.keys(patch).join(',')})`);
    this.stored = { ...this.stored, ...patch };
    return this.stored;
  }
  stderrTail(): string[] {
    return ['a stderr line'];
  }
  shutdown(): Promise<void> {
    this.calls.push('shutdown');
    return new Promise((resolve) => {
      this.finishShutdown = () => {
        this.calls.push('shutdown done');
        resolve();
      };
    });
  }
  setState(state: CompanionState): void {
    this.current = state;
    this.stateChanges.fire(state);
  }
  /** This double where the adapter wants a `Companion`. */
  asCompanion(): Companion {
    return this as unknown as Companion;
  }
}

class ApprovalNotingEmitter extends Emitter<Event> {
  constructor(private readonly approvals: WaitingApprovals) {
    super();
  }

  override fire(event: Event): void {
    this.approvals.note(event);
    super.fire(event);
  }
}
