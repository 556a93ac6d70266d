/**
 * The main↔renderer contract: every request channel (with a zod schema for its
 * arguments and the type of its answer) and every event channel, in one file.
 *
 * Three places speak it and nothing else may: the Electron IPC handlers and the
 * preload (`main/electron/`, `main/preload.ts`), the web mode's WebSocket bridge
 * (`main/web/`), and the renderer's bridge client (`renderer/`). Main validates
 * every argument with these schemas (`parseBridgeArgs`) before it reaches the
 * companion; answers and events come from main and are trusted by type.
 *
 * Answers travel as an envelope (`BridgeReply`) rather than as thrown errors:
 * Electron's `ipcRenderer.invoke` keeps only the message of a thrown error, and the
 * renderer needs the `code` to show the right thing ("turn on the CLI fallback",
 * "restart the gateway"). The renderer imports types only from here (`import type`).
 */
import { z } from 'zod';
import {
  AbortRequestSchema,
  ApproveRequestSchema,
  CompactRequestSchema,
  DeleteSessionRequestSchema,
  HistoryRequestSchema,
  RestoreSessionRequestSchema,
  SearchRequestSchema,
  UpdateSessionRequestSchema,
  SendRequestSchema,
  SetHeartbeatsRequestSchema,
  StatusRequestSchema,
  type ApprovePayloadSchema,
  type CompactPayloadSchema,
  type DeleteSessionPayloadSchema,
  type Event,
  type HistoryPayloadSchema,
  type ModelsPayloadSchema,
  type RestoreSessionPayloadSchema,
  type SearchPayload,
  type SessionsPayloadSchema,
  type UpdateSessionPayloadSchema,
} from '../../rpc-host/protocol/schemas.js';
import type { AbortResult, CompanionState, CompanionStatus, SendResult } from '../core/companion.js';
import type { CompanionErrorCode, CompanionErrorDetails } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import type { WaitingApproval } from '../core/waiting-approvals.js';

// ---------------------------------------------------------------------------
// Request channels

/** Pairs an argument schema with the answer's type (the answer is never parsed, only typed). */
interface RequestChannel<Args extends z.ZodType, Result> {
  args: Args;
  /** Type carrier only; always `undefined` at run time. */
  result?: Result;
}

function channel<Result>() {
  return <Args extends z.ZodType>(args: Args): RequestChannel<Args, Result> => ({ args });
}

const NoArgs = z.object({}).strict();

/** What the renderer needs to know about where it runs. */
export interface AppInfo {
  /** `electron` inside the desktop app, `web` in a browser served by `tether app --web`. */
  mode: 'electron' | 'web';
  version: string;
  platform: string;
}

/** The settings the renderer may show (the gateway environment stays in main: it may hold keys). */
export type VisibleSettings = Pick<Settings, 'heartbeatsEnabled' | 'cliFallbackEnabled' | 'gatewayCommand' | 'projectRoot'>;

/** The wire fields a bridge call never carries: main adds them when it talks to the gateway. */
const WIRE_ONLY = { type: true, id: true } as const;

/** A `send` as the renderer asks for it: the wire request without `type` and `id`. */
export const BridgeSendArgsSchema = SendRequestSchema.omit(WIRE_ONLY).strict();

/**
 * Every request channel. Arguments are one object (possibly empty); answers are
 * always promises of a `BridgeReply`.
 */
