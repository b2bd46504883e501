/**
 * Streaming pixel-level metrics of one class: AUROC, AP, F1-max (see binary-metrics.ts) and AUPRO.
 *
 * AUPRO (anomalib definition, the default `aupro`): regions are the 8-connected components of each
 * mask; every distinct score is a threshold t (anomalous when score >= t); FPR(t) = normal pixels
 * >= t over all normal pixels of all images; PRO(t) = mean over all regions of the fraction of the
 * region >= t. The curve starts at (0, 0); its trapezoid area over FPR in [0, fprLimit], with
 * linear interpolation at fprLimit, is divided by fprLimit.
 *
 * `aupro200` is the AnomalyCLIP / VAND `cal_pro_score` variant ('AnomalyCLIP-style'): 200
 * thresholds `np.arange(min, max, (max - min) / 200)` over all scores, anomalous when score > th;
 * points with FPR < fprLimit are kept, their FPRs min-max normalised to [0, 1], and the trapezoid
 * area of PRO over them is returned (not divided by the limit: the normalisation already rescales).
 * Its thresholds use float32 arithmetic when every score is float32 (as numpy does for float32
 * maps). NaN when fewer than two distinct FPRs survive.
 *
 * Memory: exact mode keeps every score (float32 while the inputs are float32-exact) plus a region
 * id per anomalous pixel, up to `maxExactScores` (default 2^26 = 67M pixels). Beyond, it switches
 * to three histograms of `histogramBins` (default 2^20) bins over the running [min, max]: normal
 * counts, anomalous counts, and anomalous region weights (sum of 1 / region size). In that mode:
 * - AUROC error <= `aurocErrorBound` = 0.5 * (anomalous-normal pairs in a common bin) / (P N);
 * - AUPRO error <= `auproErrorBound` = sum over bins below the FPR limit of dFPR * dPRO
 *   (halved, except the bin crossing the limit) / fprLimit: within a bin the exact curve is a
 *   monotone path inside the box the binned curve crosses diagonally;
 * - AP and aupro200 are those of the binned scores (no bound); F1-max is a lower bound (it is
 *   reached exactly at a bin edge).
 */
import { toBinaryMetrics, type BinaryMetrics } from './binary-metrics';
import { labelComponents8 } from './connected-components';
import { anomalyClipThresholds, CurvePass } from './curve-pass';
import { checkLabels, checkLength, scanScores } from './scan';
import { ScoreStore, type ScoreStoreOptions, type ScoreTransform } from './score-store';

/** Options of {@link PixelMetricAccumulator}. */
export interface PixelMetricOptions extends ScoreStoreOptions {
  /** Track regions for AUPRO (costs a region id per anomalous pixel). Default true. */
  aupro?: boolean;
  /** FPR integration limit of both AUPROs, in (0, 1]. Default 0.3. */
  fprLimit?: number;
  /** Threshold count of `aupro200`. Default 200. */
  auproSteps?: number;
}

/** Pixel metrics of one class. */
export interface PixelMetrics extends BinaryMetrics {
  /** AUPRO up to `fprLimit` (anomalib definition); NaN without regions, normal pixels or with `aupro: false`. */
  aupro: number;
  /** AnomalyCLIP-style 200-threshold AUPRO (`cal_pro_score`); NaN when undefined or disabled. */
  aupro200: number;
  /** Number of 8-connected anomalous regions. */
  regions: number;
  fprLimit: number;
  /** 0 when exact; see the module docs for the bounded mode. NaN when AUPRO is NaN. */
  auproErrorBound: number;
}

/** Interprets a map shape: [B, H, W], [B, 1, H, W] or [H, W]. */
export function mapShape(shape: readonly number[], what: string): { batch: number; height: number; width: number } {
  const ok = shape.every((d) => Number.isInteger(d) && d >= 0);
  if (ok && shape.length === 2) return { batch: 1, height: shape[0]!, width: shape[1]! };
  if (ok && shape.length === 3) return { batch: shape[0]!, height: shape[1]!, width: shape[2]! };
  if (ok && shape.length === 4 && shape[1] === 1) return { batch: shape[0]!, height: shape[2]!, width: shape[3]! };
  throw new Error(`${what}: shape must be [B, H, W], [B, 1, H, W] or [H, W], got [${shape.join(', ')}]`);
}

/**
 * Streaming pixel metrics of one class; `update` per batch of maps, `compute` at the end.
 *
 * @example
 * const acc = new PixelMetricAccumulator();
 * acc.update(maps, masks, [batch, height, width]); // Float32Array maps, masks (0 / non-zero)
 * const { auroc, averagePrecision, f1Max, aupro, aupro200 } = acc.compute();
 */
export class PixelMetricAccumulator {
  private readonly store: ScoreStore;
  private readonly withRegions: boolean;
  readonly fprLimit: number;
  readonly auproSteps: number;
  private regionCount = 0;
  /** Per image added: its largest score (in order of addition). */
  readonly imageMax: number[] = [];
  private scratch: { labels: Int32Array; stack: Int32Array } | undefined;

  constructor(options: PixelMetricOptions = {}) {
    this.withRegions = options.aupro ?? true;
    this.fprLimit = options.fprLimit ?? 0.3;
    this.auproSteps = options.auproSteps ?? 200;
    if (!(this.fprLimit > 0 && this.fprLimit <= 1)) {
      throw new Error(`PixelMetricAccumulator: fprLimit must be in (0, 1], got ${this.fprLimit}`);
    }
    if (!Number.isInteger(this.auproSteps) || this.auproSteps < 1) {
      throw new Error(`PixelMetricAccumulator: auproSteps must be a positive integer, got ${this.auproSteps}`);
    }
    this.store = new ScoreStore(options, this.withRegions);
  }

