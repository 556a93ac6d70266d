/**
 * The command line ships as one module (scripts/build.mjs bundles it), and the
 * executables turn on Node's compile cache where the runtime has one.
 *
 * One module instead of about 125 is what keeps `tether agent` and a gateway
 * start near the cost of starting Node (bench/startup.ts prints the ratio). The
 * compile cache half checks the behaviour of whichever Node runs the tests: on
 * Node 22.1 and newer the cache folder fills; on Node 20 nothing is written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileCacheDir, enableCompileCache } from '../../rpc-host/compile-cache.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'rpc-host', 'cli-commands.js');
const temp = mkdtempSync(join(tmpdir(), 'tether-compile-cache-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('the command line bundle', () => {
  it('imports nothing but Node built-ins: the gateway and zod are inside it', () => {
    const source = readFileSync(BUNDLE, 'utf8');
    const specifiers = [...source.matchAll(/^import .* from "([^"]+)";$/gmu)].map((match) => match[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !specifier.startsWith('node:'))).toEqual([]);
    expect(source).not.toMatch(/\bimport\("\.\//u); // no lazily loaded pieces left behind either
  });

  it('runs both executables from it', () => {
    const home = join(temp, 'home');
    const env = { ...process.env, TETHER_HOME: home, TETHER_LOG: 'silent', NODE_DISABLE_COMPILE_CACHE: '1' };
    const host = execFileSync(process.execPath, [join(ROOT, 'dist/rpc-host/cli.js'), 'agent', '-m', 'hi', '--json'], { env, encoding: 'utf8' });
    expect(JSON.parse(host)).toMatchObject({ payloads: [{ text: 'echo: hi' }] });
    const bin = execFileSync(process.execPath, [join(ROOT, 'dist/main/launch/tether.js'), 'agent', '-m', 'again'], { env, encoding: 'utf8' });
    expect(bin).toBe('echo: again\n');
  });
});

describe('the compile cache', () => {
  const hasCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

  it(`${hasCache ? 'fills' : 'is not written by'} a folder under the user's cache folder on Node ${process.versions.node}`, () => {
    const cacheHome = join(temp, 'cache');
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome, TETHER_HOME: join(temp, 'home2'), TETHER_LOG: 'silent' };
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    execFileSync(process.execPath, [join(ROOT, 'dist/rpc-host/cli.js'), '--version'], { env });
    const dir = compileCacheDir(env, 'linux');
    expect(dir).toBe(join(cacheHome, 'tether', 'node-compile-cache'));
    if (hasCache) expect(readdirSync(dir).length).toBeGreaterThan(0);
    else expect(existsSync(dir)).toBe(false);
  });

  it('lives in each platform’s cache folder', () => {
    expect(compileCacheDir({}, 'linux', '/home/ada')).toBe('/home/ada/.cache/tether/node-compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/ada')).toBe('/home/ada/.cache/tether/node-compile-cache');
    expect(compileCacheDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Caches/tether/node-compile-cache');
    expect(compileCacheDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', 'C:\\Users\\ada')).toContain(join('tether', 'Cache', 'node-compile-cache'));
  });

  it('stays off when NODE_DISABLE_COMPILE_CACHE is set', () => {
    expect(enableCompileCache({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(false);
  });
});
