/**
 * Builds dist/ when the web mode or the renderer is missing, so `npm run test:e2e`
 * works on its own (under `npm test`, vitest's setup has built it already).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function globalSetup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const needed = ['dist/rpc-host/cli.cjs', 'dist/main/launch/tether.cjs', 'dist/main/web/run-web-app.js', 'dist/renderer/index.html'];
  if (needed.every((file) => existsSync(`${root}${file}`))) return; // built already
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}
