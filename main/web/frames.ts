/**
 * The web mode's WebSocket frames (JSON text frames) that carry the bridge
 * contract between a browser tab and `tether app --web`: one request frame from
 * the browser, and answer, event and error frames from the server.
 */
import { z } from 'zod';
import type { BridgeErrorData, BridgeEventName, BridgeEvents, BridgeReply } from '../bridge/contract.js';

/** Browser → server: one request. `id` is the client's own, echoed on the answer. */
export const WebRequestFrameSchema = z
  .object({
    kind: z.literal('request'),
    id: z.number().int().nonnegative(),
    channel: z.string().min(1).max(64),
    args: z.unknown(),
  })
  .strict();
export type WebRequestFrame = z.infer<typeof WebRequestFrameSchema>;

/** Server → browser: the answer to one request. */
export interface WebResponseFrame {
  kind: 'response';
  id: number;
  reply: BridgeReply<unknown>;
}

/** Server → browser: one event. */
export interface WebEventFrame<E extends BridgeEventName = BridgeEventName> {
  kind: 'event';
  event: E;
  payload: BridgeEvents[E];
}

/** Server → browser: a frame the server could not read (not JSON, wrong shape). */
export interface WebErrorFrame {
  kind: 'error';
  error: BridgeErrorData;
}

export type WebServerFrame = WebResponseFrame | WebEventFrame | WebErrorFrame;
