import { describe, expect, it } from 'vitest';
// The core renderer (RGB buffers, same jet table) is the reference for the canvas blend.
import { JET_LUT } from '../../core/src/render/colormap';
import { overlayHeatmap } from '../../core/src/render/overlay';
import { resizeMapBilinear } from '../../core/src/render/resize-map';
import { blendHeatmap, JET_COLORS } from './heatmap';

function rgbaFromRgb(rgb: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let p = 0; p < rgb.length / 3; p++) {
    out.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    out[p * 4 + 3] = 17; // any alpha: the blend makes it opaque
  }
  return out;
}

function rgbOf(rgba: Uint8ClampedArray): number[] {
  return Array.from(rgba).filter((_, i) => i % 4 !== 3);
}

const image = (n: number): Uint8Array => Uint8Array.from({ length: n * 3 }, (_, i) => (i * 37 + 11) & 255);

describe('JET_COLORS', () => {
  it("is matplotlib's jet: dark blue, light green at the middle, dark red", () => {
    expect(Array.from(JET_COLORS.subarray(0, 3))).toEqual([0, 0, 128]);
    expect(Array.from(JET_COLORS.subarray(255 * 3))).toEqual([128, 0, 0]);
    expect(Array.from(JET_COLORS.subarray(128 * 3, 128 * 3 + 3))).toEqual([125, 255, 122]);
    expect(Array.from(JET_COLORS)).toEqual(Array.from(JET_LUT));
  });
});

describe('blendHeatmap', () => {
  it('equals the core overlay when the map has the image size', () => {
    const size = 16;
    const map = Float32Array.from({ length: size * size }, (_, i) => Math.sin(i * 0.37) * 3 + 0.25);
    const rgb = image(size * size);
    for (const opts of [{}, { opacity: 0.3 }, { opacity: 0.8, min: -1, max: 2 }]) {
      const px = rgbaFromRgb(rgb);
      blendHeatmap(px, size, size, map, size, opts);
      expect(rgbOf(px)).toEqual(Array.from(overlayHeatmap(rgb, map, opts)));
      expect(px.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    }
  });

  it('resizes the map bilinearly (pixel centres) to the pixels, normalising with the map range', () => {
    const map = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8]); // 3 x 3
    const W = 7;
    const H = 5;
    const rgb = image(W * H);
    const px = rgbaFromRgb(rgb);
    blendHeatmap(px, W, H, map, 3, { opacity: 0.6 });
    const big = resizeMapBilinear(map, 3, 3, W, H);
    expect(rgbOf(px)).toEqual(Array.from(overlayHeatmap(rgb, big, { opacity: 0.6, min: 0, max: 8 })));
  });

  it('opacity 0 keeps the image, opacity 1 shows the colours; a flat map is dark blue', () => {
    const rgb = image(4);
    const px0 = rgbaFromRgb(rgb);
    blendHeatmap(px0, 2, 2, new Float32Array([0, 1, 2, 3]), 2, { opacity: 0 });
    expect(rgbOf(px0)).toEqual(Array.from(rgb));
    const px1 = rgbaFromRgb(rgb);
    blendHeatmap(px1, 2, 2, new Float32Array([0, 1, 2, 3]), 2, { opacity: 1 });
    expect(rgbOf(px1)).toEqual([0, 0, 128, ...JET_COLORS.subarray(85 * 3, 85 * 3 + 3), ...JET_COLORS.subarray(170 * 3, 170 * 3 + 3), 128, 0, 0]);
    const flat = rgbaFromRgb(rgb);
    blendHeatmap(flat, 2, 2, new Float32Array(4).fill(0.7), 2, { opacity: 1 });
    expect(rgbOf(flat)).toEqual([0, 0, 128, 0, 0, 128, 0, 0, 128, 0, 0, 128]);
  });

  it('validates its inputs, naming the argument', () => {
    const px = new Uint8ClampedArray(16);
    const map = new Float32Array(4);
    expect(() => blendHeatmap(px, 2, 2, map, 3)).toThrow('blendHeatmap: map has 4 values, expected size * size = 9');
    expect(() => blendHeatmap(px, 2, 3, map, 2)).toThrow('blendHeatmap: pixels must be 2 x 3 x 4 = 24 bytes, got 16');
    expect(() => blendHeatmap(px, 2, 2, new Float32Array([0, NaN, 0, 0]), 2)).toThrow('blendHeatmap: map[1] is NaN; anomaly maps must be finite');
    expect(() => blendHeatmap(px, 2, 2, map, 2, { opacity: 1.5 })).toThrow('blendHeatmap: opacity must be in [0, 1], got 1.5');
    expect(() => blendHeatmap(px, 2, 2, map, 2, { min: 1, max: 0 })).toThrow('blendHeatmap: max (0) is below min (1)');
    expect(() => blendHeatmap(px, 0, 2, map, 2)).toThrow('blendHeatmap: width must be a positive integer, got 0');
    expect(() => blendHeatmap(px, 2, 2, [0, 0, 0, 0] as never, 2)).toThrow('blendHeatmap: map must be a Float32Array, got object');
  });
});
