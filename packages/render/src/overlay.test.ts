import { describe, expect, it } from 'vitest';
import { JET_LUT } from './colormap';
import { normalizeMap } from './normalize-map';
import { overlayHeatmap } from './overlay';

describe('normalizeMap', () => {
  it('min-max normalises by default and clamps to explicit bounds', () => {
    expect(Array.from(normalizeMap(new Float32Array([2, 3, 4])))).toEqual([0, 0.5, 1]);
    expect(Array.from(normalizeMap(new Float32Array([-1, 0.25, 0.5, 3]), { min: 0, max: 1 }))).toEqual([0, 0.25, 0.5, 1]);
    expect(Array.from(normalizeMap(new Float32Array([1, 2, 5]), { max: 3 }))).toEqual([0, 0.5, 1]);
  });

  it('maps a constant map to zeros and validates', () => {
    expect(Array.from(normalizeMap(new Float32Array([7, 7])))).toEqual([0, 0]);
    expect(() => normalizeMap(new Float32Array([0, Number.NaN]))).toThrow(/normalizeMap: map\[1\] is NaN/);
    expect(() => normalizeMap(new Float32Array([0, 1]), { min: 2, max: 1 })).toThrow(/max \(1\) is below min \(2\)/);
    expect(() => normalizeMap(new Float32Array([0, 1]), { min: Number.POSITIVE_INFINITY })).toThrow(/min must be a finite number/);
  });
});

describe('overlayHeatmap', () => {
  const n = 6;
  const rgb = Uint8Array.from({ length: n * 3 }, (_, i) => (i * 37) % 256);
  const map = new Float32Array([0, 0.2, 0.4, 0.6, 0.8, 1]);
  const lutAt = (t: number): number[] => {
    const k = Math.floor(t * 255);
    return Array.from(JET_LUT.subarray(3 * k, 3 * k + 3));
  };

  it('returns the image at opacity 0 and the colormap at opacity 1', () => {
    expect(Array.from(overlayHeatmap(rgb, map, { opacity: 0 }))).toEqual(Array.from(rgb));
    const full = overlayHeatmap(rgb, map, { opacity: 1 });
    for (let p = 0; p < n; p++) expect(Array.from(full.subarray(3 * p, 3 * p + 3))).toEqual(lutAt(map[p]));
    expect(Array.from(full.subarray(0, 3))).toEqual([0, 0, 128]);
    expect(Array.from(full.subarray(15, 18))).toEqual([128, 0, 0]);
  });

  it('blends with the given opacity and range', () => {
    const half = overlayHeatmap(rgb, map, { min: 0, max: 2 }); // opacity 0.5 default; map / 2
    for (let p = 0; p < n; p++) {
      const c = lutAt(map[p] / 2);
      for (let k = 0; k < 3; k++) expect(half[3 * p + k]).toBe(Math.round(0.5 * rgb[3 * p + k] + 0.5 * c[k]));
    }
    expect(overlayHeatmap(rgb, map)).not.toBe(rgb);
  });

  it('validates sizes and opacity', () => {
    expect(() => overlayHeatmap(rgb.subarray(3), map)).toThrow(/overlayHeatmap: rgb has 15 elements, expected 18/);
    expect(() => overlayHeatmap(rgb, map, { opacity: 1.5 })).toThrow(/opacity must be in \[0, 1\], got 1.5/);
  });
});
