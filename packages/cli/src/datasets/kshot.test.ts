import { describe, expect, it } from 'vitest';
import { sampleKShot, seededRandom } from './kshot';
import type { DatasetItem } from './types';

/** n items per class: the first half normal/train, the rest anomalous/test. */
function items(classes: string[], n: number): DatasetItem[] {
  const out: DatasetItem[] = [];
  for (const c of classes) {
    for (let i = 0; i < n; i++) {
      const normal = i < n / 2;
      out.push({
        imagePath: `/d/${c}/${String(i).padStart(3, '0')}.png`,
        maskPath: normal ? null : `/d/${c}/gt/${i}.png`,
        label: normal ? 0 : 1,
        className: c,
        split: normal ? 'train' : 'test',
      });
    }
  }
  return out;
}

const names = (xs: DatasetItem[]): string[] => xs.map((x) => x.imagePath);

describe('seededRandom', () => {
  it('is a fixed, seed-determined sequence in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const seq = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(seq);
    expect(seq.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(seq.reduce((s, v) => s + v, 0) / 1000 - 0.5)).toBeLessThan(0.05);
    expect(seededRandom(8)()).not.toBe(seq[0]);
    // mulberry32 reference value for seed 0 (first output 0x4434b462 / 2^32, from an independent Python port).
    expect(seededRandom(0)()).toBeCloseTo(0.26642920868471265, 15);
  });
});

describe('sampleKShot', () => {
  const all = items(['bottle', 'cable', 'screw'], 10);

  it('takes k items per class, deterministically from the seed', () => {
    const a = sampleKShot(all, 3, 42);
    expect(a).toHaveLength(9);
    for (const c of ['bottle', 'cable', 'screw']) expect(a.filter((x) => x.className === c)).toHaveLength(3);
    expect(a.map((x) => x.className)).toEqual(['bottle', 'bottle', 'bottle', 'cable', 'cable', 'cable', 'screw', 'screw', 'screw']);
    expect(names(sampleKShot(all, 3, 42))).toEqual(names(a));
    expect(new Set(names(a)).size).toBe(9);
    // Another seed gives another pick (for at least one class).
    expect(names(sampleKShot(all, 3, 43))).not.toEqual(names(a));
  });

  it('depends on neither input order nor the other classes', () => {
    const a = sampleKShot(all, 4, 5);
    expect(names(sampleKShot([...all].reverse(), 4, 5))).toEqual(names(a));
    const onlyCable = sampleKShot(all.filter((x) => x.className === 'cable'), 4, 5);
    expect(names(onlyCable)).toEqual(names(a.filter((x) => x.className === 'cable')));
  });

  it('filters by split and label', () => {
    const a = sampleKShot(all, 2, 1, { split: 'train', label: 0 });
    expect(a).toHaveLength(6);
    expect(a.every((x) => x.split === 'train' && x.label === 0)).toBe(true);
    const b = sampleKShot(all, 2, 1, { perLabel: true });
    expect(b).toHaveLength(12);
    expect(b.map((x) => `${x.className}:${x.label}`)).toEqual([
      'bottle:0', 'bottle:0', 'bottle:1', 'bottle:1', 'cable:0', 'cable:0', 'cable:1', 'cable:1', 'screw:0', 'screw:0', 'screw:1', 'screw:1',
    ]);
  });

  it('covers every candidate evenly over many seeds', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 2000; seed++) {
      for (const x of sampleKShot(all.filter((i) => i.className === 'bottle'), 2, seed)) {
        counts.set(x.imagePath, (counts.get(x.imagePath) ?? 0) + 1);
      }
    }
    expect(counts.size).toBe(10);
    // Each of 10 items is picked with probability 2/10: 400 of 2000 expected.
    for (const c of counts.values()) expect(Math.abs(c - 400)).toBeLessThan(80);
  });

  it('reports classes with too few candidates, unless allowFewer', () => {
    expect(() => sampleKShot(all, 6, 0, { split: 'train', label: 0 })).toThrow(
      /class "bottle" \(split=train, label=0\) has 5 candidate\(s\), fewer than k=6/,
    );
    expect(() => sampleKShot(all, 6, 0, { perLabel: true })).toThrow(/class "bottle" \(label=0\) has 5 candidate/);
    const some = sampleKShot(all, 6, 0, { split: 'train', allowFewer: true });
    expect(some).toHaveLength(15);
  });

  it('validates its arguments', () => {
    expect(() => sampleKShot(all, 0, 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => sampleKShot(all, 1.5, 0)).toThrow(/k must be a positive integer, got 1.5/);
    expect(() => sampleKShot(all, 1, 0.5)).toThrow(/seed must be an integer, got 0.5/);
    expect(() => sampleKShot(all, 1, 0, { split: 'val' as 'test' })).toThrow(/split must be 'train' or 'test', got "val"/);
    expect(() => sampleKShot(all, 1, 0, { label: 2 as 0 })).toThrow(/label must be 0 or 1, got 2/);
    expect(() => sampleKShot('x' as never, 1, 0)).toThrow(/items must be an array, got string/);
  });
});
