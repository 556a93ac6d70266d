/**
 * Turns on Node's module compile cache for the command line, where the runtime
 * has one (`module.enableCompileCache`, Node 22.1 and newer; a no-op on Node 20).
 *
 * Every `tether agent` and every gateway start compiles the same modules again;
 * with the cache, V8 reuses the code it compiled last time (the issue measured the
 * echo one-shot going from 148 to 129 ms). It must run before the command's
 * modules load, so the executables call it first and then import the command
 * line with a dynamic import. The cache lives in the user's cache folder, not in
 * the data dir: it is disposable, per machine, and never worth a backup.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as it does for Node itself.
 */
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the cache goes on each platform. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'tether', 'node-compile-cache');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'tether', 'Cache', 'node-compile-cache');
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(base, 'tether', 'node-compile-cache');
}

/** Enables the cache when the runtime can; says whether it did (for tests and logs). */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): boolean {
  const enable = (module as { enableCompileCache?: (dir?: string) => { status: number } }).enableCompileCache;
  if (typeof enable !== 'function' || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return false;
  try {
    // NODE_COMPILE_CACHE, when set, already chose a folder: Node keeps it.
    const { status } = enable(env.NODE_COMPILE_CACHE ?? compileCacheDir(env));
    const { ENABLED, ALREADY_ENABLED } = (module as unknown as { constants: { compileCacheStatus: Record<string, number> } }).constants.compileCacheStatus;
    return status === ENABLED || status === ALREADY_ENABLED;
  } catch {
    return false; // an unwritable cache folder costs speed, never the command
  }
}
