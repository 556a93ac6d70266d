/**
 * Imports point inward only (SPEC §1): the gateway child never imports the main
 * process or the renderer; the renderer imports nothing from Node or Electron and
 * only types from main/'s bridge contract; Electron is imported only by the thin
 * adapter (main/electron/) and the preload.
 *
 * Checked on the sources' import and export-from statements (static and dynamic
 * imports with a literal specifier), so a violation fails here with the file and the
 * line instead of surfacing as a broken bundle or a child that loads Electron.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface ImportSite {
  file: string;
  line: number;
  specifier: string;
  typeOnly: boolean;
  /** The repo-relative path an import resolves to, or null for a package. */
  target: string | null;
}

function sourceFiles(dir: string): string[] {
  const abs = join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return []; // the folder does not exist (yet)
  }
  return entries.flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(join(dir, name));
    return /\.(ts|tsx|mts|cts)$/u.test(name) && !name.endsWith('.d.ts') ? [join(dir, name)] : [];
  });
}

const IMPORT_PATTERN = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gmu;

function importsOf(file: string): ImportSite[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const sites: ImportSite[] = [];
  for (const match of text.matchAll(IMPORT_PATTERN)) {
    const specifier = match[3] ?? match[4] ?? match[5]!;
    const line = text.slice(0, match.index).split('\n').length;
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(sep).join('/') : null;
    sites.push({ file, line, specifier, typeOnly: match[2] !== undefined, target });
  }
  return sites;
}

function describeSite(site: ImportSite): string {
  return `${site.file}:${site.line} imports ${site.specifier}`;
}

describe('import boundaries', () => {
  it('the gateway child (rpc-host/) imports nothing from main/ or renderer/', () => {
    const bad = sourceFiles('rpc-host')
      .flatMap(importsOf)
      .filter((site) => site.target !== null && (site.target.startsWith('main/') || site.target.startsWith('renderer/')));
    expect(bad.map(describeSite)).toEqual([]);
  });

  it('the renderer imports no Node or Electron module, and only types from main/bridge/ (and the web frames)', () => {
    const sites = sourceFiles('renderer').flatMap(importsOf);
    const bad = sites.filter((site) => {
      if (site.specifier === 'electron' || site.specifier.startsWith('node:')) return true;
      if (site.target === null) return false;
      if (site.target.startsWith('main/')) return !(site.typeOnly && (site.target.startsWith('main/bridge/') || site.target === 'main/web/frames.js'));
      return !site.target.startsWith('renderer/');
    });
    expect(bad.map(describeSite)).toEqual([]);
  });

  it('only main/electron/ and the preload import electron', () => {
    const sites = ['rpc-host', 'main', 'renderer'].flatMap(sourceFiles).flatMap(importsOf);
    const bad = sites.filter((site) => site.specifier === 'electron' && !site.typeOnly && !site.file.startsWith('main/electron/') && site.file !== 'main/preload.ts');
    expect(bad.map(describeSite)).toEqual([]);
  });

  it('main/core/ stays free of Electron, even for types', () => {
    const bad = sourceFiles('main/core')
      .flatMap(importsOf)
      .filter((site) => site.specifier === 'electron' || (site.target !== null && (site.target.startsWith('main/electron') || site.target.startsWith('renderer/'))));
    expect(bad.map(describeSite)).toEqual([]);
  });

  it('finds the imports it checks (the scanner is not blind)', () => {
    const sites = importsOf('main/bridge/service.ts');
    expect(sites.map((site) => site.target)).toContain('main/bridge/contract.js');
    expect(importsOf('main/bridge/contract.ts').some((site) => site.typeOnly && site.target === 'main/core/companion.js')).toBe(true);
  });
});
