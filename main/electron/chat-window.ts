/**
 * The chat window: one at a time, created on first use, hidden (not destroyed)
 * when closed, so the tray app keeps running and reopens it instantly.
 *
 * Its place is restored from the settings when it still fits a screen
 * (`restoreWindowBounds`) and saved when it moves, resizes or closes. The page is
 * always the built renderer on `app://tether/`, never a remote URL.
 */
import { BrowserWindow, screen } from 'electron';
import { OwnedWindow } from './owned-window.js';
import type { Logger } from '../../rpc-host/shared.js';
import { APP_START_URL } from '../core/app-protocol.js';
import { boundsToSave, MIN_WINDOW_SIZE, restoreWindowBounds, type Rect } from './window-bounds.js';
import { chatWindowOptions } from './window-security.js';
import { errorMessage } from '../../rpc-host/protocol/errors.js';

/** What the chat window needs: its preload, whether dev tools open, and where its bounds are kept. */
export interface ChatWindowOptions {
  preload: string;
  devTools: boolean;
  logger: Logger;
  /** The bounds saved last time, if any. */
  savedBounds: () => Rect | null;
  /** Persists the window's bounds. */
  saveBounds: (bounds: Rect) => void;
  /** How long moves and resizes settle before the bounds are saved. */
  saveDelayMs?: number;
}

/** Owns the one chat window: lazily created, hidden on close, destroyed on quit. */
export class ChatWindow extends OwnedWindow {
  private closing = false;
  /** The page to load: the chat, on a session when one was asked for. */
  private startUrl = APP_START_URL;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ChatWindowOptions) {
    super();
  }

  /** Shows the window (creating it if needed), restores it if minimised, and focuses it. */
  show(): void {
    const existing = this.live();
    if (!existing) {
      const created = this.create();
      created.once('ready-to-show', () => created.show());
      return;
    }
    if (existing.isMinimized()) existing.restore();
    existing.show();
    existing.focus();
  }

  /**
   * Shows the window on `session` (quick ask's "Open in Chat", a notification's
   * click): the page is loaded with `?session=`, which the chat opens and remembers.
   */
  showSession(session: string): void {
    this.startUrl = `${APP_START_URL}?session=${encodeURIComponent(session)}`;
    const existing = this.live();
    if (existing) {
      existing.loadURL(this.startUrl).catch((error: unknown) => this.options.logger.error(`cannot load ${this.startUrl}: ${errorMessage(error)}`));
    }
    this.show();
  }

  /** True when the user sees the window: shown, not minimised, and focused (not behind another app). */
  isSeen(): boolean {
    const window = this.live();
    return window !== undefined && window.isVisible() && !window.isMinimized() && window.isFocused();
  }

  /** True when the user can see the window (open, not hidden, not minimised). */
  isShowing(): boolean {
    const window = this.live();
    return window !== undefined && window.isVisible() && !window.isMinimized();
  }

  /** Lets the window really close (on quit) instead of hiding; saves its bounds. */
  close(): void {
    this.closing = true;
    clearTimeout(this.saveTimer);
    const window = this.live();
    if (!window) return; // never opened, or already gone
    this.saveNow(window);
    window.destroy();
    this.window = undefined;
  }

  private create(): BrowserWindow {
    const bounds = restoreWindowBounds(
      this.options.savedBounds(),
      screen.getAllDisplays().map((display) => display.workArea),
    );
    const window = new BrowserWindow(chatWindowOptions({ preload: this.options.preload, bounds, minSize: MIN_WINDOW_SIZE, devTools: this.options.devTools }));
    this.window = window;
    const scheduleSave = () => {
      clearTimeout(this.saveTimer);
      this.saveTimer = setTimeout(() => this.saveNow(window), this.options.saveDelayMs ?? 500);
    };
    window.on('resize', scheduleSave);
    window.on('move', scheduleSave);
    window.on('close', (event) => {
      this.saveNow(window);
      if (this.closing) return; // quitting: let it go
      event.preventDefault(); // closing only hides: the tray app keeps running
      window.hide();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = undefined;
    });
    window.webContents.on('render-process-gone', (_event, details) => {
      this.options.logger.error(`the chat window's renderer is gone (${details.reason}, exit code ${details.exitCode}); reopen it from the tray`);
    });
    window.loadURL(this.startUrl).catch((error: unknown) => {
      this.options.logger.error(`cannot load ${this.startUrl}: ${errorMessage(error)}; is dist/renderer built? run "npm run build"`);
    });
    return window;
  }

  private saveNow(window: BrowserWindow): void {
    if (window.isDestroyed() || window.isMinimized() || window.isFullScreen()) return; // not a place worth restoring
    const bounds = boundsToSave(window.getNormalBounds());
    if (bounds) this.options.saveBounds(bounds);
  }
}