export const BRIDGE_REQUESTS = {
  /** Where the renderer runs, and the app version. */
  'app-info': channel<AppInfo>()(NoArgs),
  /** The companion state now, without asking the child (what the tray shows). */
  'get-state': channel<CompanionState>()(NoArgs),
  /** The child's own status when it runs, else the supervisor's (`via` says which). */
  'get-status': channel<CompanionStatus>()(StatusRequestSchema.omit(WIRE_ONLY).strict()),
  /** Sends a message; served by the gateway, or by the one-shot CLI while it is down. */
  send: channel<SendResult>()(BridgeSendArgsSchema),
  /** Aborts the running send of a session (default `main`) or one run. */
  abort: channel<AbortResult>()(
    AbortRequestSchema.omit(WIRE_ONLY).strict(),
  ),
  /** The sessions, most recently updated first. */
  'list-sessions': channel<z.infer<typeof SessionsPayloadSchema>>()(NoArgs),
  /** A page of a session's transcript, oldest first; `before` is a message index. */
  'get-history': channel<z.infer<typeof HistoryPayloadSchema>>()(HistoryRequestSchema.omit(WIRE_ONLY).strict()),
  /** Replaces a session's provider context with a summary; the transcript stays whole. */
  compact: channel<z.infer<typeof CompactPayloadSchema>>()(CompactRequestSchema.omit(WIRE_ONLY).strict()),
  /** "Send heartbeats": saved, and applied to a running child at once. */
  'set-heartbeats': channel<{ enabled: boolean; applied: boolean }>()(SetHeartbeatsRequestSchema.omit(WIRE_ONLY).strict()),
  /** "Use CLI fallback": saved. */
  'set-fallback': channel<{ enabled: boolean }>()(z.object({ enabled: z.boolean() }).strict()),
  /** The settings the UI may show. */
  'get-settings': channel<VisibleSettings>()(NoArgs),
  /** Stops the gateway and starts a fresh one; also clears a crash-loop `failed`. Answers the state after. */
  'restart-gateway': channel<CompanionState>()(NoArgs),
  /** The gateway's recent stderr lines, oldest first. */
  'get-stderr-tail': channel<{ lines: string[] }>()(z.object({ lines: z.number().int().min(1).max(1000).optional() }).strict()),
  /**
   * Opens a link in the system browser. Only `http:`, `https:` and `mailto:` URLs
   * are opened; in web mode main answers `opened: false` and the browser client
   * opens the tab itself (a server cannot open the user's browser).
   */
  'open-external': channel<{ opened: boolean }>()(z.object({ url: z.string().min(1).max(4096) }).strict()),
  /**
   * Shows the chat window on `session` (quick ask's "Open in Chat"). In web mode
   * main answers `opened: false` and the page goes to the chat itself.
   */
  'open-chat': channel<{ opened: boolean }>()(z.object({ session: z.string().min(1).max(512) }).strict()),
  /** The models a send can name: providers, the default model and the fallback chain (the model picker). */
  'list-models': channel<z.infer<typeof ModelsPayloadSchema>>()(NoArgs),
  /** Sets or clears a session's display title and pin; the key stays. */
  'update-session': channel<z.infer<typeof UpdateSessionPayloadSchema>>()(UpdateSessionRequestSchema.omit(WIRE_ONLY).strict()),
  /** Moves a session to the trash folder of the data dir; answers the trash id that `restore-session` takes. */
  'delete-session': channel<z.infer<typeof DeleteSessionPayloadSchema>>()(DeleteSessionRequestSchema.omit(WIRE_ONLY).strict()),
  /** Puts a deleted session back, with its title and pin (the Undo of a delete). */
  'restore-session': channel<z.infer<typeof RestoreSessionPayloadSchema>>()(RestoreSessionRequestSchema.omit(WIRE_ONLY).strict()),
  /** Searches titles and message text across every session, one page at a time. */
  'search-sessions': channel<SearchPayload>()(SearchRequestSchema.omit(WIRE_ONLY).strict()),
  /**
   * The tool calls waiting for an answer now, in the order asked: a window that
   * opens or reloads while calls wait missed their `approval.requested` events.
   */
  'list-approvals': channel<{ approvals: WaitingApproval[] }>()(NoArgs),
  /**
   * Answers an `approval.requested` gateway event: run the call once, run the tool
   * without asking for the rest of the session, or deny it. `not_found` (as a
   * `gateway_error`) when the call no longer waits (answered elsewhere, timed out).
   */
  approve: channel<z.infer<typeof ApprovePayloadSchema>>()(ApproveRequestSchema.omit(WIRE_ONLY).strict()),
} as const;

export type BridgeChannel = keyof typeof BRIDGE_REQUESTS;

/** The argument object a channel takes (before validation). */
export type BridgeArgs<C extends BridgeChannel> = z.input<(typeof BRIDGE_REQUESTS)[C]['args']>;
/** The argument object a channel takes after validation (what handlers get). */
export type BridgeParsedArgs<C extends BridgeChannel> = z.output<(typeof BRIDGE_REQUESTS)[C]['args']>;
/** What a channel answers with. */
export type BridgeResult<C extends BridgeChannel> = NonNullable<(typeof BRIDGE_REQUESTS)[C]['result']>;


// ---------------------------------------------------------------------------
// Answers

/** Why a bridge call failed: a companion error, or the bridge refusing the call itself. */
export type BridgeErrorCode =
  | CompanionErrorCode
  /** The channel does not exist. */
  | 'unknown_channel'
  /** The caller is not allowed to use the bridge (foreign frame, origin or token). */
  | 'forbidden'
  /** The transport to main is gone (web mode: the WebSocket closed); the call may not have run. */
  | 'disconnected'
  /** A bug in main; the message says what broke. */
  | 'internal';

/** Plain data describing a failed call; `details` carries what the status view can show. */
export interface BridgeErrorData {
  code: BridgeErrorCode;
  message: string;
  details?: CompanionErrorDetails;
}

/** The envelope every request channel answers with. */
export type BridgeReply<T> = { ok: true; value: T } | { ok: false; error: BridgeErrorData };

// ---------------------------------------------------------------------------
// Events (main → renderer)

/** Every event channel and its payload. */
export interface BridgeEvents {
  /** Every gateway transition and every tray-visible setting change. */
  'state-changed': CompanionState;
  /**
   * A gateway event (`reply.delta`, `reply`, `heartbeat`, `session.updated`, the tool
   * events and the approval events of every run); a CLI send gives a `reply`.
   */
  'gateway-event': Event;
}

export type BridgeEventName = keyof BridgeEvents;

// ---------------------------------------------------------------------------
// The object the renderer sees

/**
 * The one object the preload exposes (as `window.tether`) and the web client
 * implements over a WebSocket. Raw transport: answers are envelopes. The renderer
 * wraps it in a client that throws a typed error for `ok: false`.
 */
export interface TetherBridge {
  invoke<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeReply<BridgeResult<C>>>;
  /** Subscribes to an event channel; returns the function that unsubscribes. */
  on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void;
}
