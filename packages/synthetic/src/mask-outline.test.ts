import { describe, expect, it } from 'vitest';
import { overlayMaskOutline } from './mask-outline';

describe('overlayMaskOutline', () => {
  it('paints the mask outline red and leaves the interior and outside alone', () => {
    const w = 5;
    const img = { width: w, height: w, channels: 3 as const, data: new Uint8Array(w * w * 3).fill(50) };
    const mask = new Uint8Array(w * w);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) mask[y * w + x] = 1;
    const out = overlayMaskOutline(img, mask);
    const px = (x: number, y: number): number[] => Array.from(out.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
    expect(px(1, 1)).toEqual([255, 0, 0]);
    expect(px(3, 2)).toEqual([255, 0, 0]);
    expect(px(2, 2)).toEqual([50, 50, 50]);
    expect(px(0, 0)).toEqual([50, 50, 50]);
    expect(img.data[(1 * w + 1) * 3]).toBe(50); // input untouched
    expect(() => overlayMaskOutline(img, new Uint8Array(3))).toThrow('overlayMaskOutline: mask must be a Uint8Array of 25 bytes, got 3');
  });
});
