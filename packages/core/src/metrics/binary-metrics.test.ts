import { describe, expect, it } from 'vitest';
import { auroc, averagePrecision, binaryMetrics, f1Max, ImageMetricAccumulator } from './binary-metrics';

/** Deterministic LCG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Brute-force references straight from the definitions. */
function bruteAuroc(s: number[], y: number[]): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (y[i] === 0) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      num += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return num / pairs;
}

function bruteApF1(s: number[], y: number[]): { ap: number; f1: number } {
  const P = y.filter((v) => v !== 0).length;
  const th = [...new Set(s)].sort((a, b) => b - a);
  let ap = 0;
  let prevR = 0;
  let f1 = 0;
  for (const t of th) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < s.length; i++) if (s[i]! >= t) y[i] !== 0 ? tp++ : fp++;
    const prec = tp / (tp + fp);
    const rec = tp / P;
    ap += (rec - prevR) * prec;
    prevR = rec;
    if (prec + rec > 0) f1 = Math.max(f1, (2 * prec * rec) / (prec + rec));
  }
  return { ap, f1 };
}

describe('binary metrics, hand-computed', () => {
  it('scikit-learn documentation example', () => {
    const s = [0.1, 0.4, 0.35, 0.8];
    const y = [0, 0, 1, 1];
    expect(auroc(s, y)).toBe(0.75);
    expect(averagePrecision(s, y)).toBeCloseTo(0.8333333333333333, 15);
    expect(f1Max(s, y)).toBeCloseTo(0.8, 15);
    expect(binaryMetrics(s, y).f1Threshold).toBe(0.35);
  });

  it('ties form one threshold', () => {
    // pos {0.5, 0.5, 0.9}, neg {0.5, 0.1}
    // AUROC: 0.9 beats both (2), each 0.5 ties 0.5 (0.5) and beats 0.1 (1) -> (2 + 1.5 + 1.5) / 6
    // AP: t=0.9: R=1/3, P=1; t=0.5: R=1, P=3/4 -> 1/3 + 2/3 * 3/4 = 5/6
    // F1: t=0.9: 2/(1+0+3)=0.5; t=0.5: 6/(3+1+3)=6/7; t=0.1: 6/(3+2+3)=0.75
    const s = new Float64Array([0.5, 0.1, 0.5, 0.9, 0.5]);
    const y = new Uint8Array([1, 0, 0, 1, 1]);
    const m = binaryMetrics(s, y);
    expect(m.auroc).toBeCloseTo(5 / 6, 15);
    expect(m.averagePrecision).toBeCloseTo(5 / 6, 15);
    expect(m.f1Max).toBeCloseTo(6 / 7, 15);
    expect(m.f1Threshold).toBe(0.5);
    expect(m.positives).toBe(3);
    expect(m.negatives).toBe(2);
  });

  it('all scores tied: AUROC 0.5, AP = prevalence', () => {
    const m = binaryMetrics([2, 2, 2, 2], [1, 0, 0, 0]);
    expect(m.auroc).toBe(0.5);
    expect(m.averagePrecision).toBe(0.25);
  });

  it('perfect and inverted rankings, negative scores', () => {
    expect(auroc([-3, -2, -1, 0], [0, 0, 1, 1])).toBe(1);
    expect(auroc([-3, -2, -1, 0], [1, 1, 0, 0])).toBe(0);
    expect(averagePrecision([-3, -2, -1, 0], [0, 0, 1, 1])).toBe(1);
  });

  it('one class only: documented NaN, no throw', () => {
    const allNeg = binaryMetrics([0.1, 0.2], [0, 0]);
    expect(allNeg.auroc).toBeNaN();
    expect(allNeg.averagePrecision).toBeNaN();
    expect(allNeg.f1Max).toBeNaN();
    const allPos = binaryMetrics([0.1, 0.2], [1, 1]);
    expect(allPos.auroc).toBeNaN();
    expect(allPos.averagePrecision).toBe(1);
    expect(allPos.f1Max).toBe(1);
    const empty = new ImageMetricAccumulator().compute();
    expect(empty.auroc).toBeNaN();
    expect(empty.positives + empty.negatives).toBe(0);
  });

  it('rejects bad inputs with the offending index', () => {
    expect(() => auroc([0.1, NaN], [0, 1])).toThrow(/index 1 is NaN/);
    expect(() => auroc([0.1, Infinity], [0, 1])).toThrow(/index 1 is Infinity/);
    expect(() => auroc([0.1, 0.2], [0])).toThrow(/expected 2 elements, got 1/);
    expect(() => auroc([0.1, 0.2], [0, NaN])).toThrow(/label at index 1 is NaN/);
    expect(() => new ImageMetricAccumulator({ histogramBins: 1000 })).toThrow(/power of two/);
  });
});

describe('binary metrics vs brute force', () => {
  for (const seed of [1, 2, 3]) {
    it(`random scores with many ties (seed ${seed})`, () => {
      const r = rng(seed);
      const n = 300;
      const s: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < n; i++) {
        const lab = r() < 0.3 ? 1 : 0;
        y.push(lab);
        s.push(Math.round((r() + 0.4 * lab) * 20) / 20 - 0.3); // coarse grid -> ties, negatives too
      }
      const m = binaryMetrics(s, y);
      const ref = bruteApF1(s, y);
      expect(Math.abs(m.auroc - bruteAuroc(s, y))).toBeLessThan(1e-12);
      expect(Math.abs(m.averagePrecision - ref.ap)).toBeLessThan(1e-12);
      expect(Math.abs(m.f1Max - ref.f1)).toBeLessThan(1e-12);
    });
  }

  it('streaming in uneven batches equals one shot, float32 and float64 inputs alike', () => {
    const r = rng(9);
    const n = 5000;
    const s = new Float32Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = r() < 0.2 ? 1 : 0;
      s[i] = r() + 0.3 * y[i]!;
    }
    const once = binaryMetrics(s, y);
    const acc = new ImageMetricAccumulator();
    let i = 0;
    for (const size of [1, 7, 100, 1000, 3892]) {
      acc.update(s.subarray(i, i + size), y.subarray(i, i + size));
      i += size;
    }
    expect(i).toBe(n);
    expect(acc.compute()).toEqual(once);
    expect(binaryMetrics(Float64Array.from(s), y)).toEqual(once);
    // float64 values that float32 cannot hold switch storage to float64 without rounding
    const acc2 = new ImageMetricAccumulator();
    acc2.update(s.subarray(0, 2500), y.subarray(0, 2500));
    const extra = Float64Array.from(s.subarray(2500), (v) => v + 1e-12);
    acc2.update(extra, y.subarray(2500));
    const ref = binaryMetrics(Float64Array.from([...s.subarray(0, 2500), ...extra]), y);
    expect(acc2.compute()).toEqual(ref);
  });
});
