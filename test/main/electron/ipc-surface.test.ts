/**
 * One bridge, one place each: raw `ipcRenderer` only in the preload, `ipcMain`
 * and `webContents.send` only in main/electron/ipc.ts. Anything else talking IPC
 * would bypass the sender and argument checks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(ROOT, dir));
  } catch {
    return []; // not there (yet)
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/u.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function filesUsing(pattern: RegExp): string[] {
  return ['main', 'renderer', 'rpc-host']
    .flatMap(sources)
    .filter((file) => pattern.test(readFileSync(join(ROOT, file), 'utf8').replace(/^\s*(\/\/|\*).*$/gmu, '')))
    .map((file) => relative('.', file).split('\\').join('/'));
}

describe('IPC surface', () => {
  it('uses ipcRenderer only in the preload', () => {
    expect(filesUsing(/\bipcRenderer\b/u)).toEqual(['main/preload.ts']);
  });

  it('uses ipcMain and sends to web contents only in main/electron/ipc.ts', () => {
    expect(filesUsing(/\bipcMain\b/u)).toEqual(['main/electron/ipc.ts']);
    expect(filesUsing(/\b(webContents|contents)\.send\(/u)).toEqual(['main/electron/ipc.ts']);
  });
});
