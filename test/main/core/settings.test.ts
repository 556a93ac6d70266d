/**
 * The settings store (`SettingsStore`) on real temp dirs: defaults for a missing
 * dir (and no file until the first update), atomic JSON writes a fresh store reads
 * back, invalid patches refused with nothing changed, corrupt / partly bad /
 * unreadable files backed up and defaulted with a warning naming the file, racing
 * updates (one store and two) that always leave the newest, parsable settings,
 * `onDidChange` with the changed keys only, write failures that keep the change in
 * memory, `flush()`, and `defaultSettingsDir`.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../rpc-host/log.js';
import { isCompanionError } from '../../../main/core/errors.js';
import { DEFAULT_SETTINGS, SETTINGS_FILE_NAME, SettingsStore, defaultSettingsDir, type Settings, type SettingsChange } from '../../../main/core/settings.js';

/** A logger that keeps what it was told, by level. */
interface RecordingLogger extends Logger {
  warnings: string[];
  errors: string[];
}

function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    debug() {},
    info() {},
    warn: (message: string) => void warnings.push(message),
    error: (message: string) => void errors.push(message),
  };
}

let root: string;
let dir: string;
let logger: RecordingLogger;
/** Dirs a test made read-only; made writable again so they can be removed. */
const lockedDirs: string[] = [];
/** Every store a test opened: a repaired file is written back in the background, so flush before cleanup. */
const opened: SettingsStore[] = [];

function openStore(...args: ConstructorParameters<typeof SettingsStore>): SettingsStore {
  const store = new SettingsStore(...args);
  opened.push(store);
  return store;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tether-settings-'));
  dir = join(root, 'config');
  logger = recordingLogger();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.flush()));
  for (const locked of lockedDirs.splice(0)) chmodSync(locked, 0o700);
  await rm(root, { recursive: true, force: true });
});

const settingsFile = () => join(dir, SETTINGS_FILE_NAME);
const readSettingsFile = (): unknown => JSON.parse(readFileSync(settingsFile(), 'utf8'));
const backups = () => (existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith(`${SETTINGS_FILE_NAME}.corrupt-`)) : []);
const bounds = (x: number) => ({ x, y: 0, width: 800, height: 600 });

