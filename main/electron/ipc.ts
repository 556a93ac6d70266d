/**
 * The bridge over Electron IPC: one `ipcMain.handle` per request channel, thin over
 * `BridgeService`, and the events pushed to the chat window.
 *
 * Every call is checked twice before it reaches the companion: the sender must be
 * the top frame of an app window showing a page of `app://tether/` (a frame that
 * navigated elsewhere, an iframe, or another web contents is refused), and its
 * arguments must match the channel's zod schema. A refusal is logged with the
 * channel and the reason, and answered as `forbidden` or `invalid_request`.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Logger } from '../../rpc-host/shared.js';
import { isAppUrl } from '../core/app-protocol.js';
import { BRIDGE_CHANNELS, ipcChannelFor } from '../bridge/channels.js';
import { type BridgeChannel, type BridgeEventName, type BridgeEvents, type BridgeReply } from '../bridge/contract.js';
import { parseBridgeArgs, type BridgeService } from '../bridge/service.js';
import type { Unsubscribe } from '../core/emitter.js';

/** What the IPC handlers serve from, how they recognise the app's windows, and where refusals are logged. */
export interface BridgeIpcOptions {
  service: Pick<BridgeService, 'handleParsed'>;
  /** True for the web contents of the app's own windows. */
  isAppContents: (contents: WebContents) => boolean;
  logger: Logger;
}

/** Why a call's sender is refused, or null when it may call. */
export function senderRefusal(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, isAppContents: (contents: WebContents) => boolean): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone (navigated or closed)';
  if (frame.parent !== null) return `the sender is a subframe (${frame.url})`;
  if (!isAppUrl(frame.url)) return `the sender's page ${JSON.stringify(frame.url)} is not on the app's origin`;
  if (!isAppContents(event.sender)) return 'the sender is not one of the app windows';
  return null;
}

/** Registers a handler for every request channel; returns the function that removes them. */
export function registerBridgeIpc(options: BridgeIpcOptions): Unsubscribe {
  for (const channel of BRIDGE_CHANNELS) {
    ipcMain.handle(ipcChannelFor(channel), (event, rawArgs: unknown) => handleCall(channel, event, rawArgs, options));
  }
  return () => {
    for (const channel of BRIDGE_CHANNELS) ipcMain.removeHandler(ipcChannelFor(channel));
  };
}

async function handleCall(channel: BridgeChannel, event: IpcMainInvokeEvent, rawArgs: unknown, options: BridgeIpcOptions): Promise<BridgeReply<unknown>> {
  const refusal = senderRefusal(event, options.isAppContents);
  if (refusal !== null) {
    options.logger.warn(`ipc ${channel}: refused: ${refusal}`);
    return { ok: false, error: { code: 'forbidden', message: `${channel}: refused: ${refusal}` } };
  }
  const parsed = parseBridgeArgs(channel, rawArgs);
  if (!parsed.ok) {
    options.logger.warn(`ipc ${channel}: refused: ${parsed.error.message}`);
    return parsed;
  }
  return options.service.handleParsed(channel, parsed.value);
}

/** Sends one bridge event to a web contents, unless it is gone. */
export function sendBridgeEvent<E extends BridgeEventName>(contents: WebContents | undefined, event: E, payload: BridgeEvents[E]): void {
  if (!contents || contents.isDestroyed()) return; // no window to tell
  contents.send(ipcChannelFor(event), payload);
}
