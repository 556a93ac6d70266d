/**
 * A writable stream that plays a full pipe: every write fills it (highWaterMark 1)
 * and its callback waits until the test releases it, so backpressure and
 * "written or not yet" can be checked one line at a time.
 */
import { Writable } from 'node:stream';

/** The stream, the held write callbacks (oldest first) and every chunk received, as text. */
export function heldWritable(): { stream: Writable; held: Array<(error?: Error | null) => void>; received: string[] } {
  const held: Array<(error?: Error | null) => void> = [];
  const received: string[] = [];
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk.toString('utf8'));
      held.push(callback);
    },
  });
  return { stream, held, received };
}
