import { describe, expect, it } from 'vitest';
import { clamp, LatticeNoise, shadeHeight, smoothstep } from './noise';
import { createCoverage, fillDisc, fillRect, strokeSegment } from './raster';

describe('LatticeNoise', () => {
  const n = new LatticeNoise(77);

  it('interpolates the lattice values: exact at integer points, bounded and continuous between', () => {
    for (let i = -3; i < 3; i++) expect(n.value(i, 2 * i)).toBe(n.cell(i, 2 * i));
    let maxStep = 0;
    let lo = 1;
    let hi = 0;
    let prev = n.value(0, 0.5);
    for (let t = 1; t <= 4000; t++) {
      const v = n.value(t / 1000, 0.5);
      maxStep = Math.max(maxStep, Math.abs(v - prev));
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      prev = v;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(maxStep).toBeLessThan(0.003); // smooth: slope at most 1.5 per unit
    expect(new LatticeNoise(77).value(3.3, 4.4)).toBe(n.value(3.3, 4.4));
    expect(new LatticeNoise(78).value(3.3, 4.4)).not.toBe(n.value(3.3, 4.4));
  });

  it('normalises fbm to [0, 1)', () => {
    for (let i = 0; i < 200; i++) {
      const v = n.fbm(i * 0.37, i * 0.11, 5, 0.6);
      if (!(v >= 0 && v < 1)) throw new Error(`fbm out of range: ${v}`);
    }
  });

  it('returns ordered Worley distances (F1 <= F2, F1 < ~1.5 cells)', () => {
    const f = new Float64Array(3);
    for (let i = 0; i < 200; i++) {
      n.worley(i * 0.173, i * 0.291, f);
      expect(f[0]!).toBeLessThanOrEqual(f[1]!);
      expect(f[0]!).toBeLessThan(1.5);
      expect(f[2]! >= 0 && f[2]! < 1).toBe(true);
    }
  });
});

describe('shading and helpers', () => {
  it('shades flat height fields to 1 and lit slopes above 1', () => {
    const flat = shadeHeight(new Float32Array(16).fill(0.3), 4, 0, 1);
    expect(Array.from(flat)).toEqual(new Array<number>(16).fill(1));
    // height decreasing towards +x faces a light coming from +x
    const ramp = new Float32Array(16).map((_, p) => -(p % 4) * 0.5);
    const lit = shadeHeight(ramp, 4, 0, 1);
    expect(lit[5]!).toBeCloseTo(1 + 0.5 / Math.sqrt(1.25), 5);
  });

  it('clamps and smoothsteps', () => {
    expect(clamp(5, 0, 1)).toBe(1);
    expect(clamp(-5, 0, 1)).toBe(0);
    expect(smoothstep(0, 2, 1)).toBe(0.5);
    expect(smoothstep(0, 2, 3)).toBe(1);
  });
});

describe('raster', () => {
  it('strokes a horizontal segment: a 2 px wide line covers one row fully and its neighbours by half', () => {
    const cov = createCoverage(20, 9);
    strokeSegment(cov, 3, 4, 16, 4, 1);
    expect(cov.data[4 * 20 + 10]).toBe(1);
    expect(cov.data[3 * 20 + 10]).toBe(0.5);
    expect(cov.data[5 * 20 + 10]).toBe(0.5);
    expect(cov.data[2 * 20 + 10]).toBe(0);
    expect(cov.data[4 * 20 + 19]).toBe(0);
    // round cap: one unit beyond the end point is half covered
    expect(cov.data[4 * 20 + 17]).toBe(0.5);
  });

  it('fills a disc with about pi r^2 coverage and a rectangle with its area', () => {
    const cov = createCoverage(40, 40);
    fillDisc(cov, 20, 20, 8);
    const area = cov.data.reduce((s, v) => s + v, 0);
    expect(Math.abs(area - Math.PI * 64)).toBeLessThan(6);
    const r = createCoverage(20, 20);
    fillRect(r, 4, 5, 10, 8); // edges through pixel centres: 6 x 3 px
    expect(r.data[6 * 20 + 7]).toBe(1);
    expect(r.data[6 * 20 + 4]).toBe(0.5);
    expect(r.data[6 * 20 + 3]).toBe(0);
    const rectArea = r.data.reduce((s, v) => s + v, 0);
    expect(rectArea).toBeGreaterThanOrEqual(18);
    expect(rectArea).toBeLessThanOrEqual(19);
  });
});
