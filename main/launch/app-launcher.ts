/**
 * `tether app`: starts the desktop app when an Electron runtime can start here,
 * and otherwise says why in one paragraph and serves the same UI in web mode on
 * 127.0.0.1 instead. `tether app --web` goes straight to web mode.
 *
 * Loaded by the CLI only for this command, so `tether rpc` and `tether agent` never
 * load the main process's code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { findElectronRuntime, type ElectronRuntime } from './electron-runtime.js';
import { errorMessage } from '../../rpc-host/protocol/errors.js';

/** What `tether app` was asked for. */
export interface LaunchAppOptions {
  /** Serve the web mode even if Electron could start. */
  web: boolean;
  /** Web mode port; 0 or absent picks a free one. */
  port?: number;
  /** The gateway's data dir (sessions); default the host's default. */
  dataDir?: string;
  /** Where the app's settings live; default `$XDG_CONFIG_HOME/tether`. */
  settingsDir?: string;
}

/** What the web mode takes: the same choices, plus where to print. */
export interface WebAppOptions {
  port?: number;
  dataDir?: string;
  settingsDir?: string;
  /** Where the URL and notices go (the user reads them). Default: stdout. */
  print?: (line: string) => void;
}

/** The compiled Electron entry the runtime is started with. */
export const ELECTRON_ENTRY = fileURLToPath(new URL('../electron/entry.js', import.meta.url));

/** Runs the app; resolves with the process exit code. */
export async function launchApp(options: LaunchAppOptions, print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  if (!options.web) {
    const runtime = findElectronRuntime();
    if (runtime.ok && existsSync(ELECTRON_ENTRY)) return runElectron(runtime.executable, options);
    print(explainNoElectron(runtime));
  }
  return runWebMode(options, print);
}

/** The one paragraph `tether app` prints when it serves the web mode instead of the desktop app. */
export function explainNoElectron(runtime: ElectronRuntime): string {
  const why = runtime.ok
    ? `the Electron shell is not built (${ELECTRON_ENTRY} is missing); run "npm run build"`
    : `${runtime.reason}; to get it, ${runtime.fix}`;
  return (
    `Tether could not start its desktop window: ${why}. ` +
    'Serving the same app in web mode instead, on 127.0.0.1 only: open the URL below in a browser on this machine. ' +
    'The gateway, the CLI fallback and the settings work the same; the tray menu is replaced by the toggles in the status panel.'
  );
}

async function runElectron(executable: string, options: LaunchAppOptions): Promise<number> {
  const env: Record<string, string | undefined> = { ...process.env, ELECTRON_RUN_AS_NODE: undefined };
  if (options.dataDir !== undefined) env.TETHER_HOME = options.dataDir;
  if (options.settingsDir !== undefined) env.TETHER_SETTINGS_DIR = options.settingsDir;
  const child = execa(executable, [ELECTRON_ENTRY], { stdio: 'inherit', env, extendEnv: false, reject: false });
  // The desktop app handles its own quit; Ctrl+C here is passed on, not acted on twice.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    const result = await child;
    return result.exitCode ?? 1;
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

async function runWebMode(options: LaunchAppOptions, print: (line: string) => void): Promise<number> {
  // The web mode (a server, a WebSocket library) is loaded only when it is used.
  let web: typeof import('../web/run-web-app.js');
  try {
    web = await import('../web/run-web-app.js');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && errorMessage(error).includes('run-web-app');
    if (!missing) throw error;
    print('This build has no web mode (main/web is missing); run "npm run build" in the project folder.');
    return 1;
  }
  return web.runWebApp({
    print,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.settingsDir !== undefined ? { settingsDir: options.settingsDir } : {}),
  });
}
