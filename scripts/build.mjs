#!/usr/bin/env node
/**
 * Builds everything the app runs from, into dist/:
 *   1. `tsc -p tsconfig.build.json`: the gateway child, the CLI and the main process;
 *   2. the command line (`rpc-host/cli-commands.ts`, with the gateway and zod),
 *      bundled by esbuild into one CommonJS file, because Node loads one module
 *      much faster than 125: `tether agent` and a gateway start pay for module
 *      resolution and loading on every run (bench/startup.ts); and its two
 *      executables, `cli.cjs` and the `tether` bin's `tether.cjs`;
 *   3. the preload (`main/preload.ts`), bundled by esbuild into one CommonJS file,
 *      because a sandboxed preload can neither `import` nor `require` project files;
 *   4. the renderer (`renderer/`), built by Vite into dist/renderer.
 * Steps 2 to 4 run only when their sources exist, so each part builds on its own.
 * `--skip-renderer` leaves step 3 out (the unit tests do not need it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const skipRenderer = process.argv.includes('--skip-renderer');

function step(label, run) {
  const started = performance.now();
  run();
  console.log(`build: ${label} (${Math.round(performance.now() - started)} ms)`);
}

step('tsc -p tsconfig.build.json', () => {
  execFileSync(process.execPath, [join(root, 'node_modules/@typescript/native/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
});

const esbuild = await import('esbuild');

/**
 * CommonJS for the command line and its executables: a CommonJS entry starts
 * without Node's ES module loader, and Node 20 can only keep compiled code for a
 * script it compiles itself (rpc-host/compile-cache.ts). `import.meta.url`, which
 * CommonJS lacks, becomes the file's own URL.
 */
const commonJs = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { 'import.meta.url': '__tetherModuleUrl' },
  banner: { js: '"use strict";\nconst __tetherModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: true,
  logLevel: 'warning',
};

/**
 * Escapes what esbuild leaves outside ASCII (its output escapes strings,
 * identifiers and regular expressions already; comments keep theirs), so the
 * loader reads the file as a one-byte string (rpc-host/compile-cache.ts).
 */
function asciiOnly(file) {
  // Each UTF-16 unit as \uXXXX: what a JavaScript string would hold for it.
  const escaped = (char) => Array.from({ length: char.length }, (_, index) => `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`).join('');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/[^\0-\x7f]/gu, escaped));
}

const commandLine = join(root, 'rpc-host/cli-commands.ts');
if (existsSync(commandLine)) {
  step('command line → dist/rpc-host/cli-commands.cjs (one file)', () => {
    esbuild.buildSync({
      ...commonJs,
      entryPoints: [commandLine],
      outfile: join(root, 'dist/rpc-host/cli-commands.cjs'),
      // Loaded from node_modules on first use, so commands that use no tools never
      // parse it.
      external: ['@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'],
      // Dynamic imports become `require`s: Node 20 cannot run an `import()` from
      // code it took from a code cache ("A dynamic import callback was not
      // specified"), and the SDK and Node's built-ins all have CommonJS entries.
      supported: { 'dynamic-import': false },
    });
    asciiOnly(join(root, 'dist/rpc-host/cli-commands.cjs'));
  });
  const entries = [
    ['rpc-host/cli.ts', 'dist/rpc-host/cli.cjs'],
    ['main/launch/tether.ts', 'dist/main/launch/tether.cjs'],
  ];
  step('executables → dist/rpc-host/cli.cjs, dist/main/launch/tether.cjs', () => {
    for (const [source, outfile] of entries) {
      // The command line stays its own file, and `app` loads the main process's
      // modules (the compiler's output) only when it is the command.
      esbuild.buildSync({ ...commonJs, entryPoints: [join(root, source)], outfile: join(root, outfile), external: ['./cli-commands.js', './app-command.js'] });
    }
  });
}

const preload = join(root, 'main/preload.ts');
if (existsSync(preload)) {
  step('preload → dist/main/preload.cjs', () => {
    esbuild.buildSync({
      entryPoints: [preload],
      outfile: join(root, 'dist/main/preload.cjs'),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      external: ['electron'],
      sourcemap: true,
      logLevel: 'warning',
    });
  });
}

const viteConfig = join(root, 'renderer/vite.config.ts');
if (!skipRenderer && existsSync(viteConfig)) {
  const vite = await import('vite');
  const started = performance.now();
  await vite.build({ configFile: viteConfig, logLevel: 'warn' });
  console.log(`build: renderer → dist/renderer (${Math.round(performance.now() - started)} ms)`);
}
