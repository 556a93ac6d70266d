/**
 * A window the app keeps at most one of: the reference while the window lives,
 * and what the rest of the app asks of it (its web contents, whether an IPC sender
 * is it). The chat and quick-ask windows extend it; each makes, shows and hides
 * its own.
 */
import type { BrowserWindow, WebContents } from 'electron';

export abstract class OwnedWindow {
  protected window: BrowserWindow | undefined;

  /** The window's web contents, if it exists. */
  contents(): WebContents | undefined {
    return this.live()?.webContents;
  }

  /** True when `contents` belongs to this window. */
  owns(contents: WebContents): boolean {
    const own = this.contents();
    return own !== undefined && own === contents;
  }

  /** The window, unless it was never made or is destroyed. */
  protected live(): BrowserWindow | undefined {
    return this.window && !this.window.isDestroyed() ? this.window : undefined;
  }
}
