import { describe, expect, it } from 'vitest';
import { ScoreHistogram } from './score-histogram';

describe('ScoreHistogram', () => {
  it('bins values and keeps every count while the range grows both ways', () => {
    const h = new ScoreHistogram(16, 0, 1, 1);
    const add = (x: number) => {
      h.cover(x, x);
      h.layers[0]![h.binOf(x)]!++;
    };
    for (let i = 0; i < 16; i++) add(i / 16 + 1 / 32);
    expect(Array.from(h.layers[0]!)).toEqual(new Array(16).fill(1));
    add(3.5); // needs width x4 upward: lo stays 0
    expect(h.lo).toBe(0);
    expect(h.width).toBe(0.25);
    expect(h.layers[0]![0]).toBe(4);
    expect(h.layers[0]![1]).toBe(4);
    expect(h.layers[0]![14]).toBe(1);
    add(-4); // downward: the right edge (4) stays
    expect(h.hi).toBe(4);
    expect(h.lo).toBeLessThanOrEqual(-4);
    const total = h.layers[0]!.reduce((a, b) => a + b, 0);
    expect(total).toBe(18);
    // every value still sits in the bin covering it
    expect(h.edge(h.binOf(3.5))).toBeLessThanOrEqual(3.5);
    expect(h.edge(h.binOf(-4))).toBeLessThanOrEqual(-4);
    expect(h.layers[0]![h.binOf(-4)]).toBe(1);
    expect(h.layers[0]![h.binOf(3.5)]).toBe(1);
  });

  it('validates its parameters', () => {
    expect(() => new ScoreHistogram(10, 0, 1, 1)).toThrow(/power of two/);
    expect(() => new ScoreHistogram(16, 1, 0, 1)).toThrow(/invalid initial range \[1, 0\]/);
    expect(new ScoreHistogram(16, 2, 2, 1).width).toBeGreaterThan(0);
  });
});
