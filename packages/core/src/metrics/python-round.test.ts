import { describe, expect, it } from 'vitest';
import { pythonRound } from './python-round';

describe('pythonRound', () => {
  // [x, round(x, 4), round(x, 4) * 100] as printed by CPython 3
  const cases: [number, number, number][] = [
    [0.7980006553376118, 0.798, 79.80000000000001],
    [0.5240359626717161, 0.524, 52.400000000000006],
    [0.03125, 0.0312, 3.1199999999999997],
    [0.09375, 0.0938, 9.379999999999999],
    [0.00005, 0.0001, 0.01],
    [0.00015, 0.0001, 0.01],
    [0.12345, 0.1235, 12.35],
    [0.99995, 1.0, 100.0],
    [0.999949999, 0.9999, 99.99],
    [1 / 3, 0.3333, 33.33],
    [2 / 3, 0.6667, 66.67],
    [0.9166666666666666, 0.9167, 91.67],
    [0.8125, 0.8125, 81.25],
    [-0.03125, -0.0312, -3.1199999999999997],
  ];
  for (const [x, r, r100] of cases) {
    it(`round(${x}, 4) = ${r}`, () => {
      expect(pythonRound(x, 4)).toBe(r);
      expect(pythonRound(x, 4) * 100).toBe(r100);
    });
  }

  it('ties to even at 0 digits, signs and specials', () => {
    expect(pythonRound(0.5, 0)).toBe(0);
    expect(pythonRound(1.5, 0)).toBe(2);
    expect(pythonRound(2.5, 0)).toBe(2);
    expect(Object.is(pythonRound(-0.00001, 4), -0)).toBe(true);
    expect(pythonRound(NaN, 4)).toBeNaN();
    expect(pythonRound(0, 4)).toBe(0);
    expect(() => pythonRound(1, -1)).toThrow(/ndigits/);
  });
});
