/**
 * The desktop app: wires the companion core to the tray, the chat window, IPC and
 * notifications, and owns the app's lifecycle.
 *
 * - One instance: a second launch focuses the first one's chat window and exits.
 * - Closing the window hides it; the app lives in the tray until "Quit".
 * - Quitting runs the core's staged shutdown (the gateway gets its stdin closed,
 *   then SIGTERM, then SIGKILL) and waits for it before the process exits.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, session, shell } from 'electron';
import { BridgeService } from '../bridge/service.js';
import { createCompanion, type Companion, type CompanionOptions } from '../core/companion.js';
import { createFileLogger, type FileLogger } from '../core/file-logger.js';
import { defaultSettingsDir } from '../core/settings.js';
import type { TrayActionId, TrayToggleId } from '../core/menu-model.js';
import type { Logger } from '../../rpc-host/shared.js';
import { registerAppScheme, serveRenderer } from './app-scheme.js';
import { ChatWindow } from './chat-window.js';
import { registerBridgeIpc, sendBridgeEvent } from './ipc.js';
import { ReplyNotifier, showAppNotice } from './notifications.js';
import { appPaths, logDirFor } from './paths.js';
import { registerQuickAskShortcut, type ShortcutOutcome } from './quick-ask-shortcut.js';
import { QuickAskWindow } from './quick-ask-window.js';
import { TrayController } from './tray.js';
import { denyPermissions, guardWebContents } from './window-security.js';
import { errorMessage, errorStack } from '../../rpc-host/protocol/errors.js';

/** The app's name: the window and notification title, and its browser-data folder. */
export const APP_NAME = 'Tether';

/** The id Windows groups the app's notifications under (matches build/electron-builder.config.mjs). */
export const APP_USER_MODEL_ID = 'dev.tether.app';

/** The longest the quit sequence may take before the app exits anyway. */
export const QUIT_TIMEOUT_MS = 10_000;

/** What a test (or another embedding) may replace. */
export interface DesktopAppOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  argv?: readonly string[];
  createCompanion?: (options: CompanionOptions) => Companion;
  createLogger?: (dir: string) => FileLogger;
}

/** A running desktop app: its parts, for tests and for the quit sequence. */
export interface DesktopApp {
  companion: Companion;
  chat: ChatWindow;
  quickAsk: QuickAskWindow;
  /** How registering the quick-ask shortcut went. */
  shortcut: ShortcutOutcome;
  tray: TrayController;
  logger: FileLogger;
  logDir: string;
}

/**
 * Starts the app. Resolves with its parts once the tray and (unless `--hidden`)
 * the chat window are up, or with null when another instance already runs.
 */
export async function startDesktopApp(options: DesktopAppOptions = {}): Promise<DesktopApp | null> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const argv = options.argv ?? process.argv;

  registerAppScheme(); // must precede ready
  app.enableSandbox(); // every renderer sandboxed, whatever its webPreferences say
  // One name and one browser-data folder however it is started: packaged, or as
  // `electron dist/main/electron/entry.js` (which would otherwise be "Electron",
  // sharing its folder, and so its single-instance lock, with any such app).
  app.setName(APP_NAME);
  app.setPath('userData', join(app.getPath('appData'), APP_NAME));
  if (!app.requestSingleInstanceLock()) {
    app.quit(); // the running instance got 'second-instance' and shows its window
    return null;
  }
  let chat: ChatWindow | undefined;
  app.on('second-instance', () => chat?.show());
  app.on('window-all-closed', () => {}); // a tray app outlives its windows: do not quit
  if (platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  await app.whenReady();

  // The same settings folder as `tether app --web` and tools using tether/companion
  // (not `userData`, which follows the app's name and so differs between a packaged
  // app and a checkout run).
  const settingsDir = env.TETHER_SETTINGS_DIR ?? defaultSettingsDir(env, platform);
  const logDir = logDirFor(settingsDir, platform, homedir());
  const logger = (options.createLogger ?? defaultLogger(app.isPackaged))(logDir);
  const paths = appPaths({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath });
  logger.info(`tether ${app.getVersion()} starting (electron ${process.versions.electron ?? '?'}, ${platform}); renderer ${paths.rendererDir}, host ${paths.hostScript}`);
  const companion = (options.createCompanion ?? createCompanion)({
    settingsDir,
    ...(env.TETHER_HOME ? { dataDir: env.TETHER_HOME } : {}),
    hostScript: paths.hostScript,
    env,
    logger,
  });

  const openExternal = (url: string) => shell.openExternal(url);
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, { openExternal, logger }));
  denyPermissions(session.defaultSession, logger);
  serveRenderer(paths.rendererDir, logger);

  chat = new ChatWindow({
    preload: paths.preload,
    devTools: !app.isPackaged,
    logger,
    savedBounds: () => companion.settings().windowBounds,
    saveBounds: (bounds) => {
      companion.updateSettings({ windowBounds: bounds }).catch((error: unknown) => logger.warn(`cannot save the window bounds: ${errorMessage(error)}`));
    },
  });
  const openChat = () => chat!.show();
  const quickAsk = new QuickAskWindow({ preload: paths.preload, devTools: !app.isPackaged, logger });
  quickAsk.prepare();
  // Quick ask's "Open in Chat", and a notification's click: the chat, on that session.
  const openChatOn = (session: string | null) => {
    quickAsk.hide();
    if (session === null) chat!.show();
    else chat!.showSession(session);
    return true;
  };

  const service = new BridgeService(companion, { appInfo: { mode: 'electron', version: app.getVersion(), platform }, openExternal: (url) => openExternal(url).then(() => true), openChat: openChatOn }, logger);
  const removeIpc = registerBridgeIpc({ service, isAppContents: (contents) => chat!.owns(contents) || quickAsk.owns(contents), logger });
  const stopEvents = service.subscribe((event, payload) => {
    sendBridgeEvent(chat!.contents(), event, payload);
    sendBridgeEvent(quickAsk.contents(), event, payload);
  });
  const shortcut = registerQuickAskShortcut(companion.settings().quickAskShortcut, () => quickAsk.toggle(), companion.state().settingsPath);
  if (shortcut.outcome.status === 'taken' || shortcut.outcome.status === 'invalid') {
    logger.warn(shortcut.outcome.message);
    showAppNotice('Quick ask shortcut not available', shortcut.outcome.message, openChat);
  }
  // The user sees a reply in the chat window, or in the quick-ask window they asked it from.
  const notifier = new ReplyNotifier({ windowSeen: () => chat!.isSeen() || quickAsk.isSeen(), openChat: openChatOn });
  const stopReplyNotices = companion.onDidReceiveEvent((event) => {
    notifier.notify(event);
    if (event.event === 'approval.requested' || event.event === 'approval.resolved') tray.update(); // the badge follows the approvals waiting
  });
  const stopStateNotices = companion.onDidChangeState((state) => notifier.notifyState(state));
  const stopSendNotices = service.onDidFailSend(({ session, message }) => notifier.notifySendFailed(session, message));
  const stopNotices = () => {
    stopReplyNotices();
    stopStateNotices();
    stopSendNotices();
  };

  const tray: TrayController = new TrayController({
    companion,
    approvalsWaiting: () => companion.waitingApprovals().length,
    iconDir: paths.trayIconDir,
    platform,
    logger,
    handlers: {
      onToggle: (id, checked) => toggle(companion, tray, logger, id, checked),
      onAction: (id) => act(id, { companion, openChat, logDir, logger }),
    },
  });
  tray.start();
  app.on('activate', openChat); // macOS: clicking the dock icon

  const parts: DesktopApp = { companion, chat, quickAsk, shortcut: shortcut.outcome, tray, logger, logDir };
  installQuitSequence(async () => {
    shortcut.dispose();
    quickAsk.close();
    stopNotices();
    stopEvents();
    removeIpc();
    chat!.close();
    tray.dispose();
    await companion.shutdown();
    logger.info('tether stopped');
    logger.close();
  }, logger);

  companion.start().catch((error: unknown) => logger.error(`the gateway did not start: ${errorMessage(error)}`));
  if (!argv.includes('--hidden')) openChat();
  return parts;
}

