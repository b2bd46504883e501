import { describe, expect, it } from 'vitest';
import { labelComponents8 } from './connected-components';
import { anomalyClipThresholds } from './curve-pass';
import { aupro, aupro200, PixelMetricAccumulator, pixelMetrics } from './pixel-metric-accumulator';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Regions (pixel index lists) of every image, from the brute-force flood fill below. */
function regionsOf(mask: ArrayLike<number>, b: number, h: number, w: number): number[][] {
  const out: number[][] = [];
  const seen = new Uint8Array(b * h * w);
  for (let n = 0; n < b; n++) {
    for (let p = 0; p < h * w; p++) {
      const start = n * h * w + p;
      if (mask[start] === 0 || seen[start]) continue;
      const reg: number[] = [];
      const todo = [start];
      seen[start] = 1;
      while (todo.length) {
        const q = todo.pop()!;
        reg.push(q);
        const y = Math.floor((q - n * h * w) / w);
        const x = (q - n * h * w) % w;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            const r = n * h * w + yy * w + xx;
            if (mask[r] !== 0 && !seen[r]) {
              seen[r] = 1;
              todo.push(r);
            }
          }
      }
      out.push(reg);
    }
  }
  return out;
}

/** anomalib AUPRO straight from the definition: every distinct score a threshold (>=). */
function bruteAupro(s: ArrayLike<number>, mask: ArrayLike<number>, regs: number[][], limit: number): number {
  const th = [...new Set(Array.from(s))].sort((a, b) => b - a);
  let nNeg = 0;
  for (let i = 0; i < s.length; i++) if (mask[i] === 0) nNeg++;
  const pts: [number, number][] = [[0, 0]];
  for (const t of th) {
    let fp = 0;
    for (let i = 0; i < s.length; i++) if (mask[i] === 0 && s[i]! >= t) fp++;
    let pro = 0;
    for (const r of regs) pro += r.filter((i) => s[i]! >= t).length / r.length;
    pts.push([fp / nNeg, pro / regs.length]);
  }
  let area = 0;
  for (let k = 1; k < pts.length; k++) {
    const [f0, p0] = pts[k - 1]!;
    const [f1, p1] = pts[k]!;
    if (f0 >= limit) break;
    if (f1 <= limit) area += ((f1 - f0) * (p0 + p1)) / 2;
    else {
      const pl = p0 + ((p1 - p0) * (limit - f0)) / (f1 - f0);
      area += ((limit - f0) * (p0 + pl)) / 2;
    }
  }
  return area / limit;
}

/** AnomalyCLIP cal_pro_score, transcribed loop by loop (float64 scores). */
function bruteAupro200(s: ArrayLike<number>, mask: ArrayLike<number>, regs: number[][], limit: number): number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) {
    min = Math.min(min, s[i]!);
    max = Math.max(max, s[i]!);
  }
  const delta = (max - min) / 200;
  const len = Math.ceil((max - min) / delta);
  const d = min + delta - min;
  let nNeg = 0;
  for (let i = 0; i < s.length; i++) if (mask[i] === 0) nNeg++;
  const fprs: number[] = [];
  const pros: number[] = [];
  for (let k = 0; k < len; k++) {
    const th = k === 0 ? min : k === 1 ? min + delta : min + k * d;
    let fp = 0;
    for (let i = 0; i < s.length; i++) if (mask[i] === 0 && s[i]! > th) fp++;
    let pro = 0;
    for (const r of regs) pro += r.filter((i) => s[i]! > th).length / r.length;
    if (fp / nNeg < limit) {
      fprs.push(fp / nNeg);
      pros.push(pro / regs.length);
    }
  }
  const lo = Math.min(...fprs);
  const hi = Math.max(...fprs);
  const x = fprs.map((f) => (f - lo) / (hi - lo));
  let area = 0;
  for (let k = 0; k + 1 < x.length; k++) area += ((x[k + 1]! - x[k]!) * (pros[k]! + pros[k + 1]!)) / 2;
  return -area; // x decreases: sklearn's auc flips the sign
}

