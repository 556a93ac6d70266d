/**
 * The bridge contract over a WebSocket: a thin transport over `BridgeService`, so
 * the browser gets exactly what the Electron preload gives (same channels, same
 * argument checks, same envelopes, same events).
 *
 * Frames are JSON text: the browser sends `WebRequestFrame`s, the server answers
 * each with a `WebResponseFrame` carrying the request's `id`, pushes
 * `WebEventFrame`s, and answers a frame it cannot read with a `WebErrorFrame`.
 * The upgrade itself is checked by the request guard before a socket exists.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../../rpc-host/shared.js';
import { describeIssues, errorMessage } from '../../rpc-host/protocol/errors.js';
import { WebRequestFrameSchema, type WebServerFrame } from './frames.js';
import type { BridgeService } from '../bridge/service.js';

/** A client that stops reading gets disconnected rather than buffered forever. */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** Serves one connected browser until its socket closes. */
export function serveBridgeSocket(socket: WebSocket, service: BridgeService, logger: Logger): void {
  const send = (frame: WebServerFrame): void => {
    if (socket.readyState !== socket.OPEN) return; // closed meanwhile: nothing to tell
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      logger.warn(`web bridge: a browser is not reading (${socket.bufferedAmount} bytes queued); disconnecting it`);
      socket.close(1013, 'too much unread data; reload the page');
      return;
    }
    socket.send(JSON.stringify(frame));
  };

  const unsubscribe = service.subscribe((event, payload) => send({ kind: 'event', event, payload } as WebServerFrame));

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      send({ kind: 'error', error: { code: 'invalid_request', message: 'binary frames are not part of the bridge; send JSON text frames' } });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch (error) {
      send({ kind: 'error', error: { code: 'invalid_request', message: `frame is not JSON (${errorMessage(error)})` } });
      return;
    }
    const frame = WebRequestFrameSchema.safeParse(value);
    if (!frame.success) {
      send({ kind: 'error', error: { code: 'invalid_request', message: `bad request frame: ${describeIssues(frame.error.issues, 'frame')}` } });
      return;
    }
    const { id, channel, args } = frame.data;
    void service.handle(channel, args).then((reply) => send({ kind: 'response', id, reply }));
  });

  socket.on('close', () => unsubscribe());
  socket.on('error', (error) => logger.warn(`web bridge: socket error: ${error.message}`));
}
