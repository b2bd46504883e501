import { describe, expect, it } from 'vitest';
import { sortFloat32InPlace, sortFloat64InPlace } from './radix-sort';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

describe('radix sorts', () => {
  it('float32: matches the built-in sort, special values included', () => {
    const r = rng(1);
    const v = new Float32Array(20000);
    for (let i = 0; i < v.length; i++) v[i] = (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4);
    v.set([0, -0, Infinity, -Infinity, 1.4e-45, -1.4e-45, 3.4e38, -3.4e38], 0);
    const want = Float32Array.from(v).sort();
    sortFloat32InPlace(v);
    // compare as numbers (-0 == 0 in either order)
    expect(Array.from(v).every((x, i) => x === want[i])).toBe(true);
    expect(v[0]).toBe(-Infinity);
    expect(v[v.length - 1]).toBe(Infinity);
  });

  it('float32 with payload keeps pairs together; works on subarrays', () => {
    const r = rng(2);
    const base = new Float32Array(1005);
    const v = base.subarray(5);
    const pay = new Uint32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      v[i] = Math.round(r() * 50) / 7; // many ties
      pay[i] = i;
    }
    const orig = Float32Array.from(v);
    sortFloat32InPlace(v, pay);
    for (let i = 0; i < v.length; i++) {
      expect(orig[pay[i]!]).toBe(v[i]);
      if (i > 0) expect(v[i]!).toBeGreaterThanOrEqual(v[i - 1]!);
    }
    expect(Array.from(pay).sort((a, b) => a - b)).toEqual(Array.from({ length: v.length }, (_, i) => i));
  });

  it('float64: full-precision values and payload', () => {
    const r = rng(3);
    const v = new Float64Array(30000);
    const pay = new Uint32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      v[i] = (r() - 0.5) * 1e3 + r() * 1e-9;
      pay[i] = i;
    }
    v[7] = -0;
    v[8] = 0;
    v[9] = Number.MIN_VALUE;
    v[10] = -Number.MAX_VALUE;
    const orig = Float64Array.from(v);
    const want = Float64Array.from(v).sort();
    sortFloat64InPlace(v, pay);
    expect(Array.from(v).every((x, i) => x === want[i])).toBe(true);
    for (let i = 0; i < v.length; i++) expect(orig[pay[i]!]).toBe(v[i]);
  });

  it('handles tiny inputs and rejects a mismatched payload', () => {
    const one = new Float64Array([3]);
    sortFloat64InPlace(one);
    expect(one[0]).toBe(3);
    sortFloat32InPlace(new Float32Array(0));
    expect(() => sortFloat32InPlace(new Float32Array(3), new Uint32Array(2))).toThrow(/payload length 2 != values length 3/);
  });
});
