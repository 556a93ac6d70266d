/**
 * The line transport on its own, over real streams: framing of what comes in
 * (chunk boundaries, split UTF-8, CRLF, U+2028, no final LF, oversize lines),
 * backpressure on what goes out (lines wait for `drain` in order, and are announced
 * as written only when handed over), close while lines are queued, stream errors,
 * and the same transport over a socket (a `Duplex`).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamLineTransport, type DroppedLine, type TransportClosed, type TransportError } from '../../../main/core/line-transport.js';
import { heldWritable } from '../../helpers/held-writable.js';

/** Lets stream callbacks and 'data' events scheduled with process.nextTick run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => process.nextTick(resolve));
}

/** A transport over two PassThroughs, recording everything it reports. */
function overPipes(maxLineBytes?: number) {
  const input = new PassThrough(); // what the peer writes (a child's stdout)
  const output = new PassThrough(); // what the transport writes (a child's stdin)
  const transport = new StreamLineTransport({ readable: input, writable: output, ...(maxLineBytes !== undefined ? { maxLineBytes } : {}) });
  const lines: string[] = [];
  const dropped: DroppedLine[] = [];
  const errors: TransportError[] = [];
  const closes: TransportClosed[] = [];
  transport.onDidReceiveLine((line) => lines.push(line));
  transport.onDidDropLine((drop) => dropped.push(drop));
  transport.onDidError((error) => errors.push(error));
  transport.onDidClose((closed) => closes.push(closed));
  let written = '';
  output.setEncoding('utf8');
  output.on('data', (text: string) => {
    written += text;
  });
  return { transport, input, output, lines, dropped, errors, closes, written: () => written };
}