/** Writes `text` as the settings file before a store opens it. */
function seedFile(text: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(settingsFile(), text);
}

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('SettingsStore: reading', () => {
  it('starts from the defaults when the dir does not exist, and creates nothing', () => {
    const store = openStore(dir, logger);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(store.path).toBe(settingsFile());
    expect(existsSync(dir)).toBe(false);
    expect(logger.warnings).toEqual([]);
  });

  it('has the documented defaults', () => {
    expect(DEFAULT_SETTINGS).toEqual({
      heartbeatsEnabled: true,
      cliFallbackEnabled: true,
      gatewayCommand: null,
      projectRoot: null,
      gatewayEnv: {},
      quickAskShortcut: 'CommandOrControl+Shift+Space',
      windowBounds: null,
    });
  });

  it('hands out frozen settings', () => {
    const store = openStore(dir, logger);
    expect(Object.isFrozen(store.get())).toBe(true);
  });

  it('reads a valid file, filling fields it lacks with defaults', () => {
    seedFile(JSON.stringify({ cliFallbackEnabled: false, projectRoot: '/srv/project' }));
    const store = openStore(dir, logger);
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, cliFallbackEnabled: false, projectRoot: '/srv/project' });
    expect(logger.warnings).toEqual([]);
    expect(backups()).toEqual([]);
  });

  it('backs up a file that is not JSON, uses the defaults and names the file in a warning', () => {
    const corrupt = '{"heartbeatsEnabled": false,';
    seedFile(corrupt);
    const store = openStore(dir, logger);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    const [backup, ...more] = backups();
    expect(more).toEqual([]);
    expect(backup).toMatch(/^settings\.json\.corrupt-[\dT-]+Z$/u);
    expect(readFileSync(join(dir, backup!), 'utf8')).toBe(corrupt);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain(settingsFile());
    expect(logger.warnings[0]).toContain('not valid JSON');
    expect(logger.warnings[0]).toContain(join(dir, backup!));
  });

  it('keeps the good fields of a partly bad file, defaults the bad ones, and backs it up', () => {
    const partlyBad = JSON.stringify({ heartbeatsEnabled: 'yes', cliFallbackEnabled: false, windowBounds: { x: 1, y: 2, width: 10, height: 10 } });
    seedFile(partlyBad);
    const store = openStore(dir, logger);
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, cliFallbackEnabled: false });
    const [backup] = backups();
    expect(backup).toBeDefined();
    expect(readFileSync(join(dir, backup!), 'utf8')).toBe(partlyBad);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain(settingsFile());
    expect(logger.warnings[0]).toContain('heartbeatsEnabled');
    expect(logger.warnings[0]).toContain('windowBounds');
  });

  it('leaves a setting alone when a patch names it with undefined', async () => {
    const store = openStore(dir, logger);
    await store.update({ heartbeatsEnabled: false, projectRoot: '/srv/project' });
    const changes: string[][] = [];
    store.onDidChange(({ changed }) => changes.push(changed));
    await store.update({ heartbeatsEnabled: undefined, projectRoot: undefined, cliFallbackEnabled: false });
    expect(store.get()).toMatchObject({ heartbeatsEnabled: false, projectRoot: '/srv/project', cliFallbackEnabled: false });
    expect(changes).toEqual([['cliFallbackEnabled']]);
  });

  it('writes a repaired file back once, so the next start neither warns nor backs up again', async () => {
    seedFile('{"heartbeatsEnabled": "yes", "cliFallbackEnabled": false}');
    await openStore(dir, logger).flush();
    expect(backups()).toHaveLength(1);
    expect(readSettingsFile()).toMatchObject({ heartbeatsEnabled: true, cliFallbackEnabled: false });
    const again = recordingLogger();
    expect(openStore(dir, again).get().cliFallbackEnabled).toBe(false);
    expect(again.warnings).toEqual([]);
    expect(backups()).toHaveLength(1);
  });

  it.each([
    ['an array', '[1, 2]'],
    ['null', 'null'],
    ['a number', '42'],
  ])('uses the defaults for a file holding %s, and backs it up', (_what, text) => {
    seedFile(text);
    const store = openStore(dir, logger);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(backups()).toHaveLength(1);
    expect(logger.warnings[0]).toContain(settingsFile());
  });

  it('uses the defaults without throwing when the file cannot be read (it is a directory)', () => {
    mkdirSync(settingsFile(), { recursive: true });
    let store: SettingsStore | undefined;
    expect(() => {
      store = openStore(dir, logger);
    }).not.toThrow();
    expect(store!.get()).toEqual(DEFAULT_SETTINGS);
    expect(logger.warnings.some((warning) => warning.includes(`cannot read settings file ${settingsFile()}`))).toBe(true);
  });
});

