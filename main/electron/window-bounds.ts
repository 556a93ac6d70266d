/**
 * Where the chat window opens: its saved bounds when they still fit a screen,
 * else the default size, centred by the window system.
 *
 * Saved bounds go stale: a monitor is unplugged, a laptop leaves its dock, the
 * resolution changes. A window restored off every screen cannot be reached, so the
 * saved place is used only while enough of its title bar lies on a display's work
 * area to grab it. Plain data: the adapter passes `screen.getAllDisplays()` work areas.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The chat window's size on first start. */
export const DEFAULT_WINDOW_SIZE = { width: 960, height: 720 } as const;
/** The smallest window the layout works in (the settings schema enforces the same). */
export const MIN_WINDOW_SIZE = { width: 400, height: 300 } as const;

/** How much of the title bar must be on a screen for the saved place to be kept. */
const GRAB_WIDTH = 120;
const GRAB_HEIGHT = 32;

/** The bounds to open with: `{ x, y, width, height }`, or only a size to let the window system place it. */
export function restoreWindowBounds(saved: Rect | null | undefined, workAreas: readonly Rect[]): Rect | { width: number; height: number } {
  if (!saved || workAreas.length === 0) return { ...DEFAULT_WINDOW_SIZE };
  const titleBar: Rect = { x: saved.x, y: saved.y, width: saved.width, height: GRAB_HEIGHT };
  const home = workAreas.find((area) => {
    const overlap = intersect(titleBar, area);
    return overlap !== null && overlap.width >= Math.min(GRAB_WIDTH, saved.width) && overlap.height >= Math.min(GRAB_HEIGHT, saved.height);
  });
  if (!home) return { ...DEFAULT_WINDOW_SIZE }; // off every screen now
  // Shrink a window bigger than its screen (e.g. restored on a smaller monitor).
  const width = clamp(saved.width, MIN_WINDOW_SIZE.width, Math.max(MIN_WINDOW_SIZE.width, home.width));
  const height = clamp(saved.height, MIN_WINDOW_SIZE.height, Math.max(MIN_WINDOW_SIZE.height, home.height));
  return { x: Math.round(saved.x), y: Math.round(saved.y), width: Math.round(width), height: Math.round(height) };
}

/** Bounds worth saving (whole pixels, at least the minimum size), or null for a degenerate rectangle. */
export function boundsToSave(bounds: Rect): Rect | null {
  const values = [bounds.x, bounds.y, bounds.width, bounds.height];
  if (!values.every(Number.isFinite) || bounds.width <= 0 || bounds.height <= 0) return null; // minimised or not laid out yet
  return {
    x: Math.round(bounds.x),
    y: Math.round(bounds.y),
    width: Math.round(Math.max(bounds.width, MIN_WINDOW_SIZE.width)),
    height: Math.round(Math.max(bounds.height, MIN_WINDOW_SIZE.height)),
  };
}

function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