describe('StreamLineTransport: reading lines', () => {
  it('joins a line split across chunks, with UTF-8 characters split between them', async () => {
    const pipes = overPipes();
    const text = '{"preview":"héllo 🙂 wörld — ok"}';
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    const emoji = bytes.indexOf(Buffer.from('🙂', 'utf8'));
    const cuts = [3, emoji + 1, emoji + 3, bytes.indexOf(Buffer.from('ö', 'utf8')) + 1, bytes.length - 1, bytes.length];
    let start = 0;
    for (const cut of cuts) {
      pipes.input.write(bytes.subarray(start, cut));
      await flush();
      if (cut < bytes.length) expect(pipes.lines).toEqual([]);
      start = cut;
    }
    expect(pipes.lines).toEqual([text]);
  });

  it('splits several lines in one chunk, in order, and a line across the next', async () => {
    const pipes = overPipes();
    pipes.input.write('{"a":1}\n{"b":2}\n{"c":');
    await flush();
    expect(pipes.lines).toEqual(['{"a":1}', '{"b":2}']);
    pipes.input.write('3}\n');
    await flush();
    expect(pipes.lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('strips a CR before the LF, and does not split on U+2028 or U+2029', async () => {
    const pipes = overPipes();
    pipes.input.write('{"t":"crlf"}\r\n{"t":"a\u2028b\u2029c"}\n');
    await flush();
    expect(pipes.lines).toEqual(['{"t":"crlf"}', '{"t":"a\u2028b\u2029c"}']);
  });

  it('hands out a last line without LF when the input ends, then closes (by the peer)', async () => {
    const pipes = overPipes();
    pipes.input.end('{"last":true}');
    await flush();
    expect(pipes.lines).toEqual(['{"last":true}']);
    expect(pipes.closes).toEqual([{ by: 'peer' }]);
  });

  it('drops a line over the cap (once, with its number) and reads on from the next one', async () => {
    const pipes = overPipes(16);
    pipes.input.write(`${'x'.repeat(16)}\n`); // exactly the cap: fine
    pipes.input.write('y'.repeat(10));
    pipes.input.write(`${'y'.repeat(10)}\n`); // 20 bytes over two chunks
    pipes.input.write('{"after":1}\n');
    await flush();
    expect(pipes.lines).toEqual(['x'.repeat(16), '{"after":1}']);
    expect(pipes.dropped).toEqual([{ lineNumber: 2, maxBytes: 16 }]);
  });

  it('a listener that throws is reported and the others still get the line', async () => {
    const input = new PassThrough();
    const reported: unknown[] = [];
    const transport = new StreamLineTransport({ readable: input, writable: new PassThrough(), onListenerError: (error) => reported.push(error) });
    const seen: string[] = [];
    transport.onDidReceiveLine(() => {
      throw new Error('listener broke');
    });
    transport.onDidReceiveLine((line) => seen.push(line));
    input.write('{}\n');
    await flush();
    expect(seen).toEqual(['{}']);
    expect(reported).toEqual([new Error('listener broke')]);
  });
});

describe('StreamLineTransport: writing lines', () => {
  it('adds the LF and announces each line as written when the stream takes it', async () => {
    const pipes = overPipes();
    const written: string[] = [];
    pipes.transport.send('{"n":1}', () => written.push('1'));
    pipes.transport.send('{"n":"\u2028"}', () => written.push('2'));
    expect(written).toEqual(['1', '2']);
    await flush();
    expect(pipes.written()).toBe('{"n":1}\n{"n":"\u2028"}\n');
    expect(pipes.transport.queuedLines).toBe(0);
  });

  it('waits for drain once the stream is full, then writes the queued lines in order, announcing each as it goes', async () => {
    const out = heldWritable();
    const transport = new StreamLineTransport({ readable: new PassThrough(), writable: out.stream });
    const announced: number[] = [];
    for (let n = 1; n <= 4; n++) transport.send(`{"n":${n}}`, () => announced.push(n));
    // The first write filled the stream: the other three wait, unannounced.
    expect(out.received).toEqual(['{"n":1}\n']);
    expect(announced).toEqual([1]);
    expect(transport.queuedLines).toBe(3);

    const queuedOverTime: number[] = [];
    while (out.held.length > 0) {
      out.held.shift()!(); // the line is out: 'drain' follows
      await flush();
      queuedOverTime.push(transport.queuedLines);
    }
    expect(queuedOverTime).toEqual([2, 1, 0, 0]);
    expect(announced).toEqual([1, 2, 3, 4]);
    expect(out.received).toEqual(['{"n":1}\n', '{"n":2}\n', '{"n":3}\n', '{"n":4}\n']);
  });

  it('a line sent while others wait goes behind them, not ahead', async () => {
    const out = heldWritable();
    const transport = new StreamLineTransport({ readable: new PassThrough(), writable: out.stream });
    transport.send('a');
    transport.send('b');
    out.held.shift()!();
    transport.send('c'); // 'drain' has not come yet: 'b' is still queued
    await flush();
    while (out.held.length > 0) {
      out.held.shift()!();
      await flush();
    }
    expect(out.received).toEqual(['a\n', 'b\n', 'c\n']);
  });

  it('close drops the queued lines unannounced, writes nothing more, closes once (locally) and leaves the stream open', async () => {
    const out = heldWritable();
    const transport = new StreamLineTransport({ readable: new PassThrough(), writable: out.stream });
    const closes: TransportClosed[] = [];
    transport.onDidClose((closed) => closes.push(closed));
    const announced: string[] = [];
    transport.send('first', () => announced.push('first'));
    transport.send('second', () => announced.push('second'));
    expect(transport.queuedLines).toBe(1);

    transport.close();
    transport.close();
    expect(transport.queuedLines).toBe(0);
    expect(closes).toEqual([{ by: 'local' }]);
    out.held.shift()!(); // 'drain' comes: nothing is left to write
    await flush();
    transport.send('after', () => announced.push('after'));
    await flush();
    expect(out.received).toEqual(['first\n']);
    expect(announced).toEqual(['first']);
    expect(out.stream.writable).toBe(true); // the owner ends it, not the transport
  });

  it('a line handed to a destroyed stream is not announced as written, and nothing throws', async () => {
    const pipes = overPipes();
    pipes.output.destroy();
    const announced: string[] = [];
    expect(() => pipes.transport.send('{"late":1}', () => announced.push('late'))).not.toThrow();
    await flush();
    expect(announced).toEqual([]);
  });

  it('reports stream errors (EPIPE on the writable, one on the readable) instead of throwing', async () => {
    const pipes = overPipes();
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(() => pipes.output.emit('error', epipe)).not.toThrow();
    const reset = new Error('read ECONNRESET');
    expect(() => pipes.input.emit('error', reset)).not.toThrow();
    expect(pipes.errors).toEqual([
      { error: epipe, stream: 'writable' },
      { error: reset, stream: 'readable' },
    ]);
  });

  it('after close, input is still read (a peer never blocks on a full pipe) but no line is handed out', async () => {
    const pipes = overPipes();
    pipes.transport.close();
    for (let i = 0; i < 100; i++) pipes.input.write(`{"n":${i}}\n`);
    await flush();
    expect(pipes.lines).toEqual([]);
    expect(pipes.input.readableLength).toBe(0);
  });
});

describe('StreamLineTransport over a Duplex (a socket)', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.length = 0;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('carries lines both ways over one socket, and closes when the peer ends', async () => {
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer((socket) => resolve(socket));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server!.address() as { port: number };
    const clientSocket = connect(port, '127.0.0.1');
    sockets.push(clientSocket);
    const serverSocket = await accepted;
    sockets.push(serverSocket);

    const client = StreamLineTransport.fromDuplex(clientSocket);
    const host = StreamLineTransport.fromDuplex(serverSocket);
    const atHost: string[] = [];
    const atClient: string[] = [];
    const clientCloses: TransportClosed[] = [];
    host.onDidReceiveLine((line) => {
      atHost.push(line);
      host.send(`{"echo":${line}}`);
    });
    client.onDidReceiveLine((line) => atClient.push(line));
    client.onDidClose((closed) => clientCloses.push(closed));

    client.send('{"n":1}');
    client.send('{"n":"é\u2028"}');
    await expect.poll(() => atClient).toHaveLength(2);
    expect(atHost).toEqual(['{"n":1}', '{"n":"é\u2028"}']);
    expect(atClient).toEqual(['{"echo":{"n":1}}', '{"echo":{"n":"é\u2028"}}']);

    serverSocket.end('{"bye":true}'); // a last line without LF, then the end
    await expect.poll(() => clientCloses).toEqual([{ by: 'peer' }]);
    expect(atClient.at(-1)).toBe('{"bye":true}');
  });

  it("names a socket's error 'duplex'", () => {
    const socket = new PassThrough(); // a Duplex, as a socket is
    const transport = StreamLineTransport.fromDuplex(socket);
    const errors: TransportError[] = [];
    transport.onDidError((error) => errors.push(error));
    const reset = new Error('read ECONNRESET');
    socket.emit('error', reset);
    expect(errors).toEqual([{ error: reset, stream: 'duplex' }]);
  });
});
