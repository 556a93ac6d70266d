/**
 * Draws the app's icons and writes them to build/ as PNG files (committed, so a
 * build needs no image tools): `npm run icons`.
 *
 * - build/tray/<state>.png and <state>@2x.png: coloured tray icons (Linux, Windows),
 *   one per `TrayIconName`;
 * - build/tray/<state>Template.png and @2x: black-and-alpha macOS template images
 *   (the menu bar tints them); the states differ by shape as well as colour, so the
 *   template variants stay distinguishable;
 * - build/icon.png: the 512 px application icon electron-builder converts per platform.
 *
 * Shapes are drawn as signed distances, 4×4 supersampled for smooth edges, and
 * encoded with a minimal PNG writer (RGBA, zlib). Output is deterministic, so a
 * test can check the committed files are current.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];
/** Distance to a shape's edge in unit coordinates (negative inside). */
type Shape = (x: number, y: number) => number;

export const TRAY_ICON_NAMES = ['running', 'busy', 'failed', 'fallback', 'heartbeats-off'] as const;

const COLOURS: Record<(typeof TRAY_ICON_NAMES)[number], Rgb> = {
  running: [46, 160, 67],
  busy: [210, 153, 34],
  failed: [218, 54, 51],
  fallback: [56, 139, 253],
  'heartbeats-off': [139, 148, 158],
};

const circle = (cx: number, cy: number, r: number): Shape => (x, y) => Math.hypot(x - cx, y - cy) - r;
const ring = (cx: number, cy: number, r: number, width: number): Shape => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
const union = (...shapes: Shape[]): Shape => (x, y) => Math.min(...shapes.map((shape) => shape(x, y)));
const subtract = (shape: Shape, cut: Shape): Shape => (x, y) => Math.max(shape(x, y), -cut(x, y));
/** A capsule from (x1,y1) to (x2,y2) of the given width. */
const segment = (x1: number, y1: number, x2: number, y2: number, width: number): Shape => (x, y) => {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) - width / 2;
};
const square = (cx: number, cy: number, half: number): Shape => (x, y) => Math.max(Math.abs(x - cx), Math.abs(y - cy)) - half;
/** Everything with an angle (clockwise from 12 o'clock) inside [from, to) turns. */
const wedge = (cx: number, cy: number, from: number, to: number): Shape => (x, y) => {
  const turn = (Math.atan2(x - cx, -(y - cy)) / (2 * Math.PI) + 1) % 1;
  return turn >= from && turn < to ? -1 : 1;
};

/** The tray glyph of each state: the tether ring, with a mark that tells the states apart. */
function trayShape(name: (typeof TRAY_ICON_NAMES)[number]): Shape {
  const outer = ring(0.5, 0.5, 0.36, 0.13);
  switch (name) {
    case 'running':
      return union(outer, circle(0.5, 0.5, 0.15));
    case 'busy':
      return union(subtract(outer, wedge(0.5, 0.5, 0.05, 0.3)), circle(0.5, 0.5, 0.1));
    case 'failed':
      return union(subtract(outer, segment(0.18, 0.82, 0.82, 0.18, 0.24)), segment(0.22, 0.78, 0.78, 0.22, 0.13));
    case 'fallback':
      return union(outer, square(0.5, 0.5, 0.12));
    case 'heartbeats-off':
      return outer;
  }
}

/** Renders `shape` at `size` px: coverage by 4×4 supersampling. */
function rasterize(size: number, paint: (x: number, y: number) => [number, number, number, number]): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [cr, cg, cb, ca] = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const offset = (py * size + px) * 4;
      const alpha = a / (samples * samples);
      pixels[offset] = a === 0 ? 0 : Math.round(r / a);
      pixels[offset + 1] = a === 0 ? 0 : Math.round(g / a);
      pixels[offset + 2] = a === 0 ? 0 : Math.round(b / a);
      pixels[offset + 3] = Math.round(alpha * 255);
    }
  }
  return pixels;
}

function solid(shape: Shape, colour: Rgb): (x: number, y: number) => [number, number, number, number] {
  return (x, y) => (shape(x, y) <= 0 ? [colour[0], colour[1], colour[2], 1] : [0, 0, 0, 0]);
}

/** The application icon: a dark rounded square with a light ring and a green dot. */
function appIconPaint(x: number, y: number): [number, number, number, number] {
  const corner = 0.2;
  const inset = 0.06;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - inset - corner), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - inset - corner), 0);
  if (Math.hypot(qx, qy) - corner > 0) return [0, 0, 0, 0];
  if (circle(0.5, 0.5, 0.13)(x, y) <= 0) return [...COLOURS.running, 1];
  if (ring(0.5, 0.5, 0.28, 0.08)(x, y) <= 0) return [236, 240, 244, 1];
  return [31, 41, 55, 1];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Encodes RGBA pixels as a PNG file (8-bit, no interlace, filter 0 on every row). */
export function encodePng(size: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every icon file, by its path under build/. */
export function renderIcons(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of TRAY_ICON_NAMES) {
    const shape = trayShape(name);
    for (const [suffix, size] of [['', 16], ['@2x', 32]] as const) {
      files.set(`tray/${name}${suffix}.png`, encodePng(size, rasterize(size, solid(shape, COLOURS[name]))));
      files.set(`tray/${name}Template${suffix}.png`, encodePng(size, rasterize(size, solid(shape, [0, 0, 0]))));
    }
  }
  files.set('icon.png', encodePng(512, rasterize(512, appIconPaint)));
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const buildDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');
  for (const [path, data] of renderIcons()) {
    const target = join(buildDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    console.log(`icons: ${path} (${data.length} bytes)`);
  }
}