/**
 * Makes every quit (menu, Cmd+Q, SIGTERM, system logout) wait for `shutdown`:
 * the first `before-quit` is held, the shutdown runs once, then the app quits for
 * real. A shutdown that hangs past `timeoutMs` is cut short with a logged error.
 */
export function installQuitSequence(shutdown: () => Promise<void>, logger: Logger, timeoutMs: number = QUIT_TIMEOUT_MS): void {
  let phase: 'running' | 'stopping' | 'done' = 'running';
  app.on('before-quit', (event) => {
    if (phase === 'done') return; // the shutdown has run: let the quit through
    event.preventDefault();
    if (phase === 'stopping') return; // already on its way out
    phase = 'stopping';
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.error(`quit: the shutdown took longer than ${timeoutMs} ms; exiting anyway`);
        resolve();
      }, timeoutMs);
    });
    Promise.race([shutdown(), limit])
      .catch((error: unknown) => logger.error(`quit: the shutdown failed: ${errorStack(error)}`))
      .finally(() => {
        clearTimeout(timer);
        phase = 'done';
        app.quit();
      });
  });
  // Ctrl+C in the terminal that ran `tether app`, or a service manager's stop.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());
}

function toggle(companion: Companion, tray: TrayController, logger: Logger, id: TrayToggleId, checked: boolean): void {
  const change = id === 'heartbeats' ? companion.setHeartbeats(checked) : companion.setFallback(checked);
  change.catch((error: unknown) => {
    logger.warn(`tray: cannot turn ${id} ${checked ? 'on' : 'off'}: ${errorMessage(error)}`);
    tray.update(companion.state(), { force: true }); // put the checkbox back to the real value
  });
}

function act(id: TrayActionId, context: { companion: Companion; openChat: () => void; logDir: string; logger: Logger }): void {
  switch (id) {
    case 'open-chat':
      context.openChat();
      return;
    case 'restart-gateway':
      context.companion.restartGateway().catch((error: unknown) => context.logger.warn(`tray: restart failed: ${errorMessage(error)}`));
      return;
    case 'open-logs':
      shell.openPath(context.logDir).then((problem) => {
        if (problem !== '') context.logger.warn(`tray: cannot open the log folder ${context.logDir}: ${problem}`);
      }, (error: unknown) => context.logger.warn(`tray: cannot open the log folder ${context.logDir}: ${errorMessage(error)}`));
      return;
    case 'quit':
      app.quit();
      return;
    default: {
      const unreachable: never = id;
      throw new Error(`unhandled tray action ${String(unreachable)}`);
    }
  }
}

function defaultLogger(isPackaged: boolean): (dir: string) => FileLogger {
  // While developing, the log is also on the terminal that ran `tether app`.
  return (dir) => createFileLogger({ dir, ...(isPackaged ? {} : { tee: (line: string) => process.stderr.write(line) }) });
}