describe('SettingsStore: updating', () => {
  it('creates the dir and writes JSON that a fresh store reads back', async () => {
    const store = openStore(dir, logger);
    const next = await store.update({ heartbeatsEnabled: false, gatewayEnv: { OPENAI_API_KEY: 'sk-test' }, windowBounds: bounds(5) });
    const expected: Settings = { ...DEFAULT_SETTINGS, heartbeatsEnabled: false, gatewayEnv: { OPENAI_API_KEY: 'sk-test' }, windowBounds: bounds(5) };
    expect(next).toEqual(expected);
    expect(store.get()).toEqual(expected);
    expect(readSettingsFile()).toEqual(expected);
    expect(openStore(dir, recordingLogger()).get()).toEqual(expected);
    expect(logger.warnings).toEqual([]);
  });

  it('writes the file readable by the user only', async () => {
    const store = openStore(dir, logger);
    await store.update({ cliFallbackEnabled: false });
    expect(statSync(settingsFile()).mode & 0o777).toBe(0o600);
  });

  it('fills the args of a gateway command', async () => {
    const store = openStore(dir, logger);
    await store.update({ gatewayCommand: { file: '/usr/bin/tether' } });
    expect(store.get().gatewayCommand).toEqual({ file: '/usr/bin/tether', args: [] });
  });

  it.each([
    ['heartbeatsEnabled', { heartbeatsEnabled: 'yes' }],
    ['projectRoot', { projectRoot: 'relative/dir' }],
    ['gatewayCommand', { gatewayCommand: { file: '' } }],
    ['gatewayEnv', { gatewayEnv: { 'NOT-A-NAME': 'x' } }],
    ['windowBounds', { windowBounds: { x: 0, y: 0, width: 10, height: 600 } }],
  ])('refuses an invalid %s with settings_error naming the field, and changes nothing', async (field, patch) => {
    const store = openStore(dir, logger);
    await store.update({ cliFallbackEnabled: false });
    const before = store.get();
    const fileBefore = readFileSync(settingsFile(), 'utf8');
    const changes: SettingsChange[] = [];
    store.onDidChange((change) => changes.push(change));

    const error = await rejectionOf(store.update(patch as never));
    expect(isCompanionError(error, 'settings_error')).toBe(true);
    expect((error as Error).message).toContain(field);
    expect(store.get()).toBe(before);
    expect(readFileSync(settingsFile(), 'utf8')).toBe(fileBefore);
    expect(changes).toEqual([]);
  });

  it('leaves the last of 50 racing updates in the file', async () => {
    const store = openStore(dir, logger);
    const updates = Array.from({ length: 50 }, (_, n) => store.update({ heartbeatsEnabled: n % 2 === 0, windowBounds: bounds(n) }));
    await Promise.all(updates);
    const last = { ...DEFAULT_SETTINGS, heartbeatsEnabled: false, windowBounds: bounds(49) };
    expect(store.get()).toEqual(last);
    expect(readSettingsFile()).toEqual(last);
    expect(openStore(dir, recordingLogger()).get()).toEqual(last);
  });

  it('resolves each racing update only once the file holds it or newer', async () => {
    const store = openStore(dir, logger);
    const updates = Array.from({ length: 10 }, async (_, n) => {
      await store.update({ windowBounds: bounds(n) });
      return (readSettingsFile() as Settings).windowBounds!.x;
    });
    const seen = await Promise.all(updates);
    seen.forEach((x, n) => expect(x).toBeGreaterThanOrEqual(n));
  });

  it('never leaves an unparsable file while two stores on one dir write in parallel', async () => {
    const first = openStore(dir, logger);
    const second = openStore(dir, logger);
    const writer = async (store: SettingsStore, offset: number) => {
      for (let n = 0; n < 30; n++) await store.update({ windowBounds: bounds(offset + n), heartbeatsEnabled: n % 2 === 0 });
    };
    let writing = true;
    const done = Promise.all([writer(first, 0), writer(second, 1000)]).finally(() => {
      writing = false;
    });

    let reads = 0;
    const unparsable: string[] = [];
    while (writing) {
      let text: string | undefined;
      try {
        text = readFileSync(settingsFile(), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // not written yet
      }
      if (text !== undefined) {
        reads++;
        try {
          JSON.parse(text);
        } catch {
          unparsable.push(text);
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;

    expect(unparsable).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const final = readSettingsFile() as Settings;
    expect([29, 1029]).toContain(final.windowBounds!.x);
    expect(backups()).toEqual([]);
  });

  it('rejects with settings_error when the file cannot be written, keeping the change in memory', async () => {
    // The dir's parent is a file, so the dir cannot be created: this fails for root too.
    writeFileSync(join(root, 'a-file'), '');
    dir = join(root, 'a-file', 'config');
    const store = openStore(dir, logger);
    const error = await rejectionOf(store.update({ heartbeatsEnabled: false }));
    expect(isCompanionError(error, 'settings_error')).toBe(true);
    expect((error as Error).message).toContain(`cannot save settings to ${settingsFile()}`);
    expect(store.get().heartbeatsEnabled).toBe(false);
    expect(logger.errors).toEqual([(error as Error).message]);
  });

  // Skipped as root: root writes into a read-only dir anyway, so the failure cannot be provoked.
  it.skipIf(process.getuid?.() === 0)('rejects with settings_error when the dir is read-only, keeping the change in memory', async () => {
    const store = openStore(dir, logger);
    await store.update({ cliFallbackEnabled: false });
    chmodSync(dir, 0o500);
    lockedDirs.push(dir);

    const error = await rejectionOf(store.update({ heartbeatsEnabled: false }));
    expect(isCompanionError(error, 'settings_error')).toBe(true);
    expect((error as Error).message).toContain(settingsFile());
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, cliFallbackEnabled: false, heartbeatsEnabled: false });
    expect(readSettingsFile()).toEqual({ ...DEFAULT_SETTINGS, cliFallbackEnabled: false }); // the old file is intact
  });

  it('writes again after a failed write once the dir is usable', async () => {
    writeFileSync(join(root, 'blocker'), '');
    dir = join(root, 'blocker', 'config');
    const store = openStore(dir, logger);
    await rejectionOf(store.update({ heartbeatsEnabled: false }));
    await rm(join(root, 'blocker'));
    await store.update({ cliFallbackEnabled: false });
    expect(readSettingsFile()).toEqual({ ...DEFAULT_SETTINGS, heartbeatsEnabled: false, cliFallbackEnabled: false });
  });
});

describe('SettingsStore.onDidChange', () => {
  it('fires with the settings and only the keys that changed', async () => {
    const store = openStore(dir, logger);
    const changes: SettingsChange[] = [];
    store.onDidChange((change) => changes.push(change));
    await store.update({ heartbeatsEnabled: false, cliFallbackEnabled: true, gatewayEnv: {} });
    await store.update({ gatewayEnv: { A: '1' }, windowBounds: bounds(1), heartbeatsEnabled: false });
    expect(changes.map((change) => change.changed)).toEqual([['heartbeatsEnabled'], ['gatewayEnv', 'windowBounds']]);
    expect(changes[1]!.settings).toEqual({ ...DEFAULT_SETTINGS, heartbeatsEnabled: false, gatewayEnv: { A: '1' }, windowBounds: bounds(1) });
  });

  it('does not fire when nothing changed, comparing nested values by content', async () => {
    const store = openStore(dir, logger);
    await store.update({ gatewayEnv: { A: '1' }, windowBounds: bounds(1) });
    const changes: SettingsChange[] = [];
    store.onDidChange((change) => changes.push(change));
    await store.update({ gatewayEnv: { A: '1' }, windowBounds: bounds(1), heartbeatsEnabled: true });
    expect(changes).toEqual([]);
  });

  it('fires before the write completes, with the new settings already current', async () => {
    const store = openStore(dir, logger);
    const seen: boolean[] = [];
    store.onDidChange(() => seen.push(store.get().heartbeatsEnabled));
    const saving = store.update({ heartbeatsEnabled: false });
    expect(seen).toEqual([false]);
    await saving;
  });

  it('stops firing after unsubscribe, and a throwing listener is logged without failing the update', async () => {
    const store = openStore(dir, logger);
    const changes: SettingsChange[] = [];
    const unsubscribe = store.onDidChange((change) => changes.push(change));
    store.onDidChange(() => {
      throw new Error('window gone');
    });
    await store.update({ heartbeatsEnabled: false });
    unsubscribe();
    await store.update({ heartbeatsEnabled: true });
    expect(changes).toHaveLength(1);
    expect(store.get().heartbeatsEnabled).toBe(true);
    expect(logger.errors).toHaveLength(2);
    expect(logger.errors[0]).toContain('window gone');
  });
});

describe('SettingsStore.flush', () => {
  it('waits for pending writes', async () => {
    const store = openStore(dir, logger);
    void store.update({ heartbeatsEnabled: false });
    void store.update({ windowBounds: bounds(7) });
    await store.flush();
    expect(readSettingsFile()).toEqual({ ...DEFAULT_SETTINGS, heartbeatsEnabled: false, windowBounds: bounds(7) });
  });

  it('resolves when nothing is pending', async () => {
    const store = openStore(dir, logger);
    await expect(store.flush()).resolves.toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  });

  it('resolves after a failed write', async () => {
    writeFileSync(join(root, 'blocker'), '');
    dir = join(root, 'blocker', 'config');
    const store = openStore(dir, logger);
    const saving = store.update({ heartbeatsEnabled: false }).catch((error: unknown) => error);
    await expect(store.flush()).resolves.toBeUndefined();
    expect(isCompanionError(await saving, 'settings_error')).toBe(true);
  });
});

describe('defaultSettingsDir', () => {
  it('honours XDG_CONFIG_HOME on linux', () => {
    expect(defaultSettingsDir({ XDG_CONFIG_HOME: '/xdg/config' }, 'linux')).toBe('/xdg/config/tether');
  });

  it('falls back to ~/.config on linux when XDG_CONFIG_HOME is unset, empty or relative', () => {
    const fallback = join(homedir(), '.config', 'tether');
    expect(defaultSettingsDir({}, 'linux')).toBe(fallback);
    expect(defaultSettingsDir({ XDG_CONFIG_HOME: '' }, 'linux')).toBe(fallback);
    expect(defaultSettingsDir({ XDG_CONFIG_HOME: 'relative/config' }, 'linux')).toBe(fallback);
  });

  it('uses Application Support on macOS, whatever XDG says', () => {
    expect(defaultSettingsDir({ XDG_CONFIG_HOME: '/xdg' }, 'darwin')).toBe(join(homedir(), 'Library', 'Application Support', 'tether'));
  });

  it('uses APPDATA on Windows', () => {
    expect(defaultSettingsDir({ APPDATA: '/roaming' }, 'win32')).toBe(join('/roaming', 'tether'));
    expect(defaultSettingsDir({}, 'win32')).toBe(join(homedir(), 'AppData', 'Roaming', 'tether'));
  });
});
