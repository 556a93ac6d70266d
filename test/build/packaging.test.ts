/**
 * Packages the app for Linux as an unpacked directory, offline (a placeholder
 * stands in for the Electron runtime, which cannot be downloaded here), and checks
 * what ships: the main process, the preload, the renderer, the gateway host
 * (unpacked, and runnable by a plain Node) and the runtime dependencies, and
 * nothing from the sources, tests, benches or docs.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFile, listPackage } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('../main/electron/fake-electron.js')).electronModule);

import { APP_USER_MODEL_ID } from '../../main/electron/app.js';
import { appPaths, trayIconFile } from '../../main/electron/paths.js';
import { TRAY_ICON_NAMES } from '../../scripts/make-icons.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'build', 'electron-builder.config.mjs');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; main: string; dependencies: Record<string, string> };

interface BuilderConfig {
  appId: string;
  asarUnpack: string[];
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
}

let work: string;
let resources: string;
let asar: string;
let files: string[];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'main', 'electron', 'entry.js'))) throw new Error('dist/ is not built; run "npm run build" (the test global setup does)');
  work = mkdtempSync(join(tmpdir(), 'tether-package-'));
  const electronDist = join(work, 'electron-placeholder');
  mkdirSync(electronDist);
  writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\necho "placeholder: no Electron runtime here" >&2\nexit 1\n');
  chmodSync(join(electronDist, 'electron'), 0o755);
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
      '--linux',
      'dir',
      '--config',
      CONFIG,
      `-c.electronDist=${electronDist}`,
      `-c.directories.output=${join(work, 'release')}`,
      '--publish',
      'never',
    ],
    { cwd: ROOT, stdio: 'pipe', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
  );
  resources = join(work, 'release', 'linux-unpacked', 'resources');
  asar = join(resources, 'app.asar');
  files = listPackage(asar, { isPack: false }).map((file) => file.replaceAll('\\', '/'));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the Linux package (electron-builder --linux dir)', () => {
  it('has the Electron entry named by package.json, the bundled preload and the gateway host', () => {
    const packaged = JSON.parse(extractFile(asar, 'package.json').toString('utf8')) as { main: string; version: string };
    expect(packaged.main).toBe('dist/main/electron/entry.js');
    expect(packaged.version).toBe(manifest.version);
    for (const file of ['/package.json', '/dist/main/electron/entry.js', '/dist/main/electron/app.js', '/dist/main/core/companion.js', '/dist/main/preload.cjs', '/dist/rpc-host/cli.cjs']) {
      expect(files, file).toContain(file);
    }
  });

  it('has the built renderer', () => {
    expect(files).toContain('/dist/renderer/index.html');
    expect(files.some((file) => file.startsWith('/dist/renderer/assets/') && file.endsWith('.js'))).toBe(true);
  });

  it('has every runtime dependency', () => {
    for (const name of Object.keys(manifest.dependencies)) expect(files, name).toContain(`/node_modules/${name}/package.json`);
  });

  it('ships nothing from the sources, tests, benches, docs, scripts or dev dependencies', () => {
    const shipped = files.filter((file) => file !== '/node_modules' && !file.startsWith('/node_modules/'));
    const foreign = shipped.filter((file) => !(file === '/package.json' || file === '/dist' || file.startsWith('/dist/')));
    expect(foreign).toEqual([]);
    const unwanted = files.filter((file) => /\.(ts|tsx|mts|cts|map)$/u.test(file) || /^\/(test|bench|docs|scripts|build|renderer|main|rpc-host)(\/|$)/u.test(file));
    expect(unwanted).toEqual([]);
    for (const dev of ['typescript', 'vitest', 'electron', 'electron-builder', 'vite', 'react', '@playwright']) {
      expect(files.some((file) => file.startsWith(`/node_modules/${dev}/`)), dev).toBe(false);
    }
  });

  it('unpacks the gateway host and its packages, and a plain Node can run it from there', () => {
    const unpacked = join(resources, 'app.asar.unpacked');
    const cli = join(unpacked, 'dist', 'rpc-host', 'cli.cjs');
    expect(statSync(cli).isFile()).toBe(true);
    expect(existsSync(join(unpacked, 'node_modules', 'zod', 'package.json'))).toBe(true);
    const home = join(work, 'tether-home');
    const out = execFileSync(process.execPath, [cli, 'agent', '--message', 'from the package', '--json'], {
      cwd: work,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: work, TETHER_HOME: home },
    });
    expect(JSON.parse(out).payloads[0].text).toBe('echo: from the package');
    const status = execFileSync(process.execPath, [cli, 'rpc'], { cwd: work, encoding: 'utf8', input: '{"type":"status"}\n', env: { PATH: process.env.PATH, HOME: work, TETHER_HOME: home } });
    expect(JSON.parse(status.split('\n')[0]!).payload.version).toBe(manifest.version);
    // The MCP client (loaded on a tool server's first use) resolves its own packages from there too.
    const sdk = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('@modelcontextprotocol/sdk/client/index.js'); await import('@modelcontextprotocol/sdk/client/stdio.js'); await import('@modelcontextprotocol/sdk/client/streamableHttp.js'); console.log(typeof m.Client)"], { cwd: join(unpacked, 'dist', 'rpc-host'), encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } });
    expect(sdk.trim()).toBe('function');
  });

  it('points the packaged app at the host it unpacked (paths.ts matches the layout)', () => {
    const paths = appPaths({ isPackaged: true, resourcesPath: resources, distDir: join(resources, 'app.asar', 'dist') });
    expect(paths.hostScript).toBe(join(resources, 'app.asar.unpacked', 'dist', 'rpc-host', 'cli.cjs'));
    expect(statSync(paths.hostScript).isFile()).toBe(true);
    expect(files).toContain(`/${relative(join(resources, 'app.asar'), paths.preload).split('\\').join('/')}`);
    expect(existsSync(trayIconFile(paths.trayIconDir, 'running', 'linux'))).toBe(true);
  });

  it('unpacks every package the host imports (HOST_RUNTIME_PACKAGES is complete)', async () => {
    const config = (await import(CONFIG)) as { HOST_RUNTIME_PACKAGES: string[] };
    const imported = new Set<string>();
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : []));
    for (const file of walk(join(ROOT, 'dist', 'rpc-host'))) {
      // Import statements (at the start of a line) and import() calls; not the word "from" in a message.
      for (const match of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"\n]*?\bfrom\s*['"]([^'"./][^'"]*)['"]|^\s*import\s*['"]([^'"./][^'"]*)['"]|\bimport\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gmu)) {
        const specifier = (match[1] ?? match[2] ?? match[3])!;
        if (specifier.startsWith('node:')) continue;
        imported.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
    expect(imported.size, `scanned ${relative(ROOT, join(ROOT, 'dist', 'rpc-host'))}`).toBeGreaterThan(0);
    expect([...imported].filter((name) => !config.HOST_RUNTIME_PACKAGES.includes(name))).toEqual([]);
  });

  it('puts the tray icons beside the archive', () => {
    for (const name of TRAY_ICON_NAMES) {
      for (const file of [`${name}.png`, `${name}@2x.png`, `${name}Template.png`, `${name}Template@2x.png`]) expect(existsSync(join(resources, 'tray', file)), file).toBe(true);
    }
  });
});

describe('the packaging config', () => {
  it('targets AppImage and deb, dmg, and nsis, under the id Windows notifications use', async () => {
    const config = ((await import(CONFIG)) as { default: BuilderConfig }).default;
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.appId).toBe(APP_USER_MODEL_ID);
    expect(config.asarUnpack).toContain('dist/rpc-host/**');
  });
});
