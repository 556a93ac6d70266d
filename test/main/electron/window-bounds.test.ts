import { describe, expect, it } from 'vitest';
import { boundsToSave, DEFAULT_WINDOW_SIZE, restoreWindowBounds } from '../../../main/electron/window-bounds.js';

const laptop = { x: 0, y: 0, width: 1440, height: 877 };
const external = { x: 1440, y: -200, width: 2560, height: 1400 };

describe('restoreWindowBounds', () => {
  it('uses the default size, unplaced, the first time', () => {
    expect(restoreWindowBounds(null, [laptop])).toEqual(DEFAULT_WINDOW_SIZE);
  });

  it('keeps saved bounds that lie on a screen', () => {
    expect(restoreWindowBounds({ x: 100, y: 80, width: 900, height: 700 }, [laptop])).toEqual({ x: 100, y: 80, width: 900, height: 700 });
    expect(restoreWindowBounds({ x: 2000, y: -100, width: 1200, height: 900 }, [laptop, external])).toEqual({ x: 2000, y: -100, width: 1200, height: 900 });
  });

  it('drops the place when the screen it was on is gone', () => {
    expect(restoreWindowBounds({ x: 2000, y: -100, width: 1200, height: 900 }, [laptop])).toEqual(DEFAULT_WINDOW_SIZE);
  });

  it('drops the place when only a sliver of the title bar would be reachable', () => {
    expect(restoreWindowBounds({ x: 1400, y: 100, width: 900, height: 700 }, [laptop])).toEqual(DEFAULT_WINDOW_SIZE);
    expect(restoreWindowBounds({ x: 100, y: 870, width: 900, height: 700 }, [laptop])).toEqual(DEFAULT_WINDOW_SIZE);
  });

  it('shrinks a window larger than its screen', () => {
    expect(restoreWindowBounds({ x: 0, y: 0, width: 2400, height: 1300 }, [laptop])).toEqual({ x: 0, y: 0, width: 1440, height: 877 });
  });
});

describe('boundsToSave', () => {
  it('rounds and enforces the minimum size; refuses degenerate bounds', () => {
    expect(boundsToSave({ x: 10.4, y: 20.6, width: 100, height: 900.2 })).toEqual({ x: 10, y: 21, width: 400, height: 900 });
    expect(boundsToSave({ x: 0, y: 0, width: 0, height: 0 })).toBeNull();
    expect(boundsToSave({ x: Number.NaN, y: 0, width: 800, height: 600 })).toBeNull();
  });
});