describe('labelComponents8', () => {
  it('joins diagonal neighbours and counts sizes', () => {
    // 1 1 0 0
    // 0 0 1 0
    // 1 0 0 0
    const m = new Uint8Array([1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
    const cc = labelComponents8(m, 3, 4);
    expect(cc.count).toBe(2);
    expect(cc.sizes).toEqual([3, 1]);
    expect(Array.from(cc.labels)).toEqual([1, 1, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0]);
  });

  it('rejects a short mask', () => {
    expect(() => labelComponents8(new Uint8Array(5), 2, 3)).toThrow(/too short for 2 x 3/);
  });
});

describe('PixelMetricAccumulator, hand-computed', () => {
  // mask 1 1 0 / 0 0 0, scores 0.9 0.5 0.7 / 0.1 0.3 0.5; one region of 2 pixels, 4 normal pixels.
  // Curve (FPR, PRO): (0,0) (0,.5) (.25,.5) (.5,1) ...; interpolate at .3: PRO .6.
  // AUPRO = (0.25 * 0.5 + 0.05 * (0.5 + 0.6) / 2) / 0.3 = 0.1525 / 0.3.
  const s = [0.9, 0.5, 0.7, 0.1, 0.3, 0.5];
  const m = [1, 1, 0, 0, 0, 0];
  it('AUROC, AP, F1-max, AUPRO', () => {
    const r = pixelMetrics(s, m, [1, 2, 3]);
    expect(r.regions).toBe(1);
    expect(r.auroc).toBeCloseTo(6.5 / 8, 15);
    expect(r.averagePrecision).toBeCloseTo(0.75, 15);
    expect(r.f1Max).toBeCloseTo(2 / 3, 15);
    expect(r.aupro).toBeCloseTo(0.1525 / 0.3, 14);
    expect(aupro(s, m, [2, 3])).toBe(r.aupro);
    expect(aupro(s, m, [2, 3], 1)).toBeCloseTo(bruteAupro(s, m, [[0, 1]], 1), 14);
  });

  it('no anomalous pixel / no normal pixel: AUPRO NaN (documented)', () => {
    const none = pixelMetrics([0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0], [1, 2, 2]);
    expect(none.regions).toBe(0);
    expect(none.aupro).toBeNaN();
    expect(none.aupro200).toBeNaN();
    expect(none.auroc).toBeNaN();
    const all = pixelMetrics([0.1, 0.2, 0.3, 0.4], [1, 1, 1, 1], [1, 2, 2]);
    expect(all.regions).toBe(1);
    expect(all.aupro).toBeNaN();
  });

  it('validates shape and options', () => {
    const acc = new PixelMetricAccumulator();
    expect(() => acc.update(new Float32Array(6), new Float32Array(6), [2, 2, 2])).toThrow(/expected 8 elements, got 6/);
    expect(() => acc.update(new Float32Array(8), new Float32Array(8), [2, 2, 1, 2])).toThrow(/shape must be/);
    expect(() => new PixelMetricAccumulator({ fprLimit: 0 })).toThrow(/fprLimit/);
  });

  it('AnomalyCLIP thresholds follow np.arange', () => {
    expect(Array.from(anomalyClipThresholds(0, 1, 4, false))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(anomalyClipThresholds(1, 1, 200, false).length).toBe(0);
  });
});

describe('PixelMetricAccumulator vs brute force', () => {
  for (const seed of [11, 12]) {
    it(`random blobs with ties (seed ${seed})`, () => {
      const r = rng(seed);
      const b = 3;
      const h = 12;
      const w = 10;
      const n = b * h * w;
      const mask = new Uint8Array(n);
      const s = new Float64Array(n);
      for (let i = 0; i < n; i++) mask[i] = r() < 0.12 ? 1 : 0;
      for (let i = 0; i < n; i++) s[i] = Math.round((r() + 0.5 * mask[i]!) * 40) / 40;
      const regs = regionsOf(mask, b, h, w);
      const got = pixelMetrics(s, mask, [b, h, w]);
      expect(got.regions).toBe(regs.length);
      expect(Math.abs(got.aupro - bruteAupro(s, mask, regs, 0.3))).toBeLessThan(1e-12);
      expect(Math.abs(got.aupro200 - bruteAupro200(s, mask, regs, 0.3))).toBeLessThan(1e-12);
      const low = pixelMetrics(s, mask, [b, h, w], { fprLimit: 0.05 });
      expect(Math.abs(low.aupro - bruteAupro(s, mask, regs, 0.05))).toBeLessThan(1e-12);
    });
  }
});

/** A synthetic class: noisy maps, disc-shaped defects on two images of three. */
function synthetic(seed: number, images: number, h: number, w: number, spread: (b: number) => number) {
  const r = rng(seed);
  const preds = new Float32Array(images * h * w);
  const masks = new Uint8Array(images * h * w);
  for (let b = 0; b < images; b++) {
    const cx = r() * w;
    const cy = r() * h;
    const rad = 3 + r() * 12;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = (b * h + y) * w + x;
        const inside = b % 3 !== 0 && (x - cx) ** 2 + (y - cy) ** 2 < rad * rad;
        masks[i] = inside ? 1 : 0;
        preds[i] = spread(b) * (r() + (inside ? 0.35 : 0)) + 0.01 * b;
      }
  }
  return { preds, masks };
}

describe('streaming and bounded memory', () => {
  it('streaming in batches equals one shot exactly', () => {
    const { preds, masks } = synthetic(5, 12, 40, 36, () => 1);
    const hw = 40 * 36;
    const once = pixelMetrics(preds, masks, [12, 40, 36]);
    const acc = new PixelMetricAccumulator();
    let b = 0;
    for (const size of [1, 4, 2, 5]) {
      acc.update(preds.subarray(b * hw, (b + size) * hw), masks.subarray(b * hw, (b + size) * hw), [size, 1, 40, 36]);
      b += size;
      acc.compute(); // computing mid-stream must not disturb later results
    }
    expect(acc.compute()).toEqual(once);
    expect(once.exact).toBe(true);
  });

  it('histogram mode stays within its documented error on ~1M pixels (growing range)', () => {
    const images = 16;
    const h = 256;
    const w = 256;
    const hw = h * w;
    // later images spread wider, so the histogram range has to grow after the switch
    const { preds, masks } = synthetic(7, images, h, w, (b) => 1 + b / 4);
    const exact = new PixelMetricAccumulator();
    const bounded = new PixelMetricAccumulator({ maxExactScores: 300_000, histogramBins: 2 ** 14 });
    for (let b = 0; b < images; b += 2) {
      const p = preds.subarray(b * hw, (b + 2) * hw);
      const m = masks.subarray(b * hw, (b + 2) * hw);
      exact.update(p, m, [2, h, w]);
      bounded.update(p, m, [2, h, w]);
    }
    const e = exact.compute();
    const a = bounded.compute();
    expect(e.exact).toBe(true);
    expect(a.exact).toBe(false);
    expect(a.positives).toBe(e.positives);
    expect(a.negatives).toBe(e.negatives);
    expect(a.regions).toBe(e.regions);
    expect(a.aurocErrorBound).toBeGreaterThan(0);
    expect(a.aurocErrorBound).toBeLessThan(1e-3);
    expect(Math.abs(a.auroc - e.auroc)).toBeLessThanOrEqual(a.aurocErrorBound);
    expect(a.auproErrorBound).toBeGreaterThan(0);
    expect(a.auproErrorBound).toBeLessThan(1e-3);
    expect(Math.abs(a.aupro - e.aupro)).toBeLessThanOrEqual(a.auproErrorBound);
    expect(a.f1Max).toBeLessThanOrEqual(e.f1Max + 1e-15);
    expect(e.f1Max - a.f1Max).toBeLessThan(1e-2);
    expect(Math.abs(a.averagePrecision - e.averagePrecision)).toBeLessThan(1e-2);
    expect(Math.abs(a.aupro200 - e.aupro200)).toBeLessThan(1e-2);
  });
});

describe('aupro200 helper', () => {
  it('equals the accumulator field', () => {
    const { preds, masks } = synthetic(3, 6, 20, 20, () => 1);
    expect(aupro200(preds, masks, [6, 20, 20])).toBe(pixelMetrics(preds, masks, [6, 20, 20]).aupro200);
  });
});
