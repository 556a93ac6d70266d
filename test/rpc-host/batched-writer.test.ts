/**
 * The lines written while one input is handled (its promise continuations
 * included) reach the stream in one write; the next turn's lines in the next.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { batchedWriter } from '../../rpc-host/batched-writer.js';

/** A stream that records each write it gets: one entry per system call it would make. */
function recordingStream(): { stream: Writable; writes: string[][] } {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, writes };
}

/** Past the handler's timer and the check phase after it (where the writer flushes, before this). */
const nextTurn = async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));
};

describe('batchedWriter', () => {
  it('writes the lines of a handler and of its promise continuations together', async () => {
    const { stream, writes } = recordingStream();
    const write = batchedWriter(stream);
    setTimeout(() => {
      write('event\n'); // in the handler itself
      void Promise.resolve()
        .then(() => write('reply\n')) // after an await
        .then(() => write('result\n')); // after another
    }, 0);
    await nextTurn();
    expect(writes).toEqual([['event\n', 'reply\n', 'result\n']]);
    write('later\n');
    await nextTurn();
    expect(writes).toEqual([['event\n', 'reply\n', 'result\n'], ['later\n']]);
  });

  it('passes on backpressure: false once the stream is full', () => {
    const stream = new Writable({ highWaterMark: 4, write: () => {} }); // never drains
    const write = batchedWriter(stream);
    expect(write('ab\n')).toBe(true);
    expect(write('cdef\n')).toBe(false);
  });
});
