/**
 * The AA-CLIP paper's per-class evaluation (`metrics_eval` of its forward_utils.py), reproduced
 * number for number:
 * - pixel predictions are min-max normalised over the whole class unless their max is exactly 1;
 *   image predictions likewise;
 * - image score: the evaluation's fused score f_eval of aaclip/score.ts (industrial = 0.5 * per-image
 *   max of the normalised map + 0.5 * normalised image prediction; medical = the per-image max alone);
 * - pixel AUC / AP over all pixels; image AUC / AP are 0 when all image labels are equal;
 * - every value is Python's round(x, 4) * 100 in float64 (so 79.80000000000001 can appear).
 *
 * The reference runs on float32 numpy arrays, so the normalisation and the 0.5/0.5 mix are done in
 * float32 arithmetic (`arithmetic: 'auto'` picks float32 exactly when the inputs were
 * Float32Arrays); float32 rounding can merge neighbouring scores, which is reproduced. Pixel
 * metrics of a class without anomalous (or without normal) pixels are NaN, where the reference
 * raises.
 */
import { classFusedScores, minMaxNormaliser } from '../aaclip/score';
import { ImageMetricAccumulator } from '../metrics/binary-metrics';
import { mapShape, PixelMetricAccumulator } from '../metrics/pixel-metric-accumulator';
import { pythonRound } from '../metrics/python-round';
import { checkLength } from '../metrics/scan';
import type { ScoreStoreOptions } from '../metrics/score-store';

/** Domain of a dataset: decides the image score. */
export type OfficialDomain = 'industrial' | 'medical';

/** Result of {@link officialMetricsEval}, keyed like the paper's result dict. */
export interface OfficialMetrics {
  'pixel AUC': number;
  'pixel AP': number;
  'image AUC': number;
  'image AP': number;
}

/** Options of {@link OfficialMetricAccumulator}. */
export interface OfficialEvalOptions extends ScoreStoreOptions {
  domain: OfficialDomain;
  /** Arithmetic of the normalisation: 'auto' (float32 iff inputs were Float32Array), or forced. */
  arithmetic?: 'auto' | 'float32' | 'float64';
}

/** One batch of a class. */
export interface OfficialEvalBatch {
  /** Anomaly maps [B, H, W] (row-major). */
  pixelPreds: ArrayLike<number>;
  /** Masks, same element count (0 = normal, != 0 = anomalous). */
  pixelLabels: ArrayLike<number>;
  /** One image score per image [B]. */
  imagePreds: ArrayLike<number>;
  /** One image label per image [B]. */
  imageLabels: ArrayLike<number>;
  /** [B, H, W], [B, 1, H, W] or [H, W]. */
  shape: readonly number[];
}

/**
 * Streaming form of the paper's per-class evaluation: `update` per batch, `compute` at the end.
 *
 * @example
 * const acc = new OfficialMetricAccumulator({ domain: 'industrial' });
 * acc.update({ pixelPreds, pixelLabels, imagePreds, imageLabels, shape: [b, h, w] });
 * acc.compute(); // { 'pixel AUC': 79.80000000000001, 'pixel AP': ..., 'image AUC': ..., 'image AP': ... }
 */
export class OfficialMetricAccumulator {
  readonly domain: OfficialDomain;
  private readonly arithmetic: 'auto' | 'float32' | 'float64';
  private readonly pixels: PixelMetricAccumulator;
  private readonly imagePreds: number[] = [];
  private readonly imageLabels: number[] = [];
  private pixelF32 = true;
  private imageF32 = true;

  constructor(options: OfficialEvalOptions) {
    if (options.domain !== 'industrial' && options.domain !== 'medical') {
      throw new Error(`OfficialMetricAccumulator: domain must be 'industrial' or 'medical', got ${String(options.domain)}`);
    }
    this.domain = options.domain;
    this.arithmetic = options.arithmetic ?? 'auto';
    this.pixels = new PixelMetricAccumulator({ ...options, aupro: false });
  }

