/**
 * The committed icons in build/ are real PNG files, of the right sizes, one set
 * per tray state, and exactly what scripts/make-icons.ts draws today (run
 * `npm run icons` after changing it).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TrayIconName } from '../../main/core/menu-model.js';
import { renderIcons, TRAY_ICON_NAMES } from '../../scripts/make-icons.js';

const BUILD = fileURLToPath(new URL('../../build/', import.meta.url));

function readPng(path: string): { width: number; height: number; rgba: Buffer } {
  const data = readFileSync(`${BUILD}${path}`);
  expect(data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${path} is a PNG`).toBe(true);
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let offset = 8; offset < data.length; ) {
    const length = data.readUInt32BE(offset);
    if (data.toString('ascii', offset + 4, offset + 8) === 'IDAT') idat.push(data.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) rows.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  return { width, height, rgba };
}

describe('build/ icons', () => {
  it('has a tray icon set for every icon the menu model names', () => {
    const names: readonly TrayIconName[] = TRAY_ICON_NAMES; // a new TrayIconName without a drawing fails to compile here
    for (const name of names) {
      for (const variant of ['', 'Template']) {
        expect(readPng(`tray/${name}${variant}.png`)).toMatchObject({ width: 16, height: 16 });
        expect(readPng(`tray/${name}${variant}@2x.png`)).toMatchObject({ width: 32, height: 32 });
      }
    }
  });

  it('makes the macOS template images black with alpha only, and each state a different shape', () => {
    const masks = new Set<string>();
    for (const name of TRAY_ICON_NAMES) {
      const { rgba } = readPng(`tray/${name}Template@2x.png`);
      for (let index = 0; index < rgba.length; index += 4) expect(rgba[index]! + rgba[index + 1]! + rgba[index + 2]!).toBe(0);
      masks.add(Buffer.from(rgba.filter((_, index) => index % 4 === 3)).toString('base64'));
    }
    expect(masks.size).toBe(TRAY_ICON_NAMES.length);
  });

  it('has a 512 px application icon', () => {
    expect(readPng('icon.png')).toMatchObject({ width: 512, height: 512 });
  });

  it('matches what scripts/make-icons.ts draws (run "npm run icons" if not)', () => {
    for (const [path, data] of renderIcons()) expect(readFileSync(`${BUILD}${path}`).equals(data), path).toBe(true);
  });
});
