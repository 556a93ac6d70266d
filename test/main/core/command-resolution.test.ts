/**
 * Which program runs the gateway (`resolveGatewayCommand`), against real temp dirs of
 * fake executables: the settings override first (absolute, relative, bare name, and
 * the errors when it is missing or not executable), then `tether` (project bin before
 * PATH), then node with the bundled host script, then Electron as Node, and the error
 * when nothing is left; every step logged. Also `augmentedPath`, `findExecutable`,
 * `unpackedAsarPath` and `bundledHostScript`.
 *
 * Every call gets an explicit `env`, `home` and `platform`, so the machine's own PATH
 * never leaks in. Only the fixed install dirs (/opt/homebrew/bin, /usr/local/bin) are
 * real; tests that need them free of `tether` or `node` are skipped where they are not.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  augmentedPath,
  bundledHostScript,
  findExecutable,
  resolveGatewayCommand,
  unpackedAsarPath,
  type CommandResolution,
  type CommandResolutionInput,
} from '../../../main/core/command-resolution.js';

const FIXED_DIRS = ['/opt/homebrew/bin', '/usr/local/bin'];
/** True when a fixed install dir on this machine holds `name`: such tests cannot run here. */
const machineHas = (name: string) => FIXED_DIRS.some((dir) => existsSync(join(dir, name)));

const FAKE_EXEC_PATH = '/fake/bin/electron-or-node';

let root: string;
let projectRoot: string;
let projectBin: string;
let pathDir: string;
let otherDir: string;
let home: string;
let hostScript: string;
let logLines: string[];

/** Writes a fake program at `dir/name` with `mode`; returns its path. */
function fakeProgram(dir: string, name: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, mode);
  return file;
}

