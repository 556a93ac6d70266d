/**
 * The chat window's security settings and the guards every web page gets.
 *
 * The renderer shows model output (markdown, links), so it is treated as
 * untrusted: isolated from Node and from the preload's world, sandboxed, held to
 * its own origin. Navigation and new windows are refused; a link is handed to the
 * system browser only when `isSafeExternalUrl` accepts it. Permission requests
 * (camera, notifications, clipboard reads...) are denied: the UI needs none.
 */
import type { BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron';
import { errorMessage } from '../../rpc-host/protocol/errors.js';
import type { Logger } from '../../rpc-host/shared.js';
import { isAppUrl } from '../core/app-protocol.js';
import { isSafeExternalUrl } from '../core/external-url.js';

/** The web preferences of every app window: the locked-down set, and the preload. */
export function secureWebPreferences(preload: string, options: { devTools: boolean }): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    devTools: options.devTools,
  };
}

/** The chat window's constructor options (hidden until its page is ready). */
export function chatWindowOptions(input: {
  preload: string;
  bounds: { x?: number; y?: number; width: number; height: number };
  minSize: { width: number; height: number };
  devTools: boolean;
  icon?: string;
}): BrowserWindowConstructorOptions {
  return {
    ...input.bounds,
    minWidth: input.minSize.width,
    minHeight: input.minSize.height,
    title: 'Tether',
    show: false,
    autoHideMenuBar: true,
    ...(input.icon !== undefined ? { icon: input.icon } : {}),
    webPreferences: secureWebPreferences(input.preload, { devTools: input.devTools }),
  };
}

/** The quick-ask window's size: one composer and a short reply; it scrolls for longer ones. */
export const QUICK_ASK_SIZE = { width: 640, height: 360 } as const;

/**
 * The quick-ask window's constructor options: the same locked-down page, small,
 * frameless, always on top, kept out of the taskbar (it is a launcher, not a window
 * to switch to), hidden until the shortcut shows it.
 */
export function quickAskWindowOptions(input: { preload: string; devTools: boolean }): BrowserWindowConstructorOptions {
  return {
    ...QUICK_ASK_SIZE,
    title: 'Tether quick ask',
    show: false,
    frame: false,
    resizable: true,
    alwaysOnTop: true,
    skipTaskbar: true,
    fullscreenable: false,
    minimizable: false,
    maximizable: false,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(input.preload, { devTools: input.devTools }),
  };
}

/** What the guards need from outside: the system browser, and a log. */
export interface ContentsGuardOptions {
  openExternal: (url: string) => Promise<void>;
  logger: Logger;
}

/**
 * Guards one web contents: no navigation away from the app, no new windows, no
 * `<webview>`. A refused link that is safe to open goes to the system browser.
 */
export function guardWebContents(contents: WebContents, options: ContentsGuardOptions): void {
  const handOff = (url: string, why: string) => {
    const verdict = isSafeExternalUrl(url);
    if (!verdict.ok) {
      options.logger.warn(`${why}: refused ${JSON.stringify(url.slice(0, 200))}: ${verdict.reason}`);
      return;
    }
    options.logger.info(`${why}: opening ${verdict.url} in the system browser`);
    options.openExternal(verdict.url).catch((error: unknown) => options.logger.warn(`cannot open ${verdict.url}: ${errorMessage(error)}`));
  };
  contents.on('will-navigate', (event, url) => {
    event.preventDefault(); // the app is one page; links leave through the system browser
    if (!isAppUrl(url)) handOff(url, 'navigation');
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault(); // a redirect must not take the page off the app's origin
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    options.logger.warn('refused to attach a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    handOff(url, 'new window');
    return { action: 'deny' };
  });
}

/** Denies every permission request and check on `session`, with a log line for requests. */
export function denyPermissions(session: Session, logger: Logger): void {
  session.setPermissionRequestHandler((contents, permission, callback) => {
    logger.warn(`denied the permission "${permission}" asked by ${contents.getURL()}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
}
