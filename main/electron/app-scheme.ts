/**
 * Registers `app://tether/` and serves the built renderer on it.
 *
 * The scheme must be declared privileged before the app is ready (standard, so
 * relative URLs and `'self'` work; secure, so it counts as a secure context); the
 * file serving itself is `createAppFileHandler`, which adds the CSP to every response.
 */
import { protocol } from 'electron';
import type { Logger } from '../../rpc-host/shared.js';
import { APP_SCHEME, createAppFileHandler } from '../core/app-protocol.js';

/** Declares the app scheme; call once, before `app` is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Serves `rendererDir` on the app scheme of the default session; call after ready. */
export function serveRenderer(rendererDir: string, logger: Logger): void {
  const handler = createAppFileHandler({
    root: rendererDir,
    onRefused: (url, status, reason) => logger.warn(`${APP_SCHEME}: ${status} for ${url}: ${reason}`),
  });
  protocol.handle(APP_SCHEME, handler);
}
