/**
 * The app's settings: a zod schema, a JSON file in the user data dir, atomic writes.
 *
 * Writes go through `write-file-atomic` (temp file, fsync, rename), so a crash or a
 * second writer can leave the old file or the new one, never half of each. Writes
 * are coalesced and run one at a time: the file always ends up holding the newest
 * settings, however many updates raced. Reading never crashes the app: a file that
 * is not JSON, cannot be read, or has bad values is copied aside
 * (`settings.json.corrupt-<time>`) and the bad part replaced by defaults, with a
 * warning that names the file and the fields.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { describeIssues, errorMessage } from '../../rpc-host/protocol/errors.js';
import type { Logger } from '../../rpc-host/shared.js';
import { Emitter, type Listener, type Unsubscribe } from './emitter.js';
import { CompanionError } from './errors.js';

const absolutePath = z.string().refine(isAbsolute, 'must be an absolute path');

/** What the user can set, each with its default. */
export const SettingsSchema = z.object({
  /** "Send heartbeats" in the tray. */
  heartbeatsEnabled: z.boolean().default(true),
  /** "Use CLI fallback" in the tray: serve sends with `tether agent` while the gateway is down. */
  cliFallbackEnabled: z.boolean().default(true),
  /** The program that runs the gateway (before `rpc`); null to resolve it automatically. */
  gatewayCommand: z
    .object({ file: z.string().min(1, 'must not be empty'), args: z.array(z.string()).default([]) })
    .nullable()
    .default(null),
  /** Working directory of the gateway; null for the user's home. */
  projectRoot: absolutePath.nullable().default(null),
  /** Variables added to the gateway's allow-listed environment (e.g. an API key). */
  gatewayEnv: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/u, 'must be a variable name'), z.string()).default({}),
  /**
   * The global shortcut that opens quick ask, in Electron's accelerator syntax
   * (https://www.electronjs.org/docs/latest/api/accelerator); null turns it off.
   */
  quickAskShortcut: z.string().min(1, 'must not be empty; use null to turn the shortcut off').max(100).nullable().default('CommandOrControl+Shift+Space'),
  /** Where the chat window was last. */
  windowBounds: z
    .object({
      x: z.number().int(),
      y: z.number().int(),
      width: z.number().int().min(200).max(20_000),
      height: z.number().int().min(150).max(20_000),
    })
    .nullable()
    .default(null),
});
export type Settings = z.infer<typeof SettingsSchema>;
export type SettingsPatch = Partial<z.input<typeof SettingsSchema>>;

/** The settings every fresh install starts with. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze(SettingsSchema.parse({}));

export const SETTINGS_FILE_NAME = 'settings.json';

/** Where settings live outside Electron: `$XDG_CONFIG_HOME/tether` (Electron passes `userData`). */
export function defaultSettingsDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'tether');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'tether');
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(xdg, 'tether');
}

/** One settings change, with the settings after it. */
export interface SettingsChange {
  settings: Readonly<Settings>;
  changed: (keyof Settings)[];
}

export class SettingsStore {
  readonly path: string;
  private current: Readonly<Settings>;
  private readonly changes: Emitter<SettingsChange>;
  private writing: Promise<void> | undefined;
  private writeAgain = false;

