/**
 * The socket's path: the default under the data dir, the length limit named with
 * its fix, and a folder only this user can write.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenError, checkSocketPathLength, defaultSocketPath, maxSocketPathBytes, prepareSocketFolder } from '../../../rpc-host/listen/socket-path.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-sockpath-'));
  dirs.push(dir);
  return dir;
}

describe('socket path', () => {
  it('defaults to <data dir>/run/gateway.sock, and to a named pipe per data dir on Windows', () => {
    expect(defaultSocketPath('/home/a/.local/share/tether', 'linux')).toBe('/home/a/.local/share/tether/run/gateway.sock');
    const pipe = defaultSocketPath('C:\\Users\\a\\tether', 'win32');
    expect(pipe).toMatch(/^\\\\\.\\pipe\\tether-gateway-[0-9a-f]{16}$/u);
    expect(defaultSocketPath('C:\\Users\\b\\tether', 'win32')).not.toBe(pipe);
  });

  it('takes paths up to the OS limit and names --listen PATH for longer ones', () => {
    const limit = maxSocketPathBytes('linux');
    expect(limit).toBe(107);
    expect(() => checkSocketPathLength('/' + 'a'.repeat(limit - 1), 'linux')).not.toThrow();
    const long = '/' + 'a'.repeat(limit);
    expect(() => checkSocketPathLength(long, 'linux')).toThrow(ListenError);
    expect(() => checkSocketPathLength(long, 'linux')).toThrow(/108 bytes, over the 107-byte limit.*--listen PATH/u);
    expect(() => checkSocketPathLength('/' + 'é'.repeat(60), 'linux')).toThrow(/121 bytes/u); // bytes, not characters
    expect(() => checkSocketPathLength('/' + 'a'.repeat(104), 'darwin')).toThrow(/103-byte limit/u);
  });

  it.runIf(process.platform !== 'win32')('creates a missing folder 0700', () => {
    const folder = join(tempDir(), 'deep', 'run');
    prepareSocketFolder(join(folder, 'gateway.sock'));
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it.runIf(process.platform !== 'win32')('refuses a folder others can write, saying how to fix it', () => {
    const folder = join(tempDir(), 'open');
    mkdirSync(folder);
    for (const mode of [0o777, 0o775, 0o1777]) {
      chmodSync(folder, mode);
      expect(() => prepareSocketFolder(join(folder, 'g.sock'))).toThrow(new RegExp(`can be written by others .*chmod 700 ${folder}`, 'u'));
    }
    chmodSync(folder, 0o755); // others may read, not write: fine
    expect(() => prepareSocketFolder(join(folder, 'g.sock'))).not.toThrow();
  });
});
