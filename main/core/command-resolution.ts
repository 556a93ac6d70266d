/**
 * Which program runs the gateway, decided in a fixed order with each step logged:
 *
 * 1. the command from the settings (or the companion's options), used as given;
 * 2. `tether` on the search path, augmented with the places a GUI app's PATH lacks:
 *    the project's `node_modules/.bin`, the pnpm home, `/opt/homebrew/bin` and
 *    `/usr/local/bin` (an app started from a dock or Finder gets a bare PATH);
 * 3. `node` running the host script bundled with the app;
 * 4. Electron's own binary as Node (`ELECTRON_RUN_AS_NODE=1`) running that script,
 *    for a packaged app on a machine without Node.
 *
 * The argument `rpc` is appended by the supervisor; `agent …` by the CLI fallback.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a resolved command came from. */
export type CommandSource = 'setting' | 'path' | 'bundled-node' | 'electron-node';

/** A program and the arguments that come before the subcommand (`rpc`, `agent`). */
export interface GatewayCommand {
  file: string;
  args: string[];
  source: CommandSource;
  /** Variables the command needs to work (e.g. `ELECTRON_RUN_AS_NODE`). */
  env: Record<string, string>;
}

/** A command the user configured: a program and its leading arguments. */
export interface CommandOverride {
  file: string;
  args?: readonly string[] | undefined;
}

/** What resolution looks at; everything is injectable so tests can point it anywhere. */
export interface CommandResolutionInput {
  override?: CommandOverride | null | undefined;
  /** The project root: its `node_modules/.bin` is searched first. */
  projectRoot: string;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The running binary: Node in plain Node, the Electron binary inside Electron. */
  execPath?: string;
  /** True inside Electron (process.versions.electron is set). */
  isElectron?: boolean;
  /** The compiled host CLI shipped with the app. */
  hostScript?: string;
  home?: string;
  log?: (message: string) => void;
}

/** The outcome: a command and the augmented PATH it was found with, or why none was found. */
export type CommandResolution =
  | { ok: true; command: GatewayCommand; path: string }
  | { ok: false; error: string; path: string };

/** The compiled host CLI next to this module: `dist/rpc-host/cli.cjs`. */
export function bundledHostScript(): string {
  return unpackedAsarPath(fileURLToPath(new URL('../../rpc-host/cli.cjs', import.meta.url)));
}

/**
 * The path of a file inside `app.asar` as extracted to `app.asar.unpacked`: plain
 * Node cannot read asar archives, so the packaged host is unpacked (see build/).
 */
export function unpackedAsarPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/u, '$1app.asar.unpacked$2');
}

/** The search path with the project's bin dir first and the usual install dirs last. */
export function augmentedPath(input: Pick<CommandResolutionInput, 'projectRoot' | 'env' | 'platform' | 'home'>): string {
  const platform = input.platform ?? process.platform;
  const home = input.home ?? homedir();
  const pathVar = Object.keys(input.env).find((name) => name.toUpperCase() === 'PATH');
  const current = (pathVar ? input.env[pathVar] : undefined)?.split(platform === 'win32' ? ';' : ':') ?? [];
  const pnpmHome =
    input.env.PNPM_HOME ??
    (platform === 'darwin'
      ? join(home, 'Library', 'pnpm')
      : platform === 'win32'
        ? join(input.env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'pnpm')
        : join(input.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'pnpm'));
  const extra = platform === 'win32' ? [pnpmHome] : [pnpmHome, '/opt/homebrew/bin', '/usr/local/bin'];
  const dirs = [join(input.projectRoot, 'node_modules', '.bin'), ...current, ...extra];
  return [...new Set(dirs.filter((dir) => dir !== ''))].join(platform === 'win32' ? ';' : ':');
}

/** Finds an executable named `name` on `path` (with PATHEXT on Windows). */
export function findExecutable(name: string, path: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extensions = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  for (const dir of path.split(platform === 'win32' ? ';' : delimiter)) {
    if (dir === '') continue;
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      if (isExecutableFile(candidate, platform)) return candidate;
    }
  }
  return undefined;
}

/** Resolves the gateway command; never throws. */
export function resolveGatewayCommand(input: CommandResolutionInput): CommandResolution {
  const log = input.log ?? (() => {});
  const platform = input.platform ?? process.platform;
  const execPath = input.execPath ?? process.execPath;
  const isElectron = input.isElectron ?? process.versions.electron !== undefined;
  const path = augmentedPath(input);
  const hostScript = input.hostScript ?? bundledHostScript();

  // 1. An explicit setting wins, and is not second-guessed by the later steps.
  if (input.override) {
    const { file } = input.override;
    const found = isAbsolute(file) || file.includes(sep) || file.includes('/') ? resolve(input.projectRoot, file) : findExecutable(file, path, platform, input.env);
    if (found === undefined || !isExecutableFile(found, platform)) {
      const error = `the gateway command from the settings, "${file}", is not an executable file${found === undefined ? ' on the search path' : found === file ? '' : ` (${found})`}; fix it in the settings or clear it to use the built-in gateway`;
      log(`gateway command: ${error}`);
      return { ok: false, error, path };
    }
    log(`gateway command: using the command from the settings: ${found} ${(input.override.args ?? []).join(' ')}`.trimEnd());
    return { ok: true, path, command: { file: found, args: [...(input.override.args ?? [])], source: 'setting', env: {} } };
  }
  log('gateway command: no command in the settings');

  // 2. An installed `tether`.
  const tether = findExecutable('tether', path, platform, input.env);
  if (tether !== undefined) {
    log(`gateway command: found tether on the search path: ${tether}`);
    return { ok: true, path, command: { file: tether, args: [], source: 'path', env: {} } };
  }
  log('gateway command: no tether on the search path (project node_modules/.bin, PATH, pnpm home, /opt/homebrew/bin, /usr/local/bin)');

  if (!isReadableFile(hostScript)) {
    const error = `no gateway command: tether is not on the search path and the bundled host script ${hostScript} is missing; install tether or set the gateway command in the settings`;
    log(`gateway command: ${error}`);
    return { ok: false, error, path };
  }

  // 3. Node with the bundled host script. Outside Electron the running binary is Node.
  const node = isElectron ? findExecutable('node', path, platform, input.env) : execPath;
  if (node !== undefined) {
    log(`gateway command: running the bundled host with ${isElectron ? 'node from the search path' : 'this Node'}: ${node} ${hostScript}`);
    return { ok: true, path, command: { file: node, args: [hostScript], source: 'bundled-node', env: {} } };
  }
  log('gateway command: no node on the search path');

  // 4. Electron's own Node.
  if (isElectron) {
    log(`gateway command: running the bundled host with Electron as Node: ${execPath} ${hostScript}`);
    return { ok: true, path, command: { file: execPath, args: [hostScript], source: 'electron-node', env: { ELECTRON_RUN_AS_NODE: '1' } } };
  }
  const error = 'no gateway command: no tether or node found; install Node.js or tether, or set the gateway command in the settings';
  log(`gateway command: ${error}`);
  return { ok: false, error, path };
}

function isExecutableFile(path: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // missing or not executable: try the next candidate
  }
}

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // missing
  }
}
