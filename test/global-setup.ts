/**
 * Builds dist/ once before the tests: integration tests spawn the compiled child
 * and CLI, never the TypeScript sources. Set TETHER_SKIP_BUILD=1 to reuse a build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  if (process.env.TETHER_SKIP_BUILD === '1') return; // the caller built already
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
