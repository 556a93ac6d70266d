/**
 * The web mode's saved address: kept per data dir in a 0600 file, read back for the
 * same data dir only, and not trusted when others can read it (the token may be known).
 */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SavedWebAddress } from '../../../main/web/saved-web-address.js';

const TOKEN = 'a'.repeat(43);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tether-web-address-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SavedWebAddress', () => {
  it('keeps the token and port per data dir in a file only its owner can read', async () => {
    const saved = new SavedWebAddress(dir);
    expect(saved.load('/data/a')).toBeUndefined();
    await saved.save('/data/a', { token: TOKEN, port: 40123 });
    await saved.save('/data/b', { token: 'b'.repeat(43), port: 40124 });
    expect(new SavedWebAddress(dir).load('/data/a/')).toEqual({ token: TOKEN, port: 40123 });
    expect(new SavedWebAddress(dir).load('/data/b')).toEqual({ token: 'b'.repeat(43), port: 40124 });
    if (process.platform !== 'win32') expect(statSync(saved.path).mode & 0o777).toBe(0o600);
  });

  // Not on Windows: file modes (0644 vs 0600) mean nothing there; ACLs guard the settings folder.
  it.skipIf(process.platform === 'win32')('does not reuse a token others could read', async () => {
    const saved = new SavedWebAddress(dir);
    await saved.save('/data/a', { token: TOKEN, port: 40123 });
    chmodSync(saved.path, 0o644);
    expect(saved.load('/data/a')).toBeUndefined();
  });

  it('creates the settings folder on a first start, where nothing made it yet', async () => {
    const settingsDir = join(dir, 'fresh', 'tether');
    await new SavedWebAddress(settingsDir).save('/data/a', { token: TOKEN, port: 40123 });
    expect(new SavedWebAddress(settingsDir).load('/data/a')).toEqual({ token: TOKEN, port: 40123 });
    if (process.platform !== 'win32') expect(statSync(settingsDir).mode & 0o777).toBe(0o700);
  });

  it('ignores a damaged file', () => {
    const saved = new SavedWebAddress(dir);
    writeFileSync(saved.path, '{"version":1,"byDataDir":{"/data/a":{"token":"short","port":1}}}', { mode: 0o600 });
    expect(saved.load('/data/a')).toBeUndefined();
  });
});
