/**
 * Loads the command line (the one-file bundle `cli-commands.cjs`, built by
 * scripts/build.mjs) with V8's compiled code kept from the last run.
 *
 * Every `tether agent` and every gateway start compiles the same megabyte of
 * JavaScript again; reusing the code V8 compiled last time is most of what keeps
 * them near the cost of starting Node (bench/startup.ts prints the ratio).
 * - On Node 22.1 and newer, Node's own module compile cache does it
 *   (`module.enableCompileCache`), turned on before the bundle is required.
 * - On Node 20, which has no such cache, the bundle is compiled through
 *   `vm.Script` with the `cachedData` written at the end of an earlier run. The
 *   file is named by the bundle's size and modification time (V8 itself checks
 *   only the source's length) and by `v8.cachedDataVersionTag()`, which changes
 *   with Node's version and V8's flags: the app's child (with `NODE_OPTIONS`) and
 *   a command typed in a terminal keep one file each.
 * Such a bundle must not use `import()`: Node 20 cannot run one from code taken
 * from a cache, so the build turns them into `require`s.
 * The caches live in the user's cache folder, not in the data dir: they are
 * disposable, per machine, and never worth a backup. `NODE_DISABLE_COMPILE_CACHE=1`
 * turns both off, as it does for Node itself. A cache that cannot be read or
 * written costs speed, never the command.
 */
import { isAscii } from 'node:buffer';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
import { Script } from 'node:vm';

/** Tether's folder in each platform's cache folder. */
export function tetherCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'tether');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'tether', 'Cache');
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(base, 'tether');
}

/** Where Node's own compile cache goes (Node 22.1 and newer). */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  return join(tetherCacheDir(env, platform, home), 'node-compile-cache');
}

/** Where the bundle's V8 code cache goes on runtimes without Node's (Node 20). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  return join(tetherCacheDir(env, platform, home), 'code-cache');
}

/** Enables Node's compile cache when the runtime has one; says whether it did. */
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

/**
 * How the bundle was compiled: with Node's cache (`node`), with ours and the code
 * it held (`accepted`), from scratch because ours was missing, or damaged or
 * refused by V8 (`missing`, `rejected`: the code is then written at exit), or
 * with caching off.
 */
export type CodeCacheUse = 'node' | 'accepted' | 'missing' | 'rejected' | 'off';

export interface LoadedBundle<T> {
  exports: T;
  cache: CodeCacheUse;
}

/** Requires a CommonJS bundle (an absolute path), reusing compiled code where it can. */
export function loadBundle<T>(bundle: string, env: NodeJS.ProcessEnv = process.env): LoadedBundle<T> {
  if (env.NODE_DISABLE_COMPILE_CACHE !== undefined) return { exports: createRequire(bundle)(bundle) as T, cache: 'off' };
  if (enableCompileCache(env)) return { exports: createRequire(bundle)(bundle) as T, cache: 'node' };
  return loadWithCodeCache<T>(bundle, codeCacheDir(env));
}

/**
 * The cache file for this bundle build under these flags. Files of other builds
 * of the same path share its prefix; another copy of the app (a checkout beside
 * the installed one) has its own.
 */
function cacheFileFor(bundle: string, dir: string, tag: number): { file: string; prefix: string } {
  const { size, mtimeMs } = statSync(bundle);
  const prefix = `${basename(bundle)}-${fnv1a(bundle)}-`;
  return { file: join(dir, `${prefix}${size}-${Math.trunc(mtimeMs)}-${tag}.bin`), prefix };
}

/** A 32-bit FNV-1a hash in hex: short names for paths, without loading `node:crypto`. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The code kept in `file`, when its checksum holds. V8 checks a code cache's
 * version, flags and length, but trusts its contents: a file damaged on disk
 * stopped every later run with a fatal error in V8's deserializer, until someone
 * deleted it. So each file starts with a checksum of the code after it, and a
 * file that fails it counts as damaged: the code is compiled afresh and written
 * again at exit.
 */
function readCache(file: string): { code: Buffer | undefined; damaged: boolean } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return { code: undefined, damaged: false };
  }
  const code = bytes.subarray(CHECKSUM_BYTES);
  const intact = bytes.length > CHECKSUM_BYTES && bytes.readUInt32LE(0) === checksum(code);
  return intact ? { code, damaged: false } : { code: undefined, damaged: true };
}

const CHECKSUM_BYTES = 4;

/** A 32-bit FNV-1a-style hash of `bytes`, a word at a time: it notices damage, nothing more (no `node:crypto` to load). */
function checksum(bytes: Uint8Array): number {
  let hash = 0x811c9dc5 ^ bytes.length;
  const wordCount = bytes.byteOffset % 4 === 0 ? bytes.length >>> 2 : 0;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, wordCount);
  for (let index = 0; index < wordCount; index++) hash = Math.imul(hash ^ words[index]!, 0x01000193);
  for (let index = wordCount * 4; index < bytes.length; index++) hash = Math.imul(hash ^ bytes[index]!, 0x01000193);
  return hash >>> 0;
}

function loadWithCodeCache<T>(bundle: string, dir: string): LoadedBundle<T> {
  const tag = cachedDataVersionTag();
  const { file, prefix } = cacheFileFor(bundle, dir, tag);
  const { code: cachedData, damaged } = readCache(file);
  const source = readSource(bundle);
  // The wrapper Node gives every CommonJS module, on the bundle's first line, so
  // line numbers in stack traces stay right.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const cache: CodeCacheUse = damaged ? 'rejected' : cachedData === undefined ? 'missing' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
  const bundleModule = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  run(bundleModule.exports, createRequire(bundle), bundleModule, bundle, dirname(bundle));
  // Written at exit, so the code compiled while the command ran is in it too; not
  // when V8's flags changed meanwhile, since the file is named by the flags at start.
  if (cache !== 'accepted') process.once('exit', () => cachedDataVersionTag() === tag && writeCache(script, dir, file, prefix));
  return { exports: bundleModule.exports as T, cache };
}

/**
 * The bundle's text. The build keeps it ASCII, which reads as Latin-1 into a
 * one-byte string about four times as fast as UTF-8 decoding makes one (1.6 vs
 * 6 ms for the command line on Node 20); any other file is decoded as UTF-8.
 */
function readSource(bundle: string): string {
  const bytes = readFileSync(bundle);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** Writes the code cache whole (a rename), and removes the files of older builds. */
function writeCache(script: Script, dir: string, file: string, prefix: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    const code = script.createCachedData();
    const header = Buffer.alloc(CHECKSUM_BYTES);
    header.writeUInt32LE(checksum(code), 0);
    writeFileSync(temp, Buffer.concat([header, code]));
    renameSync(temp, file);
    const stamp = basename(file).slice(prefix.length).replace(/-\d+\.bin$/u, '-');
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && !name.startsWith(`${prefix}${stamp}`) && name.endsWith('.bin')) rmSync(join(dir, name), { force: true });
    }
  } catch {
    // an unwritable cache folder costs the next start its speed, never this command
  }
}
