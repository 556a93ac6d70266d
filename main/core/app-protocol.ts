/**
 * The app's own origin, `app://tether/`, and the file server behind it.
 *
 * The chat window loads the built renderer (dist/renderer) from this custom scheme,
 * never from a remote URL or `file:` (a `file:` page could read any local file it
 * can name). Every response carries the renderer's Content Security Policy, and the
 * IPC handlers accept calls only from frames whose URL is on this origin. Plain
 * Node (the handler takes a fetch `Request` and returns a `Response`), so it is
 * tested without Electron; the adapter registers it with `protocol.handle`.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { contentTypeOf } from './content-types.js';

/** The custom scheme the renderer is served from. */
export const APP_SCHEME = 'app';
/** The one host on that scheme. */
export const APP_HOST = 'tether';
/** The renderer's start page. */
export const APP_START_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
/** Quick ask's page: the same renderer, which shows the quick-ask view on this path. */
export const QUICK_ASK_URL = `${APP_SCHEME}://${APP_HOST}/quick`;

/**
 * Views of the renderer on their own path, each answered with the index page (the
 * renderer picks the view from the path; renderer/src/model/view-route.ts). Shared
 * by the app scheme and the web mode's server.
 */
export const RENDERER_VIEW_PATHS: ReadonlySet<string> = new Set(['/quick']);

/**
 * The renderer's Content Security Policy: its own scripts and styles only (no
 * inline script, no eval, no inline style), images also as `data:`, no plugins, no
 * frames, no forms, no connections anywhere but its own origin and `connectTo`.
 * One policy for both hosts of the renderer: the Electron window (whose bridge is
 * the preload, so it connects nowhere) and the web mode (which adds its WebSocket).
 */
export function rendererCsp(connectTo: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...connectTo].join(' '),
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The policy of the Electron window's pages (`app://tether/`). */
export const RENDERER_CSP = rendererCsp();

/**
 * True when `url` is a page of the app's own origin (`app://tether/...`).
 *
 * Compared by scheme and host: for a non-special scheme the WHATWG `origin` is
 * the opaque "null", which would match any other opaque origin.
 */
export function isAppUrl(url: string | undefined | null): boolean {
  if (typeof url !== 'string' || url === '') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // not a URL at all
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.hostname === APP_HOST && parsed.port === '' && parsed.username === '' && parsed.password === '';
}

/** Where the handler serves from, and what it reports a refused request to. */
export interface AppFileHandlerOptions {
  /** The built renderer folder (dist/renderer). */
  root: string;
  /** Told about every request that gets no file (why, for the log). */
  onRefused?: (url: string, status: number, reason: string) => void;
}

/**
 * Creates the `app://tether/` handler: GET and HEAD of files under `root` only.
 *
 * `/` serves `index.html`; a path that leaves `root` (`..`, encoded or not), another
 * host, or a folder answers 403/404, never a file outside the renderer.
 */
export function createAppFileHandler(options: AppFileHandlerOptions): (request: Request) => Promise<Response> {
  const root = resolve(options.root);
  const refuse = (url: string, status: number, reason: string): Response => {
    options.onRefused?.(url, status, reason);
    return new Response(`${status} ${reason}\n`, { status, headers: baseHeaders('text/plain; charset=utf-8') });
  };
  return async (request) => {
    const url = request.url;
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(url, 405, `method ${request.method} is not allowed`);
    if (!isAppUrl(url)) return refuse(url, 403, 'not an app:// URL of this app');
    const file = resolveAppPath(root, new URL(url).pathname);
    if (file === null) return refuse(url, 403, 'the path leaves the renderer folder');
    try {
      const info = await stat(file);
      if (!info.isFile()) return refuse(url, 404, 'not a file');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, { status: 200, headers: { ...baseHeaders(contentTypeOf(file)), 'content-length': String(info.size) } });
    } catch {
      const hint = file === join(root, 'index.html') ? ` (${file} is missing: run "npm run build")` : '';
      return refuse(url, 404, `no such file${hint}`);
    }
  };
}

/** Maps a URL path onto a file under `root`; null when it would leave `root`. */
export function resolveAppPath(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed percent-encoding
  }
  if (decoded.includes('\0')) return null;
  const wanted = decoded === '/' || decoded === '' || RENDERER_VIEW_PATHS.has(decoded) ? '/index.html' : decoded;
  const file = resolve(root, `.${wanted.startsWith('/') ? wanted : `/${wanted}`}`);
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) return null;
  return file;
}

function baseHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': RENDERER_CSP,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
}