  /** Opens (reads) the settings in `dir`; never throws for a bad or missing file. */
  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.path = join(dir, SETTINGS_FILE_NAME);
    this.changes = new Emitter((error) => logger.error(`a settings listener threw: ${String(error)}`));
    const { settings, repaired } = this.read();
    this.current = Object.freeze(settings);
    if (repaired) {
      // Write the repaired settings back, so the bad file is backed up once, not on every start.
      this.save().catch(() => {}); // save() has logged why
    }
  }

  /** Fires after every change (before it reaches the disk). */
  readonly onDidChange = (listener: Listener<SettingsChange>): Unsubscribe => this.changes.event(listener);

  /** The settings now. */
  get(): Readonly<Settings> {
    return this.current;
  }

  /**
   * Validates and applies `patch` at once, then saves. Resolves once the file holds
   * these settings (or newer ones); rejects with `settings_error` if the patch is
   * invalid (nothing changes) or the file cannot be written (the change still holds
   * for this run).
   */
  async update(patch: SettingsPatch): Promise<Readonly<Settings>> {
    // An undefined field means "leave it", not "reset it": only defined values apply.
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const parsed = SettingsSchema.safeParse({ ...this.current, ...defined });
    if (!parsed.success) throw new CompanionError('settings_error', `invalid setting: ${describeIssues(parsed.error.issues, 'settings')}`);
    const next = Object.freeze(parsed.data);
    const changed = (Object.keys(next) as (keyof Settings)[]).filter((key) => JSON.stringify(next[key]) !== JSON.stringify(this.current[key]));
    this.current = next;
    if (changed.length > 0) this.changes.fire({ settings: next, changed });
    await this.save();
    return next;
  }

  /** Resolves when every update so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => {});
  }

  /** Writes the newest settings; concurrent calls share one write plus at most one more. */
  private save(): Promise<void> {
    if (this.writing) {
      this.writeAgain = true; // the running write may hold older settings: its loop writes once more
      return this.writing;
    }
    const run = async (): Promise<void> => {
      do {
        this.writeAgain = false;
        const text = `${JSON.stringify(this.current, null, 2)}\n`;
        try {
          mkdirSync(this.dir, { recursive: true });
          await writeFileAtomic(this.path, text, { mode: 0o600 });
        } catch (error) {
          const message = `cannot save settings to ${this.path}: ${errorMessage(error)}; the change holds until the app quits`;
          this.logger.error(message);
          throw new CompanionError('settings_error', message);
        }
      } while (this.writeAgain);
    };
    const writing = run().finally(() => {
      if (this.writing === writing) this.writing = undefined;
    });
    this.writing = writing;
    return writing;
  }

  private read(): { settings: Settings; repaired: boolean } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { settings: { ...DEFAULT_SETTINGS }, repaired: false }; // first run
      this.logger.warn(`cannot read settings file ${this.path} (${errorMessage(error)}); using the defaults`);
      this.backUp();
      return { settings: { ...DEFAULT_SETTINGS }, repaired: false }; // unreadable: writing would likely fail too
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const backup = this.backUp();
      this.logger.warn(`settings file ${this.path} is not valid JSON (${errorMessage(error)}); using the defaults${backup ? `, the old file is kept as ${backup}` : ''}`);
      return { settings: { ...DEFAULT_SETTINGS }, repaired: backup !== undefined };
    }
    const parsed = SettingsSchema.safeParse(value);
    if (parsed.success) return { settings: parsed.data, repaired: false };
    return this.salvage(value, parsed.error.issues);
  }

  /** Keeps every valid field of a partly bad file and defaults the rest. */
  private salvage(value: unknown, issues: readonly z.core.$ZodIssue[]): { settings: Settings; repaired: boolean } {
    const backup = this.backUp();
    const record = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const kept: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(SettingsSchema.shape)) {
      if (field.safeParse(record[key]).success) kept[key] = record[key];
    }
    this.logger.warn(
      `settings file ${this.path}: ${describeIssues(issues, 'settings')}; the bad values were replaced by defaults${backup ? `, the old file is kept as ${backup}` : ''}`,
    );
    return { settings: SettingsSchema.parse(kept), repaired: backup !== undefined };
  }

  /** Copies the current file aside; returns its path, or undefined if that failed too. */
  private backUp(): string | undefined {
    const backup = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/gu, '-')}`;
    try {
      copyFileSync(this.path, backup);
      return backup;
    } catch (error) {
      this.logger.warn(`could not back up ${this.path}: ${errorMessage(error)}`);
      return undefined;
    }
  }
}
