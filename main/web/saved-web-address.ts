/**
 * The web mode's token and port, kept per data dir in the settings folder
 * (`web-address.json`, 0600), so the next `tether app --web` on that data dir serves
 * the same URL: a tab left open across a restart reconnects by itself, its cookie
 * and URL still valid.
 *
 * The token is the key to the user's sessions, so the file is written only by its
 * owner and readable only by them (as `settings.json`); a file others may read is
 * not trusted, and a fresh token is made instead.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';

/** The file, in the settings folder. */
export const WEB_ADDRESS_FILE = 'web-address.json';

const AddressSchema = z.object({ token: z.string().min(32).max(200).regex(/^[A-Za-z0-9_-]+$/u), port: z.number().int().min(1).max(65535) });
/** A token and the port it was served on. */
export type WebAddress = z.infer<typeof AddressSchema>;

const FileSchema = z.object({ version: z.literal(1), byDataDir: z.record(z.string(), AddressSchema) });

/** Reads and writes the saved addresses of one settings folder. */
export class SavedWebAddress {
  readonly path: string;

  constructor(settingsDir: string) {
    this.path = join(settingsDir, WEB_ADDRESS_FILE);
  }

  /**
   * The address last served for `dataDir`, or undefined when there is none, the file
   * is damaged, or others could read it (then the token may be known: not reused).
   */
  load(dataDir: string): WebAddress | undefined {
    const file = this.read();
    return file?.byDataDir[resolve(dataDir)];
  }

  /** Remembers the address served for `dataDir` (the file is 0600). */
  async save(dataDir: string, address: WebAddress): Promise<void> {
    const file = this.read() ?? { version: 1 as const, byDataDir: {} };
    file.byDataDir[resolve(dataDir)] = address;
    // On a first start nothing has made the settings folder yet; it holds the token, so it is the owner's alone.
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  }

  private read(): z.infer<typeof FileSchema> | undefined {
    try {
      if (process.platform !== 'win32' && (statSync(this.path).mode & 0o077) !== 0) return undefined; // readable by others: the token may be known
      const parsed = FileSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // none yet, or damaged: a fresh token it is
    }
  }
}
