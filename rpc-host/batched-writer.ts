/**
 * Writes protocol lines to a stream with one system call for all the lines of a
 * turn of the event loop.
 *
 * One send produces several lines in a row (events, then its result), across
 * promise continuations. Corking until `setImmediate` gathers every line written
 * while the current input is handled, its microtasks included, into one `writev`;
 * uncorking on `process.nextTick` (as this did before) flushed before the
 * microtasks ran, so each line cost a syscall of its own and a wake-up of the
 * reader (measured with strace: 7 writes per send, now 2).
 */
import type { Writable } from 'node:stream';

/** Returns a write function for `stream`; its result is `stream.write`'s (false: the stream is backed up). */
export function batchedWriter(stream: Writable): (line: string) => boolean {
  let corked = false;
  const flush = () => {
    corked = false;
    stream.uncork();
  };
  return (line) => {
    if (!corked) {
      corked = true;
      stream.cork();
      setImmediate(flush);
    }
    return stream.write(line);
  };
}
