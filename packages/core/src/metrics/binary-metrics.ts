/**
 * Threshold-free binary classification metrics with scikit-learn definitions, computed in float64
 * from exact counts per distinct score:
 * - AUROC = area under the ROC curve (trapezoids, ties form one threshold) = roc_auc_score.
 * - AP = sum_n (R_n - R_{n-1}) P_n over distinct thresholds, no interpolation = average_precision_score.
 * - F1-max = max over thresholds of 2PR / (P + R) (the precision_recall_curve recipe).
 *
 * Degenerate inputs do not throw: AUROC is NaN unless both classes are present; AP and F1-max are
 * NaN without positives; everything is NaN when empty. Labels are positive when != 0.
 */
import { CurvePass, type PassResult } from './curve-pass';
import { checkLabels, checkLength, scanScores } from './scan';
import { ScoreStore, type ScoreStoreOptions, type ScoreTransform } from './score-store';

/** Binary metrics of one set of scores. */
export interface BinaryMetrics {
  /** Area under the ROC curve; NaN unless both classes are present. */
  auroc: number;
  /** Average precision (scikit-learn); NaN without positives. */
  averagePrecision: number;
  /** Best F1 over all thresholds; NaN without positives. */
  f1Max: number;
  /** Threshold reaching `f1Max` (predict anomalous when score >= it); in bounded mode a bin edge. */
  f1Threshold: number;
  positives: number;
  negatives: number;
  /** False once the accumulator switched to bounded-memory histograms. */
  exact: boolean;
  /**
   * Bound on |AUROC - exact AUROC|: 0 when exact; in bounded mode 0.5 * (positive-negative pairs
   * falling in one bin) / (P * N), which the histogram knows exactly.
   */
  aurocErrorBound: number;
}

/** Maps a pass result to {@link BinaryMetrics}, with the documented NaN cases. */
export function toBinaryMetrics(r: PassResult, nPos: number, nNeg: number, exact: boolean): BinaryMetrics {
  const both = nPos > 0 && nNeg > 0;
  return {
    auroc: both ? r.auroc : NaN,
    averagePrecision: nPos > 0 ? r.averagePrecision : NaN,
    f1Max: nPos > 0 ? r.f1Max : NaN,
    f1Threshold: nPos > 0 ? r.f1Threshold : NaN,
    positives: nPos,
    negatives: nNeg,
    exact,
    aurocErrorBound: !both ? NaN : exact ? 0 : r.aurocErrorBound,
  };
}

/**
 * Streaming image-level (or any binary) metrics: feed (score, label) batches, then compute.
 * Exact below `maxExactScores` scores (default 2^26), bounded-memory histograms beyond.
 *
 * @example
 * const acc = new ImageMetricAccumulator();
 * acc.update(new Float32Array([0.9, 0.2]), new Float32Array([1, 0]));
 * acc.update([0.4], [1]);
 * acc.compute().auroc; // 1
 */
export class ImageMetricAccumulator {
  private readonly store: ScoreStore;

  constructor(options: ScoreStoreOptions = {}) {
    this.store = new ScoreStore(options, false);
  }

  /** Number of scores added so far. */
  get count(): number {
    return this.store.nPos + this.store.nNeg;
  }

  /** Smallest and largest score added so far (Infinity / -Infinity when empty). */
  get range(): { min: number; max: number } {
    return { min: this.store.min, max: this.store.max };
  }

  /**
   * Adds scores with their labels (0 = normal, != 0 = anomalous).
   * @param preds scores, finite.
   * @param labels same length as `preds`.
   */
  update(preds: ArrayLike<number>, labels: ArrayLike<number>): void {
    checkLength(labels, preds.length, 'ImageMetricAccumulator.update labels');
    checkLabels(labels, 'ImageMetricAccumulator.update labels');
    const scan = scanScores(preds, 'ImageMetricAccumulator.update preds');
    this.store.reserve(preds.length, scan.min, scan.max, scan.float32Exact);
    for (let i = 0; i < preds.length; i++) {
      if (labels[i] !== 0) this.store.addPositive(preds[i]!, 0);
      else this.store.addNegative(preds[i]!);
    }
  }

  /**
   * Metrics of everything added so far (may be called repeatedly).
   * @param transform optional monotone non-decreasing map applied to every score first (used to
   *   reproduce a float32 normalisation that can merge neighbouring scores).
   */
  compute(transform?: ScoreTransform): BinaryMetrics {
    const s = this.store;
    const pass = new CurvePass({ negatives: s.nNeg, positives: s.nPos, regions: 0 }, 0.3, new Float64Array(0));
    s.run(pass, transform);
    return toBinaryMetrics(pass.finish(), s.nPos, s.nNeg, !s.bounded);
  }
}

/**
 * AUROC, AP and F1-max of one score array (scikit-learn definitions).
 *
 * @example
 * binaryMetrics([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).auroc; // 0.75
 */
export function binaryMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, options: ScoreStoreOptions = {}): BinaryMetrics {
  const acc = new ImageMetricAccumulator(options);
  acc.update(scores, labels);
  return acc.compute();
}

/**
 * Area under the ROC curve (= sklearn roc_auc_score); NaN unless both classes are present.
 *
 * @example
 * auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return binaryMetrics(scores, labels).auroc;
}

/**
 * Average precision (= sklearn average_precision_score); NaN without positives.
 *
 * @example
 * averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.8333333333333333
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return binaryMetrics(scores, labels).averagePrecision;
}

/**
 * Maximum F1 over all thresholds; NaN without positives.
 *
 * @example
 * f1Max([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.8
 */
export function f1Max(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return binaryMetrics(scores, labels).f1Max;
}
