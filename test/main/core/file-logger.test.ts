/**
 * The rotating log file: lines land in main.log, the file rotates by size into
 * main.log.1…N with the oldest dropped, levels filter, and an unwritable log falls
 * back to stderr instead of throwing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFileLogger } from '../../../main/core/file-logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-log-'));
  dirs.push(dir);
  return dir;
}

describe('createFileLogger', () => {
  it('appends timestamped lines at or above the level, creating the folder', () => {
    const dir = join(tempDir(), 'logs');
    const logger = createFileLogger({ dir, level: 'info' });
    logger.debug('not this');
    logger.info('gateway started');
    logger.error('gateway crashed');
    logger.close();
    const lines = readFileSync(join(dir, 'main.log'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z info: gateway started$/u);
    expect(lines[1]).toMatch(/ error: gateway crashed$/u);
  });

  it('rotates by size and keeps only the newest files', () => {
    const dir = tempDir();
    const logger = createFileLogger({ dir, maxBytes: 200, keep: 2 });
    for (let i = 0; i < 40; i++) logger.info(`line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`);
    logger.close();
    const current = readFileSync(join(dir, 'main.log'), 'utf8');
    const first = readFileSync(join(dir, 'main.log.1'), 'utf8');
    const second = readFileSync(join(dir, 'main.log.2'), 'utf8');
    expect(existsSync(join(dir, 'main.log.3'))).toBe(false);
    for (const text of [current, first, second]) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(200);
    expect(current).toContain('line 39');
    // Older lines move up in order: .2 is older than .1, which is older than the current file.
    const firstLine = (text: string) => Number(/line (\d+)/u.exec(text)![1]);
    expect(firstLine(second)).toBeLessThan(firstLine(first));
    expect(firstLine(first)).toBeLessThan(firstLine(current));
    expect(current + first + second).not.toContain('line 00');
  });

  it('continues an existing file after a restart, counting its size', () => {
    const dir = tempDir();
    const before = createFileLogger({ dir, maxBytes: 300 });
    before.info('a'.repeat(200));
    before.close();
    const after = createFileLogger({ dir, maxBytes: 300 });
    after.info('b'.repeat(200));
    after.close();
    expect(readFileSync(join(dir, 'main.log.1'), 'utf8')).toContain('a'.repeat(200));
    expect(readFileSync(join(dir, 'main.log'), 'utf8')).toContain('b'.repeat(200));
  });

  it('falls back to stderr when the log folder cannot be created', () => {
    // A regular file where a folder should be: fails for root too, unlike permissions.
    const blocker = join(tempDir(), 'blocker');
    writeFileSync(blocker, 'not a folder');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const logger = createFileLogger({ dir: join(blocker, 'logs') });
    expect(() => logger.info('still heard')).not.toThrow();
    logger.info('and again');
    const written = stderr.mock.calls.map((call) => String(call[0])).join('');
    expect(written).toContain('cannot write the log file');
    expect(written).toContain('still heard');
    expect(written).toContain('and again');
  });

  it('tees every written line', () => {
    const seen: string[] = [];
    const logger = createFileLogger({ dir: tempDir(), tee: (line) => seen.push(line), level: 'warn' });
    logger.info('quiet');
    logger.warn('loud');
    logger.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('warn: loud');
  });
});
