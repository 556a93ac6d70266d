/**
 * Builds dist/ once before the tests: integration tests spawn the compiled child
 * and CLI, never the TypeScript sources, and the Electron and web-mode tests load
 * the bundled preload and the built renderer. Set TETHER_SKIP_BUILD=1 to reuse a build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  if (process.env.TETHER_SKIP_BUILD === '1') return; // the caller built already
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}