  /** Adds one batch of maps, masks, image scores and image labels. */
  update(batch: OfficialEvalBatch): void {
    const { batch: b } = mapShape(batch.shape, 'OfficialMetricAccumulator.update');
    checkLength(batch.imagePreds, b, 'OfficialMetricAccumulator.update imagePreds');
    checkLength(batch.imageLabels, b, 'OfficialMetricAccumulator.update imageLabels');
    for (let i = 0; i < b; i++) {
      const p = batch.imagePreds[i]!;
      const l = batch.imageLabels[i]!;
      if (!Number.isFinite(p)) throw new Error(`OfficialMetricAccumulator.update imagePreds: index ${i} is ${p}`);
      if (l !== l) throw new Error(`OfficialMetricAccumulator.update imageLabels: index ${i} is NaN`);
    }
    this.pixels.update(batch.pixelPreds, batch.pixelLabels, batch.shape);
    for (let i = 0; i < b; i++) {
      this.imagePreds.push(batch.imagePreds[i]!);
      this.imageLabels.push(batch.imageLabels[i]!);
    }
    if (!(batch.pixelPreds instanceof Float32Array)) this.pixelF32 = false;
    if (!(batch.imagePreds instanceof Float32Array)) this.imageF32 = false;
  }

  /** The paper's four numbers for everything added so far. */
  compute(): OfficialMetrics {
    const mode = this.arithmetic;
    const pixF32 = mode === 'float32' || (mode === 'auto' && this.pixelF32);
    const imgF32 = mode === 'float32' || (mode === 'auto' && this.imageF32);
    const { min, max } = this.pixels.range;
    const gp = minMaxNormaliser(min, max, pixF32 ? Math.fround : undefined);
    let pixelAuc = NaN;
    let pixelAp = NaN;
    if (gp !== null) {
      const m = this.pixels.compute(gp);
      pixelAuc = m.auroc;
      pixelAp = m.averagePrecision;
    }
    let imageAuc = NaN;
    let imageAp = NaN;
    const labels = this.imageLabels;
    const n = labels.length;
    const allSame = n === 0 || labels.every((l) => l === labels[0]);
    if (allSame) {
      imageAuc = 0;
      imageAp = 0;
    } else if (gp !== null) {
      // the fused score is defined once, in aaclip/score.ts
      const scores = classFusedScores({
        domain: this.domain,
        pixelRange: { min, max },
        mapMax: this.pixels.imageMax,
        imageScore: this.imagePreds,
        mapFloat32: pixF32,
        imageFloat32: imgF32,
      });
      if (scores) {
        const acc = new ImageMetricAccumulator();
        acc.update(scores, labels);
        const m = acc.compute();
        imageAuc = m.auroc;
        imageAp = m.averagePrecision;
      }
    }
    return {
      'pixel AUC': pythonRound(pixelAuc, 4) * 100,
      'pixel AP': pythonRound(pixelAp, 4) * 100,
      'image AUC': pythonRound(imageAuc, 4) * 100,
      'image AP': pythonRound(imageAp, 4) * 100,
    };
  }
}

/**
 * The paper's per-class evaluation in one call (see {@link OfficialMetricAccumulator}).
 *
 * @example
 * officialMetricsEval({ pixelPreds, pixelLabels, imagePreds, imageLabels, shape: [6, 48, 48] }, 'industrial');
 * // { 'pixel AUC': 79.80000000000001, 'pixel AP': 52.400000000000006, 'image AUC': 87.5, 'image AP': 95 }
 */
export function officialMetricsEval(
  batch: OfficialEvalBatch,
  domain: OfficialDomain,
  options: Omit<OfficialEvalOptions, 'domain'> = {},
): OfficialMetrics {
  const acc = new OfficialMetricAccumulator({ ...options, domain });
  acc.update(batch);
  return acc.compute();
}
