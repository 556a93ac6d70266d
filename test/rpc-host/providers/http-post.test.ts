/**
 * The providers' keep-alive POST: a request that meets a connection the server
 * closed while it sat idle in the pool is sent again on a new connection, once;
 * an abort and a refused connection reject with the socket's own error.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PostCancel, postStreaming, readText } from '../../../rpc-host/providers/http-post.js';
import { closedPort } from '../../helpers/webhook-receiver.js';

const OK = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok';

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy(); // kept-alive connections would hold close() open
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A raw HTTP server: the first connection answers one request and resets on the next; later ones answer each request. */
async function startResettingServer(): Promise<{ url: URL; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  server = createServer((socket: Socket) => {
    sockets.add(socket);
    const connection = ++connections;
    let answered = 0;
    socket.on('data', (chunk) => {
      if (!chunk.includes('\r\n\r\n')) return; // bodies here are tiny: headers and body arrive together
      requests++;
      if (connection === 1 && answered === 1) {
        socket.resetAndDestroy(); // closed as the client reused it
        return;
      }
      answered++;
      socket.write(OK);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: new URL(`http://127.0.0.1:${port}/x`), connections: () => connections, requests: () => requests };
}

describe('postStreaming', () => {
  it('sends a request again on a new connection when the kept-alive one was reset under it', async () => {
    const fake = await startResettingServer();
    const first = await postStreaming(fake.url, {}, '{}', new PostCancel());
    expect(await readText(first.body)).toBe('ok');
    const second = await postStreaming(fake.url, {}, '{}', new PostCancel());
    expect(second.status).toBe(200);
    expect(await readText(second.body)).toBe('ok');
    expect(fake.connections()).toBe(2);
    expect(fake.requests()).toBe(3); // the reset one, then its retry
  });

  it('rejects with the socket error when nothing listens, and with an AbortError when cancelled', async () => {
    const refused = await postStreaming(new URL(`http://127.0.0.1:${await closedPort()}/`), {}, '{}', new PostCancel()).catch((error: unknown) => error);
    expect(String((refused as Error).message)).toMatch(/connect ECONNREFUSED 127\.0\.0\.1:\d+/);
    const fake = await startResettingServer();
    const early = new PostCancel();
    early.cancel();
    await expect(postStreaming(fake.url, {}, '{}', early)).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    const inFlight = new PostCancel();
    const pending = postStreaming(fake.url, {}, '{}', inFlight);
    inFlight.cancel();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a cancel after the headers destroys the body, so its reader fails instead of waiting', async () => {
    // Headers and the first part of a body, then nothing: a stalled stream.
    server = createServer((socket: Socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 10\r\n\r\nhalf'));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const cancel = new PostCancel();
    const response = await postStreaming(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`), {}, '{}', cancel);
    const reading = readText(response.body);
    cancel.cancel();
    await expect(reading).rejects.toThrow();
    expect(response.body.destroyed).toBe(true);
  });
});
