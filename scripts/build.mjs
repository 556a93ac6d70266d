#!/usr/bin/env node
/**
 * Builds everything the app runs from, into dist/:
 *   1. `tsc -p tsconfig.build.json`: the gateway child, the CLI and the main process;
 *   2. the command line (`rpc-host/cli-commands.ts`, with the gateway and zod),
 *      bundled by esbuild into one ES module in place of tsc's output, because Node
 *      loads one module much faster than 125: `tether agent` and a gateway start
 *      pay for module resolution and loading on every run (bench/startup.ts);
 *   3. the preload (`main/preload.ts`), bundled by esbuild into one CommonJS file,
 *      because a sandboxed preload can neither `import` nor `require` project files;
 *   4. the renderer (`renderer/`), built by Vite into dist/renderer.
 * Steps 2 to 4 run only when their sources exist, so each part builds on its own.
 * `--skip-renderer` leaves step 3 out (the unit tests do not need it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

const commandLine = join(root, 'rpc-host/cli-commands.ts');
if (existsSync(commandLine)) {
  step('command line → dist/rpc-host/cli-commands.js (one module)', () => {
    esbuild.buildSync({
      entryPoints: [commandLine],
      outfile: join(root, 'dist/rpc-host/cli-commands.js'),
      bundle: true,
      // Loaded from node_modules on first use (a dynamic import), so commands that
      // use no tools never parse it.
      external: ['@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'],
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
    });
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
