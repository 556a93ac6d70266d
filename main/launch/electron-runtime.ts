/**
 * Finds an Electron runtime that can actually start here, without `require('electron')`.
 *
 * Requiring the `electron` package starts a download when its binary is missing,
 * which hangs or fails on machines without network access to GitHub. This reads the
 * same `path.txt` the package would, honours `ELECTRON_OVERRIDE_DIST_PATH`, and also
 * checks what Electron needs from the desktop (a display on Linux), so `tether app`
 * can say precisely why it serves the web mode instead.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the runtime is, or why there is none. */
export type ElectronRuntime = { ok: true; executable: string } | { ok: false; reason: string; fix: string };

export interface FindElectronOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The folder of the installed `electron` package; default: resolved from this module. */
  packageDir?: string | null;
}

/** Looks for a startable Electron binary. */
export function findElectronRuntime(options: FindElectronOptions = {}): ElectronRuntime {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const packageDir = options.packageDir === undefined ? electronPackageDir() : options.packageDir;
  if (packageDir === null) {
    return { ok: false, reason: 'the electron package is not installed', fix: 'run "npm ci" in the project folder' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (relative === undefined && !override) {
    return {
      ok: false,
      reason: 'the electron package is installed without its binary (npm 11 does not run its download script, and the download needs access to github.com)',
      fix: 'run "node node_modules/electron/install.js" on a machine that can reach github.com, or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron',
    };
  }
  const executable = override ? join(override, relative ?? defaultExecutableName(platform)) : join(packageDir, 'dist', relative!);
  if (!isExecutable(executable)) {
    return {
      ok: false,
      reason: `the Electron binary ${executable} is missing or not executable`,
      fix: 'reinstall it with "node node_modules/electron/install.js" (needs access to github.com)',
    };
  }
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return {
      ok: false,
      reason: 'there is no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set)',
      fix: 'run it from a desktop session, or under xvfb-run for a virtual one',
    };
  }
  return { ok: true, executable };
}

function electronPackageDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null; // not installed (e.g. a production install without devDependencies)
  }
}

function defaultExecutableName(platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'electron.exe';
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return 'electron';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
