import { describe, expect, it } from 'vitest';
// The core renderer (RGB buffers, same jet table) is the reference for the canvas blend.
import { JET_LUT, overlayHeatmap, resizeMapBilinear } from '@aaclip/render';
import { blendHeatmap, heatmapGradientCss, heatmapLegend, JET_COLORS } from './heatmap';

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

describe('heatmapLegend', () => {
  /** The colour core's overlay gives one pixel of value v on a black image at opacity 1, with min/max. */
  const coreColour = (v: number, min: number, max: number): number[] => Array.from(overlayHeatmap(new Uint8Array(3), new Float32Array([v]), { opacity: 1, min, max }));
  /** The colour blendHeatmap gives the same pixel. */
  const blendColour = (v: number, min: number, max: number): number[] => {
    const px = new Uint8ClampedArray(4);
    blendHeatmap(px, 1, 1, new Float32Array([v]), 1, { opacity: 1, min, max });
    return rgbOf(px);
  };

  it("gives each stop the colour both the canvas blend and core's overlay draw for that value", () => {
    // ranges as the browser example shows them: a probability map's own range, 0..1, a test map's range
    for (const [min, max] of [[1.2e-5, 3.1e-4], [0, 1], [-8.21, -4.67], [0.25, 0.75]] as const) {
      const stops = heatmapLegend(Math.fround(min), Math.fround(max), 9);
      expect(stops).toHaveLength(9);
      expect(stops[0]!.value).toBe(Math.fround(min));
      expect(stops[8]!.value).toBe(Math.fround(max));
      for (const s of stops) {
        const v = Math.fround(s.value); // the map holds float32 values
        expect(s.rgb).toEqual(coreColour(v, Math.fround(min), Math.fround(max)));
        expect(s.rgb).toEqual(blendColour(v, Math.fround(min), Math.fround(max)));
      }
      expect(stops[0]!.rgb).toEqual([0, 0, 128]); // dark blue at min
      expect(stops[8]!.rgb).toEqual([128, 0, 0]); // dark red at max
    }
  });

  it('spaces the stops evenly; an empty range is one dark blue stop; bad ranges are errors', () => {
    expect(heatmapLegend(0, 1, 3)).toEqual([
      { value: 0, rgb: [0, 0, 128] },
      { value: 0.5, rgb: [122, 255, 125] }, // floor(255 * 0.5) = entry 127
      { value: 1, rgb: [128, 0, 0] },
    ]);
    expect(heatmapLegend(0.3, 0.3)).toEqual([{ value: 0.3, rgb: [0, 0, 128] }]);
    expect(blendColour(0.3, 0.3, 0.3)).toEqual([0, 0, 128]);
    expect(() => heatmapLegend(1, 0)).toThrow('heatmapLegend: max (0) is below min (1)');
    expect(() => heatmapLegend(NaN, 1)).toThrow('heatmapLegend: min must be a finite number, got NaN');
    expect(() => heatmapLegend(0, 1, 1)).toThrow('heatmapLegend: stops must be an integer >= 2, got 1');
  });

  it('has a CSS colour bar running through the same jet colours, dark blue to dark red', () => {
    const css = heatmapGradientCss();
    expect(css.startsWith('linear-gradient(to right, rgb(0 0 128) 0%, ')).toBe(true);
    expect(css.endsWith(', rgb(128 0 0) 100%)')).toBe(true);
    const stops = [...css.matchAll(/rgb\((\d+) (\d+) (\d+)\) ([\d.]+)%/g)];
    expect(stops).toHaveLength(17);
    // the middle stop is the colour of t = 0.5 (entry 128: light green)
    expect(stops[8]!.slice(1, 5).map(Number)).toEqual([...JET_COLORS.subarray(128 * 3, 128 * 3 + 3), 50]);
  });
});
