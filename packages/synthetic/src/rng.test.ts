import { describe, expect, it } from 'vitest';
import { hashString, mixSeed, normalizeSeed, SyntheticRng } from './rng';

describe('SyntheticRng', () => {
  it('reproduces its stream from the seed and differs between seeds', () => {
    const a = new SyntheticRng(42);
    const b = new SyntheticRng(42);
    const c = new SyntheticRng(43);
    const sa = Array.from({ length: 16 }, () => a.nextU32());
    const sb = Array.from({ length: 16 }, () => b.nextU32());
    const sc = Array.from({ length: 16 }, () => c.nextU32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(new Set(sa).size).toBe(16);
  });

  it('keeps range, int, pick and chance within bounds and roughly uniform', () => {
    const rng = new SyntheticRng(7);
    const counts = [0, 0, 0, 0];
    let sum = 0;
    let hits = 0;
    let lo = Infinity;
    let hi = -Infinity;
    const picked = new Set<string>();
    for (let i = 0; i < 20000; i++) {
      const x = rng.range(2, 5);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
      counts[rng.int(0, 3)]!++;
      if (rng.chance(0.25)) hits++;
      picked.add(rng.pick(['a', 'b']));
    }
    expect(lo).toBeGreaterThanOrEqual(2);
    expect(hi).toBeLessThan(5);
    expect(lo).toBeLessThan(2.01);
    expect(hi).toBeGreaterThan(4.99);
    expect([...picked].sort()).toEqual(['a', 'b']);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20000);
    expect(sum / 20000).toBeCloseTo(3.5, 1);
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(300);
    expect(Math.abs(hits - 5000)).toBeLessThan(300);
  });

  it('produces standard-normal samples', () => {
    const rng = new SyntheticRng(3);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = rng.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(s2 / n).toBeCloseTo(1, 1);
  });
});

describe('seed helpers', () => {
  it('mixSeed is order sensitive and returns uint32', () => {
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
    expect(mixSeed(1, 2)).toBe(mixSeed(1, 2));
    for (const v of [mixSeed(0), mixSeed(-5), mixSeed(2 ** 40 + 3)]) {
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    }
    // the high 32 bits of a large seed matter
    expect(mixSeed(2 ** 40)).not.toBe(mixSeed(0));
  });

  it('hashString is FNV-1a', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });

  it('normalizeSeed rejects non-integers with the argument name', () => {
    expect(() => normalizeSeed(1.5, 'opts.seed')).toThrow(/opts\.seed must be a safe integer, got 1\.5/);
    expect(() => normalizeSeed(Number.NaN, 'seed')).toThrow(/got NaN/);
    expect(() => normalizeSeed('3' as unknown as number, 'seed')).toThrow(TypeError);
    expect(normalizeSeed(-1, 'seed')).toBe(mixSeed(-1));
  });
});
