import { describe, expect, it } from 'vitest';
import { JET_LUT, jetColormap, jetIndex } from './colormap';

describe('jetColormap', () => {
  it('goes from dark blue through green to dark red', () => {
    expect(jetColormap(0)).toEqual([0, 0, 128]); // matplotlib jet(0) = (0, 0, 0.5)
    expect(jetColormap(1)).toEqual([128, 0, 0]); // jet(1) = (0.5, 0, 0)
    // jet(0.5) = (0.4839, 1, 0.4839): green dominates, red and blue equal.
    expect(jetColormap(0.5)).toEqual([123, 255, 123]);
    // Pure blue, cyan, yellow and red plateaus.
    expect(jetColormap(0.2)).toEqual([0, 77, 255]); // g = (0.2 - 0.125) / 0.25 = 0.3
    expect(jetColormap(0.375)).toEqual([Math.round((0.025 / 0.31) * 255), 255, Math.round((1 - 0.035 / 0.31) * 255)]);
    expect(jetColormap(0.75)).toEqual([255, Math.round((1 - 0.11 / 0.27) * 255), 0]);
    expect(jetColormap(0.9)).toEqual([Math.round((1 - 0.5 * (0.01 / 0.11)) * 255), Math.round((0.01 / 0.27) * 255), 0]);
  });

  it('clamps t and rejects NaN', () => {
    expect(jetColormap(-3)).toEqual(jetColormap(0));
    expect(jetColormap(7)).toEqual(jetColormap(1));
    expect(() => jetColormap(Number.NaN)).toThrow(/jetColormap: t must be a number, got NaN/);
  });

  it('has a 256-entry LUT sampled at i / 255', () => {
    expect(JET_LUT.length).toBe(768);
    for (const i of [0, 1, 64, 127, 128, 200, 255]) {
      expect(Array.from(JET_LUT.subarray(3 * i, 3 * i + 3))).toEqual(jetColormap(i / 255));
    }
    expect(Array.from(JET_LUT.subarray(0, 3))).toEqual([0, 0, 128]);
    expect(Array.from(JET_LUT.subarray(765, 768))).toEqual([128, 0, 0]);
  });

  it('indexes like np.uint8(255 * t)', () => {
    expect([jetIndex(0), jetIndex(0.5), jetIndex(0.999), jetIndex(1), jetIndex(-1), jetIndex(2), jetIndex(Number.NaN)]).toEqual([
      0, 127, 254, 255, 0, 255, 0,
    ]);
  });
});
