import { describe, expect, it } from 'vitest';
import { resizeMapBilinear } from './resize-map';

describe('resizeMapBilinear', () => {
  it('matches cv2.resize(INTER_LINEAR) half-pixel sampling', () => {
    // 2x1 -> 4x1: source x = (o + 0.5) / 2 - 0.5 = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped).
    const out = resizeMapBilinear(new Float32Array([0, 4]), 2, 1, 4, 1);
    expect(Array.from(out)).toEqual([0, 1, 3, 4]);
    // 2x2 -> 4x4 middle samples blend both axes.
    const m = resizeMapBilinear(new Float32Array([0, 4, 8, 12]), 2, 2, 4, 4);
    expect(m[1 * 4 + 1]).toBeCloseTo(0.25 * 8 + 0.25 * 4, 6); // y 0.25, x 0.25
    expect(m[3 * 4 + 3]).toBe(12);
  });

  it('supports align_corners and identity', () => {
    expect(Array.from(resizeMapBilinear(new Float32Array([0, 3]), 2, 1, 4, 1, { alignCorners: true }))).toEqual([0, 1, 2, 3]);
    const src = Float32Array.from({ length: 12 }, (_, i) => i * 0.5);
    expect(Array.from(resizeMapBilinear(src, 4, 3, 4, 3))).toEqual(Array.from(src));
  });

  it('validates sizes', () => {
    expect(() => resizeMapBilinear(new Float32Array(3), 2, 2, 4, 4)).toThrow(/resizeMapBilinear: map has 3 elements, expected 4/);
    expect(() => resizeMapBilinear(new Float32Array(4), 2, 2, 0, 4)).toThrow(/outWidth must be a positive integer, got 0/);
  });
});
