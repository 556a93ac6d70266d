/**
 * Serves the built renderer (dist/renderer) with the headers a local app page needs:
 * a strict Content-Security-Policy (scripts and styles from this server only, no
 * inline code, no eval, sockets only to this server), no framing, no sniffing, and
 * no referrer (the page URL holds the token).
 */
import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, resolve, sep } from 'node:path';
import { RENDERER_VIEW_PATHS, rendererCsp } from '../core/app-protocol.js';
import { contentTypeOf } from '../core/content-types.js';

/** The Content-Security-Policy of every page this server sends: the renderer's own, plus its bridge socket. */
export function contentSecurityPolicy(port: number): string {
  return rendererCsp([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
}

/** Headers every answer carries, refusals included. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/**
 * Paths browsers ask for on their own, and the file that answers each: every
 * browser requests `/favicon.ico` whatever the page links, and a 404 on each load
 * is noise in the console (the app's icon is a PNG; the type header says so).
 */
const WELL_KNOWN: Record<string, string> = { '/favicon.ico': 'favicon.png' };

/**
 * Maps a URL path to a file under `root`, or undefined when it would leave `root`
 * or names no file. `/` is the index page.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined; // malformed escape
  }
  if (decoded.includes('\0')) return undefined;
  const relativePath = decoded === '/' || RENDERER_VIEW_PATHS.has(decoded) ? 'index.html' : (WELL_KNOWN[decoded] ?? decoded.replace(/^\/+/u, ''));
  const base = resolve(root);
  const file = resolve(join(base, relativePath));
  if (file !== base && !file.startsWith(base + sep)) return undefined; // escapes the root
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Streams a file with its type; the index page is never cached (it changes with each build). */
export function sendFile(response: ServerResponse, file: string, headers: Record<string, string>): void {
  const type = contentTypeOf(file);
  const isIndex = file.endsWith('index.html');
  response.writeHead(200, {
    ...headers,
    'Content-Type': type,
    'Cache-Control': isIndex ? 'no-store' : 'private, max-age=3600',
  });
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}