/** Resolves with the test's dirs and a PATH of `pathDir` only, unless `overrides` says otherwise. */
function resolveWith(overrides: Partial<CommandResolutionInput> = {}): CommandResolution {
  return resolveGatewayCommand({
    projectRoot,
    env: { PATH: pathDir },
    home,
    platform: 'linux',
    execPath: FAKE_EXEC_PATH,
    isElectron: false,
    hostScript,
    log: (message) => logLines.push(message),
    ...overrides,
  });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tether-command-'));
  projectRoot = join(root, 'project');
  projectBin = join(projectRoot, 'node_modules', '.bin');
  pathDir = join(root, 'path-bin');
  otherDir = join(root, 'other-bin');
  home = join(root, 'home');
  for (const dir of [projectRoot, pathDir, otherDir, home]) mkdirSync(dir, { recursive: true });
  hostScript = join(root, 'app', 'dist', 'rpc-host', 'cli.cjs');
  mkdirSync(join(root, 'app', 'dist', 'rpc-host'), { recursive: true });
  writeFileSync(hostScript, '// the bundled host\n');
  logLines = [];
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('resolveGatewayCommand: the settings override', () => {
  it('uses an absolute path as given, with its args', () => {
    const program = fakeProgram(otherDir, 'my-gateway');
    fakeProgram(pathDir, 'tether'); // must not be second-guessed by the later steps
    const result = resolveWith({ override: { file: program, args: ['--profile', 'work'] } });
    expect(result).toEqual({
      ok: true,
      path: augmentedPath({ projectRoot, env: { PATH: pathDir }, home, platform: 'linux' }),
      command: { file: program, args: ['--profile', 'work'], source: 'setting', env: {} },
    });
  });

  it('defaults the args to none', () => {
    const program = fakeProgram(otherDir, 'my-gateway');
    const result = resolveWith({ override: { file: program } });
    expect(result.ok && result.command.args).toEqual([]);
  });

  it('does not share the args array with the override', () => {
    const args = ['--x'];
    const result = resolveWith({ override: { file: fakeProgram(otherDir, 'gw'), args } });
    expect(result.ok).toBe(true);
    if (!result.ok) return; // narrowed above
    result.command.args.push('rpc');
    expect(args).toEqual(['--x']);
  });

  it('resolves a relative path with a separator against the project root', () => {
    const program = fakeProgram(join(projectRoot, 'scripts'), 'gw');
    const result = resolveWith({ override: { file: './scripts/gw' } });
    expect(result.ok && result.command).toEqual({ file: program, args: [], source: 'setting', env: {} });
  });

  it('finds a bare name on the augmented PATH', () => {
    const program = fakeProgram(pathDir, 'my-gateway');
    const result = resolveWith({ override: { file: 'my-gateway', args: ['--a'] } });
    expect(result.ok && result.command).toEqual({ file: program, args: ['--a'], source: 'setting', env: {} });
  });

  it('finds a bare name in the project bin dir, which is not on PATH', () => {
    const program = fakeProgram(projectBin, 'my-gateway');
    const result = resolveWith({ override: { file: 'my-gateway' } });
    expect(result.ok && result.command.file).toBe(program);
  });

  it('refuses a missing absolute path, naming it and the fix, even with tether installed', () => {
    fakeProgram(pathDir, 'tether');
    const missing = join(otherDir, 'nope');
    const result = resolveWith({ override: { file: missing } });
    expect(result.ok).toBe(false);
    if (result.ok) return; // narrowed above
    expect(result.error).toContain(`"${missing}"`);
    expect(result.error).toContain('not an executable file');
    expect(result.error).toMatch(/fix it in the settings or clear it/u);
    expect(result.path).toBe(augmentedPath({ projectRoot, env: { PATH: pathDir }, home, platform: 'linux' }));
  });

  it('refuses a bare name not on the search path', () => {
    const result = resolveWith({ override: { file: 'no-such-gateway-program' } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('"no-such-gateway-program", is not an executable file on the search path');
  });

  it('refuses a file that is not executable, naming the file', () => {
    const program = fakeProgram(otherDir, 'not-exec', 0o644);
    const result = resolveWith({ override: { file: program } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(`"${program}", is not an executable file;`);
    expect(!result.ok && result.error).toMatch(/fix it in the settings/u);
  });

  it('names the resolved path of a relative override it refused', () => {
    const result = resolveWith({ override: { file: './scripts/missing' } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(`"./scripts/missing", is not an executable file (${join(projectRoot, 'scripts', 'missing')})`);
  });

  it('refuses a directory', () => {
    const result = resolveWith({ override: { file: otherDir } });
    expect(result.ok).toBe(false);
  });

  it('skips a non-executable file of that name on the PATH and finds a later executable one', () => {
    fakeProgram(pathDir, 'gw', 0o644);
    const good = fakeProgram(otherDir, 'gw');
    const result = resolveWith({ env: { PATH: `${pathDir}:${otherDir}` }, override: { file: 'gw' } });
    expect(result.ok && result.command.file).toBe(good);
  });

  it('treats a null override as none', () => {
    const result = resolveWith({ override: null });
    expect(result.ok && result.command.source).not.toBe('setting');
  });

  it('logs the override it uses, or why it refused it', () => {
    const program = fakeProgram(otherDir, 'my-gateway');
    resolveWith({ override: { file: program, args: ['--a'] } });
    expect(logLines).toEqual([`gateway command: using the command from the settings: ${program} --a`]);
    logLines = [];
    resolveWith({ override: { file: join(otherDir, 'nope') } });
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatch(/^gateway command: the gateway command from the settings, ".*nope", is not an executable file/u);
  });
});

describe('resolveGatewayCommand: tether', () => {
  it('finds tether in the project node_modules/.bin before the one on PATH', () => {
    const local = fakeProgram(projectBin, 'tether');
    fakeProgram(pathDir, 'tether');
    const result = resolveWith();
    expect(result.ok && result.command).toEqual({ file: local, args: [], source: 'path', env: {} });
  });

  it('finds tether on PATH', () => {
    const onPath = fakeProgram(pathDir, 'tether');
    const result = resolveWith();
    expect(result.ok && result.command).toEqual({ file: onPath, args: [], source: 'path', env: {} });
  });

  it('finds tether in the pnpm home, which is not on PATH', () => {
    const pnpmHome = join(root, 'pnpm');
    const inPnpm = fakeProgram(pnpmHome, 'tether');
    const result = resolveWith({ env: { PATH: pathDir, PNPM_HOME: pnpmHome } });
    expect(result.ok && result.command.file).toBe(inPnpm);
  });

  it('takes the first PATH entry that has it', () => {
    fakeProgram(otherDir, 'tether');
    const first = fakeProgram(pathDir, 'tether');
    const result = resolveWith({ env: { PATH: `${pathDir}:${otherDir}` } });
    expect(result.ok && result.command.file).toBe(first);
  });

  it.skipIf(machineHas('tether'))('ignores a tether that is not executable', () => {
    fakeProgram(pathDir, 'tether', 0o644);
    const result = resolveWith();
    expect(result.ok && result.command.source).not.toBe('path');
  });

  it('logs the steps it took', () => {
    const onPath = fakeProgram(pathDir, 'tether');
    resolveWith();
    expect(logLines).toEqual(['gateway command: no command in the settings', `gateway command: found tether on the search path: ${onPath}`]);
  });
});

describe.skipIf(machineHas('tether'))('resolveGatewayCommand: the bundled host script', () => {
  it('runs it with this Node outside Electron (the exec path)', () => {
    fakeProgram(pathDir, 'node'); // not looked at: outside Electron the running binary is Node
    const result = resolveWith();
    expect(result.ok && result.command).toEqual({ file: FAKE_EXEC_PATH, args: [hostScript], source: 'bundled-node', env: {} });
    expect(logLines).toEqual([
      'gateway command: no command in the settings',
      expect.stringMatching(/^gateway command: no tether on the search path/u),
      `gateway command: running the bundled host with this Node: ${FAKE_EXEC_PATH} ${hostScript}`,
    ]);
  });

  it('defaults the exec path to the running Node', () => {
    const result = resolveGatewayCommand({ projectRoot, env: { PATH: pathDir }, home, platform: 'linux', isElectron: false, hostScript });
    expect(result.ok && result.command.file).toBe(process.execPath);
  });

  it('inside Electron, runs it with a node from the search path', () => {
    const node = fakeProgram(pathDir, 'node');
    const result = resolveWith({ isElectron: true });
    expect(result.ok && result.command).toEqual({ file: node, args: [hostScript], source: 'bundled-node', env: {} });
    expect(logLines.at(-1)).toBe(`gateway command: running the bundled host with node from the search path: ${node} ${hostScript}`);
  });

  it.skipIf(machineHas('node'))('inside Electron without node, runs it with Electron as Node', () => {
    const result = resolveWith({ isElectron: true });
    expect(result.ok && result.command).toEqual({ file: FAKE_EXEC_PATH, args: [hostScript], source: 'electron-node', env: { ELECTRON_RUN_AS_NODE: '1' } });
    expect(logLines).toEqual([
      'gateway command: no command in the settings',
      expect.stringMatching(/^gateway command: no tether on the search path/u),
      'gateway command: no node on the search path',
      `gateway command: running the bundled host with Electron as Node: ${FAKE_EXEC_PATH} ${hostScript}`,
    ]);
  });

  it('refuses when the host script is missing, naming it and the fix', () => {
    const missing = join(root, 'gone', 'cli.js');
    const result = resolveWith({ hostScript: missing, isElectron: true });
    expect(result.ok).toBe(false);
    if (result.ok) return; // narrowed above
    expect(result.error).toContain(missing);
    expect(result.error).toMatch(/install tether or set the gateway command in the settings/u);
    expect(logLines.at(-1)).toBe(`gateway command: ${result.error}`);
  });

  it('refuses when the host script is a directory', () => {
    const result = resolveWith({ hostScript: root });
    expect(result.ok).toBe(false);
  });
});

describe('augmentedPath', () => {
  it('puts the project bin first, then PATH, then the pnpm home and the usual install dirs', () => {
    const path = augmentedPath({ projectRoot: '/p', env: { PATH: '/usr/bin:/bin', PNPM_HOME: '/pnpm' }, home: '/h', platform: 'linux' });
    expect(path.split(':')).toEqual(['/p/node_modules/.bin', '/usr/bin', '/bin', '/pnpm', '/opt/homebrew/bin', '/usr/local/bin']);
  });

  it('drops duplicates, keeping the first place, and empty entries', () => {
    const path = augmentedPath({
      projectRoot: '/p',
      env: { PATH: '/usr/local/bin::/usr/bin:/p/node_modules/.bin:/usr/bin:', PNPM_HOME: '/usr/bin' },
      home: '/h',
      platform: 'linux',
    });
    expect(path.split(':')).toEqual(['/p/node_modules/.bin', '/usr/local/bin', '/usr/bin', '/opt/homebrew/bin']);
  });

  it('reads PATH under any spelling of its name', () => {
    const path = augmentedPath({ projectRoot: '/p', env: { Path: '/x' }, home: '/h', platform: 'linux' });
    expect(path.split(':')[1]).toBe('/x');
  });

  it('works without a PATH', () => {
    const path = augmentedPath({ projectRoot: '/p', env: {}, home: '/h', platform: 'linux' });
    expect(path.split(':')).toEqual(['/p/node_modules/.bin', '/h/.local/share/pnpm', '/opt/homebrew/bin', '/usr/local/bin']);
  });

  it('defaults the pnpm home per platform', () => {
    expect(augmentedPath({ projectRoot: '/p', env: {}, home: '/h', platform: 'linux' }).split(':')[1]).toBe('/h/.local/share/pnpm');
    expect(augmentedPath({ projectRoot: '/p', env: { XDG_DATA_HOME: '/data' }, home: '/h', platform: 'linux' }).split(':')[1]).toBe('/data/pnpm');
    expect(augmentedPath({ projectRoot: '/p', env: {}, home: '/h', platform: 'darwin' }).split(':')[1]).toBe('/h/Library/pnpm');
  });

  it('uses ; on Windows and no Unix install dirs', () => {
    const path = augmentedPath({ projectRoot: '/p', env: { Path: 'C:\\bin;D:\\tools', PNPM_HOME: 'C:\\pnpm' }, home: '/h', platform: 'win32' });
    expect(path.split(';')).toEqual([join('/p', 'node_modules', '.bin'), 'C:\\bin', 'D:\\tools', 'C:\\pnpm']);
  });
});

describe('findExecutable', () => {
  it('finds the first executable file of that name and skips non-executables and directories', () => {
    mkdirSync(join(pathDir, 'tool')); // a directory named like the program
    fakeProgram(otherDir, 'tool', 0o600);
    const third = join(root, 'third');
    const good = fakeProgram(third, 'tool');
    expect(findExecutable('tool', `${pathDir}:${otherDir}:${third}`, 'linux', {})).toBe(good);
  });

  it('returns undefined when nothing matches', () => {
    expect(findExecutable('tool', `${pathDir}::${otherDir}`, 'linux', {})).toBeUndefined();
  });
});

describe('unpackedAsarPath', () => {
  it('maps a path inside app.asar to app.asar.unpacked', () => {
    expect(unpackedAsarPath('/Applications/Tether.app/Contents/Resources/app.asar/dist/rpc-host/cli.cjs')).toBe(
      '/Applications/Tether.app/Contents/Resources/app.asar.unpacked/dist/rpc-host/cli.cjs',
    );
  });

  it('maps a Windows path too', () => {
    expect(unpackedAsarPath('C:\\Program Files\\Tether\\resources\\app.asar\\dist\\rpc-host\\cli.js')).toBe(
      'C:\\Program Files\\Tether\\resources\\app.asar.unpacked\\dist\\rpc-host\\cli.js',
    );
  });

  it.each(['/work/main/dist/rpc-host/cli.cjs', '/x/app.asar.unpacked/cli.js', '/x/myapp.asar/cli.js', '/x/app.asar'])('leaves %s as it is', (path) => {
    expect(unpackedAsarPath(path)).toBe(path);
  });
});

describe('bundledHostScript', () => {
  it('points at the host CLI next to the main-process code', () => {
    expect(bundledHostScript().endsWith(join('rpc-host', 'cli.cjs'))).toBe(true);
  });
});
