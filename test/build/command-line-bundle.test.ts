/**
 * The command line ships as one CommonJS file (scripts/build.mjs bundles it),
 * started by two CommonJS executables that load it with the code V8 compiled on
 * an earlier run (rpc-host/compile-cache.ts).
 *
 * One file instead of about 125 modules, no ES module loader, and no compiling
 * the same megabyte again are what keep `tether agent` and a gateway start near
 * the cost of starting Node (bench/startup.ts prints the ratio). The cache tests
 * run the loader in a child Node, the way the executables do: on Node 22.1 and
 * newer Node's own cache is used; on Node 20, Tether's.
 */
import { isAscii } from 'node:buffer';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheDir, compileCacheDir, enableCompileCache } from '../../rpc-host/compile-cache.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'rpc-host', 'cli-commands.cjs');
const LOADER = pathToFileURL(join(ROOT, 'dist', 'rpc-host', 'compile-cache.js')).href;
const temp = mkdtempSync(join(tmpdir(), 'tether-compile-cache-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const hasNodeCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** An environment with its own cache folder and data dir, and no cache switches inherited. */
function isolatedEnv(name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(temp, name, 'cache'), TETHER_HOME: join(temp, name, 'home'), TETHER_LOG: 'silent' };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  delete env.NODE_OPTIONS;
  return env;
}

describe('the command line bundle', () => {
  it('requires nothing but Node built-ins and the MCP SDK (on first use): the gateway and zod are inside it', () => {
    const source = readFileSync(BUNDLE, 'utf8');
    const required = [...source.matchAll(/\brequire\("([^"]+)"\)/gu)].map((match) => match[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((specifier) => !specifier.startsWith('node:') && !specifier.startsWith('@modelcontextprotocol/sdk/'))).toEqual([]);
  });

  it('loads built-ins lazily through lazyBuiltin, not import(): the build turns an import() into a copy of the module on every call', () => {
    expect(readFileSync(BUNDLE, 'utf8')).not.toMatch(/__toESM\(require\("node:/u);
  });

  it('is ASCII, so the loader reads it as a one-byte string', () => {
    expect(isAscii(readFileSync(BUNDLE))).toBe(true);
  });

  it('has no dynamic import, which Node 20 cannot run from cached code', () => {
    expect(readFileSync(BUNDLE, 'utf8')).not.toMatch(/\bimport\(["'`a-z]/u);
  });

  it.each([
    ['the host executable', 'dist/rpc-host/cli.cjs'],
    ['the tether bin', 'dist/main/launch/tether.cjs'],
    ['the compiler’s host executable (older paths keep working)', 'dist/rpc-host/cli.js'],
    ['the compiler’s tether bin', 'dist/main/launch/tether.js'],
  ])('runs %s (%s)', (_label, script) => {
    const env = isolatedEnv('run');
    const out = execFileSync(process.execPath, [join(ROOT, script), 'agent', '-m', 'hi', '--json'], { env, encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ payloads: [{ text: 'echo: hi' }] });
  });
});

describe('zod in the command line', () => {
  it('compiles no parsers while a one-shot command runs (zod is told jitless before it builds a schema), and keeps them for a gateway', () => {
    const counter = join(temp, 'count-functions.cjs');
    writeFileSync(
      counter,
      `let made = 0;
       globalThis.Function = new Proxy(globalThis.Function, { construct(target, args) { made++; return Reflect.construct(target, args); }, apply(target, self, args) { made++; return Reflect.apply(target, self, args); } });
       process.on('exit', () => process.stderr.write('functions made: ' + made + '\\n'));`,
    );
    const env = isolatedEnv('jitless');
    execFileSync(process.execPath, [join(ROOT, 'dist/rpc-host/cli.cjs'), 'agent', '-m', 'first', '--json'], { env });
    const run = spawnSync(process.execPath, ['-r', counter, join(ROOT, 'dist/rpc-host/cli.cjs'), 'agent', '-m', 'second', '--json'], { env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('functions made: 0');
    // A gateway validates in bulk for hours (here the transcript the one-shots wrote): it keeps them.
    const gateway = spawnSync(process.execPath, ['-r', counter, join(ROOT, 'dist/rpc-host/cli.cjs'), 'rpc'], { env, encoding: 'utf8', input: '{"type":"history","id":1}\n' });
    expect(gateway.status).toBe(0);
    expect(gateway.stderr).toMatch(/functions made: [1-9]/u);
  });
});

describe('loading a bundle with the code compiled last time', () => {
  /** Loads `bundle` in a child Node the way the executables do; returns how the cache was used and what it exported. */
  function load(bundle: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): { cache: string; answer: number } {
    const script = `import { loadBundle } from ${JSON.stringify(LOADER)}; const { cache, exports } = loadBundle(${JSON.stringify(bundle)}); console.log(JSON.stringify({ cache, answer: exports.answer() }));`;
    return JSON.parse(execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { env, encoding: 'utf8' })) as { cache: string; answer: number };
  }

  function writeBundle(dir: string, body: string): string {
    mkdirSync(dir, { recursive: true });
    const bundle = join(dir, 'fixture.cjs');
    writeFileSync(bundle, `"use strict";\n${body}\nmodule.exports = { answer };\n`);
    return bundle;
  }

  const cacheFiles = (env: NodeJS.ProcessEnv): string[] => {
    const dir = codeCacheDir(env, 'linux');
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  };

  // Each runtime takes one of the two paths; CI runs both (Node 20 and Node 24).
  it.runIf(!hasNodeCache)('on Node 20, writes the code at the first run’s exit and uses it from the second', () => {
    const env = isolatedEnv('fresh');
    const bundle = writeBundle(join(temp, 'fresh'), 'function answer() { return 42; }');
    expect(load(bundle, env)).toEqual({ cache: 'missing', answer: 42 });
    expect(cacheFiles(env)).toEqual([expect.stringMatching(/^fixture\.cjs-[0-9a-f]{8}-\d+-\d+-\d+\.bin$/u)]);
    expect(load(bundle, env)).toEqual({ cache: 'accepted', answer: 42 });
    expect(load(bundle, env)).toEqual({ cache: 'accepted', answer: 42 });
  });

  // Node 20 only: newer runtimes use Node's own cache (the test after these).
  it.runIf(!hasNodeCache)('on Node 20, never runs the code of an older build: a rebuilt bundle gets a new file and the old one goes', () => {
    const env = isolatedEnv('rebuilt');
    const dir = join(temp, 'rebuilt');
    const bundle = writeBundle(dir, 'function answer() { return 1; }');
    load(bundle, env);
    const [first] = cacheFiles(env);
    writeBundle(dir, 'function answer() { return 1 + 1; }');
    expect(load(bundle, env)).toEqual({ cache: 'missing', answer: 2 });
    const after = cacheFiles(env);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(first);
    expect(load(bundle, env)).toEqual({ cache: 'accepted', answer: 2 });
  });

  // Node 20 only: newer runtimes use Node's own cache (the test after these).
  it.runIf(!hasNodeCache)('on Node 20, refuses a cache file damaged on disk (V8 would stop the process reading it), compiles afresh and writes it again', () => {
    const env = isolatedEnv('damaged');
    const bundle = writeBundle(join(temp, 'damaged'), `function answer() { return 11; }\n${'function filler() { return [1, 2, 3].map((n) => n * 2); }\n'.repeat(50)}`);
    load(bundle, env);
    const file = join(codeCacheDir(env, 'linux'), cacheFiles(env)[0]!);
    const bytes = readFileSync(file);
    for (let index = 64; index < bytes.length; index += 97) bytes[index] = bytes[index]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(load(bundle, env)).toEqual({ cache: 'rejected', answer: 11 });
    expect(load(bundle, env)).toEqual({ cache: 'accepted', answer: 11 });
  });

  // Node 20 only: newer runtimes use Node's own cache (the test after these).
  it.runIf(!hasNodeCache)('on Node 20, keeps the caches of two copies of a bundle apart (an installed app and a checkout)', () => {
    const env = isolatedEnv('copies');
    const installed = writeBundle(join(temp, 'copies', 'installed'), 'function answer() { return 10; }');
    const checkout = writeBundle(join(temp, 'copies', 'checkout'), 'function answer() { return 100; }');
    load(installed, env);
    load(checkout, env);
    expect(cacheFiles(env)).toHaveLength(2);
    expect(load(installed, env)).toEqual({ cache: 'accepted', answer: 10 });
    expect(load(checkout, env)).toEqual({ cache: 'accepted', answer: 100 });
  });

  // Node 20 only: newer runtimes use Node's own cache (the test after these).
  it.runIf(!hasNodeCache)('on Node 20, keeps one file per set of V8 flags, since V8 refuses code compiled under others', () => {
    const env = isolatedEnv('flags');
    const bundle = writeBundle(join(temp, 'flags'), 'function answer() { return 7; }');
    load(bundle, env);
    expect(load(bundle, env, ['--max-semi-space-size=1'])).toEqual({ cache: 'missing', answer: 7 });
    expect(cacheFiles(env)).toHaveLength(2);
    expect(load(bundle, env, ['--max-semi-space-size=1'])).toEqual({ cache: 'accepted', answer: 7 });
    expect(load(bundle, env)).toEqual({ cache: 'accepted', answer: 7 });
  });

  // Node 22.1 and newer only: Node 20 has no cache of its own (the tests before this one).
  it.runIf(hasNodeCache)(`on Node ${process.versions.node}, uses Node’s own compile cache`, () => {
    const env = isolatedEnv('native');
    const bundle = writeBundle(join(temp, 'native'), 'function answer() { return 5; }');
    expect(load(bundle, env)).toEqual({ cache: 'node', answer: 5 });
    expect(readdirSync(compileCacheDir(env, 'linux')).length).toBeGreaterThan(0);
    expect(existsSync(codeCacheDir(env, 'linux'))).toBe(false);
  });

  it('reads a bundle that is not ASCII as UTF-8, from the cache or not', () => {
    const env = isolatedEnv('utf8');
    const bundle = writeBundle(join(temp, 'utf8'), 'function answer() { return "café ☕ 🚀".length; }');
    expect(load(bundle, env).answer).toBe(9);
    expect(load(bundle, env).answer).toBe(9);
  });

  it('compiles afresh, writing nothing, when NODE_DISABLE_COMPILE_CACHE is set', () => {
    const env = { ...isolatedEnv('off'), NODE_DISABLE_COMPILE_CACHE: '1' };
    const bundle = writeBundle(join(temp, 'off'), 'function answer() { return 3; }');
    expect(load(bundle, env)).toEqual({ cache: 'off', answer: 3 });
    expect(load(bundle, env)).toEqual({ cache: 'off', answer: 3 });
    expect(existsSync(join(temp, 'off', 'cache'))).toBe(false);
  });

  it('runs the command when the cache folder cannot be written', () => {
    const env = isolatedEnv('readonly');
    const cacheHome = env.XDG_CACHE_HOME!;
    mkdirSync(cacheHome, { recursive: true });
    writeFileSync(join(cacheHome, 'tether'), 'a file where the folder should be');
    chmodSync(join(cacheHome, 'tether'), 0o444);
    const bundle = writeBundle(join(temp, 'readonly'), 'function answer() { return 9; }');
    expect(load(bundle, env).answer).toBe(9);
    expect(load(bundle, env).answer).toBe(9);
  });
});

describe('the compile cache', () => {
  it(`is filled by the command line under the user's cache folder on Node ${process.versions.node}`, () => {
    const env = isolatedEnv('command');
    execFileSync(process.execPath, [join(ROOT, 'dist/rpc-host/cli.cjs'), '--version'], { env });
    const dir = hasNodeCache ? compileCacheDir(env, 'linux') : codeCacheDir(env, 'linux');
    expect(dir).toBe(join(env.XDG_CACHE_HOME!, 'tether', hasNodeCache ? 'node-compile-cache' : 'code-cache'));
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  });

  it('lives in each platform’s cache folder', () => {
    expect(compileCacheDir({}, 'linux', '/home/ada')).toBe('/home/ada/.cache/tether/node-compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/ada')).toBe('/home/ada/.cache/tether/node-compile-cache');
    expect(compileCacheDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Caches/tether/node-compile-cache');
    expect(compileCacheDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', 'C:\\Users\\ada')).toContain(join('tether', 'Cache', 'node-compile-cache'));
    expect(codeCacheDir({}, 'linux', '/home/ada')).toBe('/home/ada/.cache/tether/code-cache');
    expect(codeCacheDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Caches/tether/code-cache');
  });

  it('stays off when NODE_DISABLE_COMPILE_CACHE is set', () => {
    expect(enableCompileCache({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(false);
  });
});
