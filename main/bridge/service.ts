/**
 * Serves the bridge contract (`bridge.ts`) from a `Companion`: validates each
 * call's arguments, runs it, and answers with an envelope; forwards the
 * companion's events.
 *
 * Both transports use it, so they behave the same: the Electron IPC handlers
 * (after checking the sender frame) and the web mode's WebSocket bridge (after
 * checking origin and token). A `send` always goes with `retry: true`: the chat
 * window wants each message answered exactly once, so a gateway crash under it is
 * answered by sending it again with the same idempotency key (the window's, when
 * it gives one) once the gateway is back. Plain Node, no Electron.
 */
import type { Logger } from '../../rpc-host/shared.js';
import { describeIssues, errorMessage, errorStack } from '../../rpc-host/protocol/errors.js';
import {
  BRIDGE_REQUESTS,
  type AppInfo,
  type BridgeChannel,
  type BridgeErrorData,
  type BridgeEventName,
  type BridgeEvents,
  type BridgeParsedArgs,
  type BridgeReply,
  type BridgeResult,
  type VisibleSettings,
} from './contract.js';
import { isBridgeChannel } from './channels.js';
import type { Companion } from '../core/companion.js';
import { CompanionError, isCompanionError } from '../core/errors.js';
import { Emitter, type Unsubscribe } from '../core/emitter.js';
import { isSafeExternalUrl } from '../core/external-url.js';

/** A send that failed: its session and why. */
export interface SendFailure {
  session: string;
  message: string;
}

/** What the transport adds: how to open a link, and where the renderer runs. */
export interface BridgeHost {
  appInfo: AppInfo;
  /** Opens a vetted URL in the system browser; false when this host cannot (web mode). */
  openExternal(url: string): Promise<boolean>;
  /** Shows the chat window on a session; absent where there is no window to show (web mode). */
  openChat?(session: string): boolean;
}

/** Answers bridge calls from one companion. */
export class BridgeService {
  constructor(
    private readonly companion: Companion,
    private readonly host: BridgeHost,
    private readonly logger: Logger,
  ) {}

  private readonly sendFailures = new Emitter<SendFailure>();

  /** A send from any window failed (the desktop app notifies it while the window is hidden). */
  readonly onDidFailSend = this.sendFailures.event;

  /**
   * Runs one call. Never throws: an unknown channel, bad arguments and companion
   * failures all come back as `{ ok: false, error }`; a bug is logged and answered
   * as `internal`.
   */
  async handle(channel: unknown, rawArgs: unknown): Promise<BridgeReply<unknown>> {
    if (!isBridgeChannel(channel)) {
      return refuse('unknown_channel', `unknown bridge channel: ${JSON.stringify(channel)}; expected one of ${Object.keys(BRIDGE_REQUESTS).join(', ')}`);
    }
    const parsed = parseBridgeArgs(channel, rawArgs);
    if (!parsed.ok) return parsed;
    return this.handleParsed(channel, parsed.value);
  }

  /**
   * Runs one call whose arguments the caller already parsed with `parseBridgeArgs`
   * (the IPC handlers do, to log a refusal with the sender): they are not checked
   * twice. Never throws, as `handle`.
   */
  async handleParsed<C extends BridgeChannel>(channel: C, args: BridgeParsedArgs<C>): Promise<BridgeReply<unknown>> {
    try {
      return { ok: true, value: await this.run(channel, args) };
    } catch (error) {
      if (isCompanionError(error)) return { ok: false, error: bridgeErrorOf(error) };
      this.logger.error(`bridge ${channel}: unexpected failure (a bug): ${errorStack(error)}`);
      return refuse('internal', `${channel} failed unexpectedly: ${errorMessage(error)}; see the app log`);
    }
  }

  /** Forwards every companion event to `emit`; returns the function that stops it. */
  subscribe(emit: <E extends BridgeEventName>(event: E, payload: BridgeEvents[E]) => void): Unsubscribe {
    const offState = this.companion.onDidChangeState((state) => emit('state-changed', state));
    const offEvents = this.companion.onDidReceiveEvent((event) => emit('gateway-event', event));
    return () => {
      offState();
      offEvents();
    };
  }

