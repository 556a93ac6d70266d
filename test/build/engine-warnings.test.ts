/**
 * The README explains every `npm ci` EBADENGINE warning a Node 20 developer sees.
 *
 * The lowest Node that builds and tests tether is 20.19 (README, "Supported Node
 * versions"). Every locked, non-optional package whose `engines.node` leaves that
 * version out makes `npm ci` print a warning there; a newcomer reads it as a
 * failure unless the README names the package and says why it is harmless. A new
 * dependency that adds a warning fails this test until the README says so.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const LOWEST_DEV_NODE: readonly [number, number, number] = [20, 19, 0];

interface LockedPackage {
  engines?: { node?: string } | string[];
  optional?: boolean;
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockedPackage> };
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Whether `version` satisfies a range made of `||` alternatives of `>=x.y.z`, `^x.y.z` or a bare major; other forms count as satisfied. */
function admits(range: string, version: readonly [number, number, number]): boolean {
  return range.split('||').some((alternative) => {
    const part = alternative.trim();
    const match = /^(>=|\^)?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/u.exec(part);
    if (!match) return true; // a form this check does not read: assume no warning
    const bound = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)] as const;
    const atLeast = compare(version, bound) >= 0;
    if (match[1] === '>=') return atLeast;
    return atLeast && version[0] === bound[0]; // ^x.y.z and a bare major stay within the major
  });
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Locked packages `npm ci` warns about on the lowest supported development Node. */
function warnedPackages(): string[] {
  const names = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (path === '' || entry.optional === true || range === undefined) continue; // the root, or skipped where it does not fit
    if (!admits(range, LOWEST_DEV_NODE)) names.add(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  }
  return [...names].sort();
}

describe('npm ci on Node 20', () => {
  it('reads the engine ranges the lock file uses', () => {
    expect(admits('>= 22.12.0', [20, 19, 0])).toBe(false);
    expect(admits('^20.19.0 || ^22.13.0 || >=24', [20, 19, 0])).toBe(true);
    expect(admits('^20.19.0 || ^22.13.0 || >=24', [22, 12, 0])).toBe(false);
    expect(admits('18 || 20 || >=22', [20, 19, 0])).toBe(true);
  });

  it('every EBADENGINE warning is named in the README, with the count it gives', () => {
    const warned = warnedPackages();
    expect(warned.length).toBeGreaterThan(0); // if none remain, drop the README note and this test
    const note = readme.slice(readme.indexOf('`npm warn EBADENGINE`') - 200, readme.indexOf('`npm warn EBADENGINE`') + 600);
    expect(note).toContain('`npm warn EBADENGINE`');
    for (const name of warned) expect(note, `README should name ${name} among the EBADENGINE warnings`).toContain(`\`${name}\``);
    const counts = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    expect(note).toContain(`prints ${counts[warned.length] ?? warned.length} \`npm warn EBADENGINE\` lines`);
  });
});
