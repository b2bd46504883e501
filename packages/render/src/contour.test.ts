import { describe, expect, it } from 'vitest';
import { drawContour, maskBoundary } from './contour';

/** W x H mask with the rectangle [x0, x1) x [y0, y1) set. */
function rectMask(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 1;
  return m;
}

describe('drawContour', () => {
  const w = 10;
  const h = 8;
  const gray = new Uint8Array(w * h * 3).fill(100);

  it('colours exactly the border pixels of a square mask', () => {
    const mask = rectMask(w, h, 2, 1, 7, 6); // 5 x 5 square
    const out = drawContour(gray, mask, w, h, [0, 255, 0]);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = x >= 2 && x < 7 && y >= 1 && y < 6;
        const border = inside && (x === 2 || x === 6 || y === 1 || y === 5);
        const px = Array.from(out.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
        expect(px, `pixel (${x}, ${y})`).toEqual(border ? [0, 255, 0] : [100, 100, 100]);
      }
    }
    expect(Array.from(gray.subarray(0, 3))).toEqual([100, 100, 100]); // input untouched
  });

  it('treats the image border as outside, non-zero bytes as mask, and widens inwards', () => {
    const full = new Uint8Array(w * h).fill(255);
    const ring = maskBoundary(full, w, h);
    let count = 0;
    for (let p = 0; p < ring.length; p++) count += ring[p];
    expect(count).toBe(2 * w + 2 * h - 4);
    const mask = rectMask(w, h, 2, 1, 7, 6);
    const thick = maskBoundary(mask, w, h, 2);
    // 5x5 square: everything except the 1x1 centre at (4, 3).
    let thickCount = 0;
    for (let p = 0; p < thick.length; p++) thickCount += thick[p];
    expect(thickCount).toBe(24);
    expect(thick[3 * w + 4]).toBe(0);
    expect(Array.from(maskBoundary(mask, w, h, 3))).toEqual(Array.from(mask));
  });

  it('validates its inputs', () => {
    expect(() => drawContour(gray, new Uint8Array(5), w, h)).toThrow(/maskBoundary: mask has 5 elements, expected 80/);
    expect(() => drawContour(gray, new Uint8Array(w * h), w, h, [0, 256, 0])).toThrow(/color must be \[r, g, b\]/);
    expect(() => drawContour(gray, new Uint8Array(w * h), w, h, [0, 0, 0], 0)).toThrow(/thickness must be a positive integer, got 0/);
  });
});