  /** Pixels added so far. */
  get count(): number {
    return this.store.nPos + this.store.nNeg;
  }

  /** Smallest and largest score added so far (Infinity / -Infinity when empty). */
  get range(): { min: number; max: number } {
    return { min: this.store.min, max: this.store.max };
  }

  /** True while every stored score is float32-exact. */
  get float32(): boolean {
    return this.store.float32;
  }

  /**
   * Adds a batch of anomaly maps and their masks.
   * @param preds maps, row-major, `B * H * W` finite scores.
   * @param labels masks, same element count (0 = normal, != 0 = anomalous).
   * @param shape [B, H, W], [B, 1, H, W] or [H, W] (a mask shape [B, 1, H, W] works for both).
   */
  update(preds: ArrayLike<number>, labels: ArrayLike<number>, shape: readonly number[]): void {
    const { batch, height, width } = mapShape(shape, 'PixelMetricAccumulator.update');
    const hw = height * width;
    checkLength(preds, batch * hw, `PixelMetricAccumulator.update preds (shape [${shape.join(', ')}])`);
    checkLength(labels, batch * hw, `PixelMetricAccumulator.update labels (shape [${shape.join(', ')}])`);
    checkLabels(labels, 'PixelMetricAccumulator.update labels');
    const scan = scanScores(preds, 'PixelMetricAccumulator.update preds');
    this.store.reserve(preds.length, scan.min, scan.max, scan.float32Exact);
    if (this.withRegions && hw > 0 && this.scratch?.labels.length !== hw) {
      this.scratch = { labels: new Int32Array(hw), stack: new Int32Array(hw) };
    }
    const store = this.store;
    for (let b = 0; b < batch; b++) {
      const off = b * hw;
      let mx = -Infinity;
      for (let p = 0; p < hw; p++) if (preds[off + p]! > mx) mx = preds[off + p]!;
      this.imageMax.push(mx);
      if (this.withRegions) {
        const cc = labelComponents8(labels, height, width, off, this.scratch);
        const base = store.invSizes.length;
        for (const size of cc.sizes) store.addRegion(size);
        this.regionCount += cc.count;
        const lab = cc.labels;
        for (let p = 0; p < hw; p++) {
          const l = lab[p]!;
          if (l !== 0) store.addPositive(preds[off + p]!, base + l - 1);
          else store.addNegative(preds[off + p]!);
        }
      } else {
        for (let p = 0; p < hw; p++) {
          if (labels[off + p] !== 0) store.addPositive(preds[off + p]!, 0);
          else store.addNegative(preds[off + p]!);
        }
      }
    }
  }

  /**
   * Metrics of every pixel added so far (may be called repeatedly and between updates).
   * @param transform optional monotone non-decreasing map applied to every score first (the
   *   AUPRO thresholds then follow the transformed scores).
   */
  compute(transform?: ScoreTransform): PixelMetrics {
    const s = this.store;
    const regions = this.withRegions ? this.regionCount : 0;
    let th: Float64Array = new Float64Array(0);
    if (regions > 0 && s.nNeg > 0) {
      const lo = transform ? transform(s.min) : s.min;
      const hi = transform ? transform(s.max) : s.max;
      th = anomalyClipThresholds(lo, hi, this.auproSteps, s.float32 && transform === undefined);
    }
    const pass = new CurvePass({ negatives: s.nNeg, positives: s.nPos, regions }, this.fprLimit, th);
    s.run(pass, transform);
    const r = pass.finish();
    const auproDefined = regions > 0 && s.nNeg > 0;
    return {
      ...toBinaryMetrics(r, s.nPos, s.nNeg, !s.bounded),
      aupro: auproDefined ? r.aupro : NaN,
      aupro200: auproDefined ? r.aupro200 : NaN,
      regions: this.withRegions ? this.regionCount : 0,
      fprLimit: this.fprLimit,
      auproErrorBound: !auproDefined ? NaN : s.bounded ? r.auproErrorBound : 0,
    };
  }
}

/**
 * Pixel metrics of one class in one call (see {@link PixelMetricAccumulator}).
 *
 * @example
 * const m = pixelMetrics(maps, masks, [6, 48, 48]);
 * m.auroc; m.averagePrecision; m.aupro; m.regions;
 */
export function pixelMetrics(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  shape: readonly number[],
  options: PixelMetricOptions = {},
): PixelMetrics {
  const acc = new PixelMetricAccumulator(options);
  acc.update(preds, labels, shape);
  return acc.compute();
}

/**
 * AUPRO up to `fprLimit` (default 0.3), anomalib definition; see the module docs.
 *
 * @example
 * aupro(maps, masks, [6, 48, 48]); // e.g. 0.4638516171060344 on the tiny fixture
 */
export function aupro(preds: ArrayLike<number>, labels: ArrayLike<number>, shape: readonly number[], fprLimit = 0.3): number {
  return pixelMetrics(preds, labels, shape, { fprLimit }).aupro;
}

/**
 * AnomalyCLIP-style AUPRO (`cal_pro_score`, 200 linearly spaced thresholds, FPR < limit
 * min-max normalised); see the module docs.
 *
 * @example
 * aupro200(maps, masks, [6, 48, 48]);
 */
export function aupro200(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  shape: readonly number[],
  options: { fprLimit?: number; steps?: number } = {},
): number {
  return pixelMetrics(preds, labels, shape, { fprLimit: options.fprLimit ?? 0.3, auproSteps: options.steps ?? 200 }).aupro200;
}
