/**
 * Starts the real `tether app --web` for a test or a bench: fresh temp data and
 * settings dirs (optionally seeded with a settings.json and a gateway config.json),
 * the compiled CLI, and the URL it prints. `stop()` presses Ctrl+C (SIGINT) and
 * resolves with the exit code; `dispose()` also removes the temp dirs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = join(REPO_ROOT, 'dist', 'rpc-host', 'cli.cjs');

/** The `tether` bin (the gateway's commands plus `app`). */
export const TETHER_BIN = join(REPO_ROOT, 'dist', 'main', 'launch', 'tether.cjs');
export const FLAKY_GATEWAY = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'flaky-gateway.mjs');

/** Debian's Chromium, headless, with nothing phoning home. */
export const CHROMIUM_PATH = process.env.TETHER_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export interface WebAppLaunch {
  /** settings.json content (the app's settings: toggles, gatewayCommand…). */
  settings?: Record<string, unknown>;
  /** config.json content for the gateway (provider, echo delay, heartbeats…). */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  /** `--port`; `null` leaves the flag out (the port saved for the data dir, else a free one). Default 0. */
  port?: number | null;
  /** Runs on the folders of an earlier launch (its `root`): a restart of the same app. */
  reuseRoot?: string;
}

export interface WebApp {
  url: string;
  token: string;
  port: number;
  root: string;
  dataDir: string;
  settingsDir: string;
  process: ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  output(): string;
  /** Ctrl+C; resolves with the exit code (null if it had to be killed). */
  stop(timeoutMs?: number): Promise<number | null>;
  dispose(): Promise<void>;
}

/** Starts the web mode and waits for its URL line. */
export async function launchWebApp(options: WebAppLaunch = {}): Promise<WebApp> {
  const root = options.reuseRoot ?? mkdtempSync(join(tmpdir(), 'tether-e2e-'));
  const dataDir = join(root, 'data');
  const settingsDir = join(root, 'settings');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(settingsDir, { recursive: true });
  if (options.settings) writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify(options.settings));
  if (options.config) writeFileSync(join(dataDir, 'config.json'), JSON.stringify(options.config));

  const port = options.port === undefined ? ['--port', '0'] : options.port === null ? [] : ['--port', String(options.port)];
  const child = spawn(process.execPath, [TETHER_BIN, 'app', '--web', ...port, '--home', dataDir, '--settings-dir', settingsDir], {
    cwd: root,
    env: { ...process.env, HOME: root, XDG_CONFIG_HOME: join(root, 'config'), TETHER_LOG: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tether app --web printed no URL in 20 s; output:\n${output}`)), 20_000);
    const look = () => {
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/u.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      resolve(match[1]!);
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`tether app --web exited with ${code} before printing its URL; output:\n${output}`)));
  });
  const parsed = new URL(url);

  let stopped: Promise<number | null> | undefined;
  const stop = (timeoutMs = 15_000) => {
    stopped ??= (async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })();
    return stopped;
  };

  return {
    url,
    token: parsed.searchParams.get('token')!,
    port: Number(parsed.port),
    root,
    dataDir,
    settingsDir,
    process: child,
    output: () => output,
    stop,
    async dispose() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
