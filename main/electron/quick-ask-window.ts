/**
 * The quick-ask window: small, frameless, always on top, opened by the global
 * shortcut over whatever app has focus.
 *
 * It is created hidden when the app starts and loads the quick-ask view then, so
 * the shortcut only has to show it (bench/quick-ask.ts measures the view's load).
 * It hides when it loses focus or is closed, like a launcher, and is destroyed
 * only on quit. The page is the built renderer on `app://tether/quick`.
 */
import { BrowserWindow, screen } from 'electron';
import { OwnedWindow } from './owned-window.js';
import type { Logger } from '../../rpc-host/shared.js';
import { QUICK_ASK_URL } from '../core/app-protocol.js';
import { errorMessage } from '../../rpc-host/protocol/errors.js';
import { quickAskWindowOptions, QUICK_ASK_SIZE } from './window-security.js';

/** What the quick-ask window needs: its preload and whether dev tools open. */
export interface QuickAskWindowOptions {
  preload: string;
  devTools: boolean;
  logger: Logger;
}

/** Owns the one quick-ask window. */
export class QuickAskWindow extends OwnedWindow {
  private closing = false;

  constructor(private readonly options: QuickAskWindowOptions) {
    super();
  }

  /** Creates the window hidden and loads its page, so the first shortcut press is quick. */
  prepare(): void {
    if (!this.live()) this.create();
  }

  /** The shortcut: shows the window centred near the top of the screen the cursor is on, or hides it when it has focus. */
  toggle(): void {
    const window = this.live() ?? this.create();
    if (window.isVisible() && window.isFocused()) {
      window.hide();
      return;
    }
    const { workArea } = screen.getDisplayNearestPoint(screen.getCursorScreenPoint());
    window.setPosition(Math.round(workArea.x + (workArea.width - QUICK_ASK_SIZE.width) / 2), Math.round(workArea.y + workArea.height / 5));
    window.show();
    window.focus();
  }

  /** True while the window is shown and focused. */
  isSeen(): boolean {
    const window = this.live();
    return window !== undefined && window.isVisible() && window.isFocused();
  }

  /** Hides the window (after "Open in Chat"). */
  hide(): void {
    this.live()?.hide();
  }

  /** Lets the window really close (on quit). */
  close(): void {
    this.closing = true;
    this.live()?.destroy();
    this.window = undefined;
  }

  private create(): BrowserWindow {
    const window = new BrowserWindow(quickAskWindowOptions({ preload: this.options.preload, devTools: this.options.devTools }));
    this.window = window;
    window.on('blur', () => window.hide()); // a launcher gets out of the way
    window.on('close', (event) => {
      if (this.closing) return; // quitting: let it go
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = undefined;
    });
    window.webContents.on('render-process-gone', (_event, details) => {
      this.options.logger.error(`the quick-ask window's renderer is gone (${details.reason}, exit code ${details.exitCode}); press the shortcut again to reopen it`);
      this.window = undefined;
      window.destroy();
    });
    window.loadURL(QUICK_ASK_URL).catch((error: unknown) => {
      this.options.logger.error(`cannot load ${QUICK_ASK_URL}: ${errorMessage(error)}; is dist/renderer built? run "npm run build"`);
    });
    return window;
  }
}
