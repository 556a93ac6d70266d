/**
 * electron-builder configuration: Linux (AppImage, deb), macOS (dmg), Windows (nsis).
 *
 * The Electron entry is package.json's `main` (dist/main/electron/entry.js).
 * What ships: package.json, the compiled main process (dist/main, with the bundled
 * preload), the gateway host (dist/rpc-host), the built renderer (dist/renderer),
 * and the production dependencies. Sources, tests, benches, docs and source maps
 * stay out (test/build/packaging.test.ts checks the archive).
 *
 * The gateway host runs in a separate Node process (the user's `node`, or Electron
 * itself with ELECTRON_RUN_AS_NODE=1). A plain Node cannot read app.asar, so the
 * host and the packages it imports are unpacked to app.asar.unpacked, where
 * main/core/command-resolution.ts looks for it.
 *
 * Run with `npm run package` (all targets of this OS) where Electron can be
 * downloaded; offline, `--linux dir` with `-c.electronDist=<unpacked Electron>`.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Packages the gateway host imports at run time (test/build/packaging.test.ts checks the list against dist/rpc-host). */
export const HOST_RUNTIME_PACKAGES = ['zod', '@modelcontextprotocol/sdk'];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `names` and everything they depend on at run time, as installed (hoisted) in
 * node_modules: a plain Node resolves the MCP SDK's own imports (ajv, …) from the
 * unpacked folder too, so they must be unpacked with it. A nested copy lives under
 * its dependent's folder, which is unpacked whole.
 */
export function withDependencies(names) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const manifest = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return; // nested under its dependent, or optional and absent
    seen.add(name);
    const { dependencies = {}, optionalDependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8'));
    for (const dependency of Object.keys({ ...dependencies, ...optionalDependencies })) visit(dependency);
  };
  for (const name of names) visit(name);
  return [...seen].sort();
}

/** @type {import('electron-builder').Configuration} */
const config = {
  appId: 'dev.tether.app',
  productName: 'Tether',
  copyright: 'Copyright © Tether contributors',
  directories: {
    output: 'release',
    buildResources: 'build',
  },
  files: [
    'package.json',
    'dist/main/**/*.js',
    'dist/main/preload.cjs',
    'dist/rpc-host/**/*.{js,cjs}',
    'dist/renderer/**/*',
    '!**/*.map',
    '!**/*.d.ts',
    '!**/*.{ts,tsx,mts,cts}',
    '!**/{test,tests,__tests__,bench,docs,coverage}/**',
    '!**/*.{md,markdown}',
  ],
  // package.json too: the host reads its version from the nearest one.
  asarUnpack: ['package.json', 'dist/rpc-host/**', ...withDependencies(HOST_RUNTIME_PACKAGES).map((name) => `node_modules/${name}/**`)],
  extraResources: [{ from: 'build/tray', to: 'tray', filter: ['*.png'] }],
  // No native modules: nothing to rebuild against Electron's ABI.
  npmRebuild: false,
  nodeGypRebuild: false,
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'build/icon.png',
    category: 'Utility',
    synopsis: 'Tray companion and chat window for a local AI agent gateway',
    executableName: 'tether',
    maintainer: 'Tether contributors <tether@users.noreply.github.com>',
    vendor: 'Tether contributors',
  },
  deb: {
    // AppIndicator support for the tray on GNOME-based desktops.
    recommends: ['libayatana-appindicator3-1'],
  },
  mac: {
    target: ['dmg'],
    icon: 'build/icon.png',
    category: 'public.app-category.developer-tools',
  },
  dmg: {
    title: 'Tether ${version}',
  },
  win: {
    target: ['nsis'],
    icon: 'build/icon.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
  },
};

export default config;
