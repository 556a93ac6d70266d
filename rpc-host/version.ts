/**
 * The package version, read once from the nearest `package.json` named `tether`.
 *
 * Found by walking up from this file so it works from the sources (tests) and from
 * the compiled `dist/` tree alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'tether' && manifest.version) return manifest.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0-unknown';
}

/** This build's version, e.g. `0.1.0`. */
export const TETHER_VERSION = findVersion();
