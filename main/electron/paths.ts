/**
 * Where the desktop app finds its files, in a checkout and in a packaged app.
 *
 * The compiled adapter lives in `dist/main/electron/`; the renderer, the preload
 * and the gateway host sit beside it in `dist/`. In a packaged app `dist/` is
 * inside `app.asar`: Electron reads it transparently, but the gateway host runs in
 * a separate Node that cannot, so its script is taken from `app.asar.unpacked`
 * (build/electron-builder.config.mjs unpacks it). Tray icons are loose files:
 * `build/tray/` in a checkout, `resources/tray/` when packaged.
 */
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackedAsarPath } from '../core/command-resolution.js';

/** The files the desktop app runs from. */
export interface AppPaths {
  /** The built renderer served on `app://tether/` (dist/renderer). */
  rendererDir: string;
  /** The bundled sandboxed preload (dist/main/preload.cjs). */
  preload: string;
  /** The gateway host CLI, runnable by a plain Node (dist/rpc-host/cli.cjs, unpacked). */
  hostScript: string;
  /** The tray icon images. */
  trayIconDir: string;
}

/** What decides the layout. */
export interface AppPathsInput {
  isPackaged: boolean;
  /** `process.resourcesPath` in a packaged app. */
  resourcesPath: string;
  /** The compiled `dist/` folder; default: two levels up from this module. */
  distDir?: string;
}

/** The paths for this run. */
export function appPaths(input: AppPathsInput): AppPaths {
  const distDir = input.distDir ?? defaultDistDir();
  return {
    rendererDir: join(distDir, 'renderer'),
    preload: join(distDir, 'main', 'preload.cjs'),
    hostScript: unpackedAsarPath(join(distDir, 'rpc-host', 'cli.cjs')),
    trayIconDir: input.isPackaged ? join(input.resourcesPath, 'tray') : join(distDir, '..', 'build', 'tray'),
  };
}

/** `dist/` when running compiled (`dist/main/electron/`), the checkout's `dist/` when running from sources (tests). */
function defaultDistDir(): string {
  const twoUp = fileURLToPath(new URL('../../', import.meta.url));
  return basename(twoUp) === 'dist' ? twoUp : join(twoUp, 'dist');
}

/**
 * Where the app's log files go: `~/Library/Logs/Tether` on macOS (where Console
 * looks), else `logs/` beside the settings file.
 *
 * Not Electron's `app.getPath('logs')`: that follows the app's name, which differs
 * between a packaged app ("Tether"), a checkout run (`tether`) and a bare
 * `electron entry.js` ("Electron"); the log folder should not.
 */
export function logDirFor(settingsDir: string, platform: NodeJS.Platform, home: string): string {
  return platform === 'darwin' ? join(home, 'Library', 'Logs', 'Tether') : join(settingsDir, 'logs');
}

/**
 * The tray image file for an icon name: on macOS the black `Template` image (the
 * menu bar tints it for light and dark), elsewhere the coloured one. Electron
 * picks the `@2x` file beside it on high-density screens.
 */
export function trayIconFile(dir: string, icon: string, platform: NodeJS.Platform): string {
  return join(dir, platform === 'darwin' ? `${icon}Template.png` : `${icon}.png`);
}