  private async run<C extends BridgeChannel>(channel: C, args: BridgeParsedArgs<C>): Promise<BridgeResult<C>> {
    // Each case narrows `args` by hand: TypeScript cannot correlate `channel` and `args` through the switch.
    const call = channel as BridgeChannel;
    switch (call) {
      case 'app-info':
        return this.host.appInfo as BridgeResult<C>;
      case 'get-state':
        return this.companion.state() as BridgeResult<C>;
      case 'get-status':
        return (await this.companion.status(args as BridgeParsedArgs<'get-status'>)) as BridgeResult<C>;
      case 'send': {
        const send = args as BridgeParsedArgs<'send'>;
        try {
          return (await this.companion.send(send, { retry: true })) as BridgeResult<C>;
        } catch (error) {
          this.sendFailures.fire({ session: send.session ?? 'main', message: errorMessage(error) });
          throw error;
        }
      }
      case 'abort':
        return (await this.companion.abort(args as BridgeParsedArgs<'abort'>)) as BridgeResult<C>;
      case 'list-sessions':
        return (await this.companion.sessions()) as BridgeResult<C>;
      case 'get-history': {
        const { session, ...page } = args as BridgeParsedArgs<'get-history'>;
        return (await this.companion.history(session, page)) as BridgeResult<C>;
      }
      case 'compact':
        return (await this.companion.compact((args as BridgeParsedArgs<'compact'>).session)) as BridgeResult<C>;
      case 'set-heartbeats':
        return (await this.companion.setHeartbeats((args as BridgeParsedArgs<'set-heartbeats'>).enabled)) as BridgeResult<C>;
      case 'set-fallback':
        return (await this.companion.setFallback((args as BridgeParsedArgs<'set-fallback'>).enabled)) as BridgeResult<C>;
      case 'get-settings': {
        const { heartbeatsEnabled, cliFallbackEnabled, gatewayCommand, projectRoot } = this.companion.settings();
        const visible: VisibleSettings = { heartbeatsEnabled, cliFallbackEnabled, gatewayCommand, projectRoot };
        return visible as BridgeResult<C>;
      }
      case 'restart-gateway':
        await this.companion.restartGateway();
        return this.companion.state() as BridgeResult<C>;
      case 'get-stderr-tail':
        return { lines: this.companion.stderrTail((args as BridgeParsedArgs<'get-stderr-tail'>).lines) } as BridgeResult<C>;
      case 'open-external': {
        const { url } = args as BridgeParsedArgs<'open-external'>;
        const verdict = isSafeExternalUrl(url);
        if (!verdict.ok) throw new CompanionError('invalid_request', `not opening ${JSON.stringify(url.slice(0, 200))}: ${verdict.reason}`);
        return { opened: await this.host.openExternal(verdict.url) } as BridgeResult<C>;
      }
      case 'open-chat':
        return { opened: this.host.openChat?.((args as BridgeParsedArgs<'open-chat'>).session) ?? false } as BridgeResult<C>;
      case 'list-models':
        return (await this.companion.models()) as BridgeResult<C>;
      case 'update-session': {
        const { session, ...patch } = args as BridgeParsedArgs<'update-session'>;
        return (await this.companion.updateSession(session, patch)) as BridgeResult<C>;
      }
      case 'delete-session':
        return (await this.companion.deleteSession((args as BridgeParsedArgs<'delete-session'>).session)) as BridgeResult<C>;
      case 'restore-session':
        return (await this.companion.restoreSession((args as BridgeParsedArgs<'restore-session'>).trashId)) as BridgeResult<C>;
      case 'search-sessions': {
        const { query, ...page } = args as BridgeParsedArgs<'search-sessions'>;
        return (await this.companion.search(query, page)) as BridgeResult<C>;
      }
      case 'list-approvals':
        return { approvals: this.companion.waitingApprovals() } as BridgeResult<C>;
      case 'approve': {
        const { callId, decision } = args as BridgeParsedArgs<'approve'>;
        return (await this.companion.approve(callId, decision)) as BridgeResult<C>;
      }
      default: {
        const unreachable: never = call;
        throw new Error(`unhandled bridge channel ${String(unreachable)}`);
      }
    }
  }
}

/** Validates a call's arguments against its channel's schema; names the bad field on failure. */
export function parseBridgeArgs<C extends BridgeChannel>(
  channel: C,
  rawArgs: unknown,
): { ok: true; value: BridgeParsedArgs<C> } | { ok: false; error: BridgeErrorData } {
  const schema = BRIDGE_REQUESTS[channel].args;
  const parsed = schema.safeParse(rawArgs ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as BridgeParsedArgs<C> };
  return refuse('invalid_request', `${channel}: ${describeIssues(parsed.error.issues, 'arguments')}`);
}

function refuse(code: BridgeErrorData['code'], message: string): { ok: false; error: BridgeErrorData } {
  return { ok: false, error: { code, message } };
}

/** A companion error as the contract carries it: facts for the status view under `details`, only when there are some. */
function bridgeErrorOf(error: CompanionError): BridgeErrorData {
  const hasDetails = Object.keys(error.details).length > 0;
  return { code: error.code, message: error.message, ...(hasDetails ? { details: { ...error.details } } : {}) };
}
