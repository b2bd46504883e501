// The per-class evaluation of AA-CLIP (`metrics_eval` of the official forward_utils.py, with the
// fused image score of aaclip/score.ts):
//
//   pixel AUROC / AP   over every pixel of the class's maps M (anomaly-map.ts), min-max normalised
//   image AUROC / AP   of f_eval(x) = 0.5 * n_M(max M(x)) + 0.5 * n_s(s(x))   (industrial; medical n_M(max M(x)))
//   AUPRO (FPR <= 0.3), F1-max                    (anomalib's definitions, metrics/)
//
// streamed over the class one batch at a time, for any detection head (AA-CLIP's detector, MuSc,
// few-shot references). Backend-free: the caller reads the images and, for the report's cases,
// renders the overlays (`renderOverlay`; the CLI draws PNGs).
import * as tf from '@tensorflow/tfjs-core';
import type { Detection } from '../aaclip/detector';
import type { Domain } from '../aaclip/maps';
import { classFusedScores, mapMaximum } from '../aaclip/score';
import { binaryMetrics } from '../metrics/binary-metrics';
import { PixelMetricAccumulator } from '../metrics/pixel-metric-accumulator';
import { pythonRound } from '../metrics/python-round';
import { OfficialMetricAccumulator, type OfficialMetrics } from './official-eval';

/** The metrics of one class (fractions, 0..1). */
export interface ClassMetrics {
  pixelAuroc: number;
  pixelAp: number;
  imageAuroc: number;
  imageAp: number;
  aupro: number;
  f1MaxPixel?: number;
  f1MaxImage?: number;
}

/** One test image shown in a report: the best and worst cases of a class. */
export interface EvalCase {
  imagePath: string;
  /** The image's score (the head's protocol; by default f_eval of score.ts). */
  score: number;
  label: 0 | 1;
  /** The overlay `renderOverlay` drew (PNG bytes in the CLI); empty without one. */
  overlayPng: Uint8Array;
}

/** Draws a case: the image, its map on the class's range and its mask (the CLI: a PNG). */
export type OverlayRenderer = (rgb: Uint8Array, size: number, map: Float32Array, mask: Uint8Array | null, range: { min: number; max: number }) => Promise<Uint8Array>;

/** A detector as the evaluation calls it (every `Detector` of the runtimes). */
export interface EvalDetector {
  readonly classes: readonly string[];
  detect(images: tf.Tensor4D, opts: { className: string; domain?: Domain }): Promise<Detection[]>;
}

/** One test image, already at the model size. */
export interface EvalSample {
  /** CLIP-normalised [S, S, 3] */
  image: Float32Array;
  /** 8-bit RGB [S, S, 3], for the overlays of the report */
  rgb: Uint8Array;
  /** 0/1 [S, S], or null (normal) */
  mask: Uint8Array | null;
  label: 0 | 1;
  path: string;
}

export interface ClassEvaluation {
  report: {
    className: string;
    domain: string;
    metrics: ClassMetrics;
    counts: { normal: number; anomalous: number };
    /** Cases the head got most right (confident and right). */
    best: EvalCase[];
    /** Cases the head got most wrong (confident and wrong). */
    worst: EvalCase[];
    /** Image scores of the normal and the anomalous test images. */
    histogram: { normal: number[]; anomalous: number[] };
  };
  /** The paper's four numbers (percent, rounded as its code) for this class. */
  official: OfficialMetrics;
  seconds: number;
  /**
   * Metrics left undefined (NaN) for this class, with the reason: a test split with one label
   * only has no image AUROC/AP (the official evaluation reports 0 and averages it; see `official`).
   */
  undefinedMetrics?: { keys: (keyof ClassMetrics)[]; reason: string };
}

/**
 * A detection head the evaluation runs: AA-CLIP's detector, MuSc, or either with few-shot
 * normal references. `wholeClass` heads score the class's test images in one batch (MuSc's
 * mutual scoring compares every image with the others).
 */
export interface EvalHead {
  detect(images: tf.Tensor4D, className: string): Promise<Detection[]>;
  wholeClass?: boolean;
  /** Streaming whole-class heads: `add` each batch of the class, then `finish` scores them all (in the order added). */
  add?(images: tf.Tensor4D, className: string): Promise<void>;
  finish?(className: string): Promise<Detection[]>;
  /**
   * The class's image scores of this head's own protocol (MuSc: the RsCIN score; few-shot:
   * APRIL-GAN's 1/2 (s + minmax(max M))). Default: the official fused score of score.ts.
   */
  classScores?: (dets: readonly Detection[]) => Float64Array;
}

/** AA-CLIP's detector as an evaluation head. */
export function detectorHead(detector: EvalDetector, domain: Domain): EvalHead {
  return { detect: (images, className) => detector.detect(images, { className, domain }) };
}

/**
 * Evaluates one class as the paper's code does (anomaly maps min-max normalised over the class,
 * image score fused with the map maximum for industrial domains), plus AUPRO at FPR 0.3 and
 * F1-max, with streaming accumulators: images are read one batch at a time.
 */
export async function evaluateClass(
  model: EvalDetector | EvalHead,
  className: string,
  domain: Domain,
  count: number,
  /** Returns null for an image to leave out (e.g. unreadable, with --on-error skip). */
  getSample: (i: number) => Promise<EvalSample | null>,
  opts: {
    batchSize?: number;
    cases?: number;
    onImage?: () => void;
    promptClass?: string;
    /**
     * The official evaluation's numbers everywhere: a class whose test images are all normal (or
     * all anomalous) gets image AUROC and AP 0, which then enter the average. Default false:
     * they are NaN (undefined), left out of the average, and `undefinedMetrics` says so.
     */
    official?: boolean;
    /** Draws the overlays of the best and worst cases; without it they carry no image. */
    renderOverlay?: OverlayRenderer;
  } = {},
): Promise<ClassEvaluation> {
  const t0 = Date.now();
  const head: EvalHead = 'classes' in model ? detectorHead(model, domain) : model;
  const streaming = Boolean(head.add && head.finish);
  const batchSize = head.wholeClass && !streaming ? Math.max(1, count) : (opts.batchSize ?? 4);
  // a whole-class head cannot score one image again: its detections are kept for the cases
  const kept = new Map<number, Detection>();
  const official = new OfficialMetricAccumulator({ domain });
  const pixels = new PixelMetricAccumulator({ fprLimit: 0.3 });
  const perImage: { path: string; label: 0 | 1; pred: number; max: number; index: number }[] = [];
  const allDets: Detection[] = [];
  let size = 0;
  type Meta = Pick<EvalSample, 'mask' | 'label' | 'path'> & { index: number };
  /** Adds the detections of some images to the accumulators. */
  const record = (meta: readonly Meta[], dets: readonly Detection[]): void => {
    const m = meta.length;
    const maps = new Float32Array(m * size * size);
    const masks = new Uint8Array(m * size * size);
    dets.forEach((d, k) => {
      maps.set(d.anomalyMap, k * size * size);
      if (meta[k]!.mask) masks.set(meta[k]!.mask!, k * size * size);
      perImage.push({ path: meta[k]!.path, label: meta[k]!.label, pred: d.imageScore, max: mapMaximum(d.anomalyMap), index: meta[k]!.index });
      if (head.classScores) allDets.push({ ...d, anomalyMap: new Float32Array(0), probabilityMap: new Float32Array(0) });
      if (head.wholeClass) kept.set(meta[k]!.index, d);
    });
    const preds = Float32Array.from(dets.map((d) => d.imageScore));
    const labels = Float32Array.from(meta.map((s) => s.label));
    official.update({ pixelPreds: maps, pixelLabels: masks, imagePreds: preds, imageLabels: labels, shape: [m, size, size] });
    pixels.update(maps, masks, [m, size, size]);
  };
  // streaming heads (MuSc) take the class batch by batch, then score it at once
  const waiting: Meta[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const loaded = await Promise.all(Array.from({ length: n }, async (_, k) => ({ s: await getSample(start + k), index: start + k })));
    const present = loaded.filter((x): x is { s: EvalSample; index: number } => x.s !== null);
    for (let k = 0; k < n - present.length; k++) opts.onImage?.();
    if (present.length === 0) continue;
    const samples = present.map((x) => x.s);
    size = Math.round(Math.sqrt(samples[0]!.image.length / 3));
    const m = samples.length;
    const x = new Float32Array(m * size * size * 3);
    samples.forEach((s, k) => x.set(s.image, k * size * size * 3));
    const images = tf.tensor4d(x, [m, size, size, 3]); // [m, S, S, 3]
    const meta = present.map(({ s, index }) => ({ mask: s.mask, label: s.label, path: s.path, index }));
    let dets: Detection[] | null = null;
    try {
      if (streaming) await head.add!(images, opts.promptClass ?? className);
      else dets = await head.detect(images, opts.promptClass ?? className);
    } finally {
      images.dispose();
    }
    if (dets) record(meta, dets);
    else waiting.push(...meta);
    for (let k = 0; k < m; k++) opts.onImage?.();
  }
  if (streaming && waiting.length) {
    const dets = await head.finish!(opts.promptClass ?? className);
    const step = opts.batchSize ?? 4;
    for (let s = 0; s < waiting.length; s += step) record(waiting.slice(s, s + step), dets.slice(s, s + step));
  }
  if (perImage.length === 0) throw new Error(`class "${className}": no image could be evaluated`);
  const off = official.compute();
  const pix = pixels.compute();
  // the image score of the head's protocol: by default the official evaluation's fused score
  // (score.ts, normalised over this class), for F1-max, the histogram and the cases
  const fused: number[] = head.classScores
    ? Array.from(head.classScores(allDets))
    : Array.from(
        classFusedScores({ domain, pixelRange: pixels.range, mapMax: perImage.map((p) => p.max), imageScore: perImage.map((p) => p.pred), mapFloat32: true, imageFloat32: true }) ??
          perImage.map(() => 0),
      );
  const labels = perImage.map((p) => p.label);
  const hasBoth = labels.includes(0) && labels.includes(1);
  const img = hasBoth ? binaryMetrics(fused, labels) : null;
  const oneLabel = !hasBoth && !opts.official;
  // a head with its own image score reports image AUROC/AP of that score (rounded as the paper's code)
  const ownImage = head.classScores && img ? { auc: (pythonRound(img.auroc, 4) * 100) / 100, ap: (pythonRound(img.averagePrecision, 4) * 100) / 100 } : null;
  const metrics: ClassMetrics = {
    pixelAuroc: off['pixel AUC'] / 100,
    pixelAp: off['pixel AP'] / 100,
    imageAuroc: oneLabel ? Number.NaN : ownImage ? ownImage.auc : off['image AUC'] / 100,
    imageAp: oneLabel ? Number.NaN : ownImage ? ownImage.ap : off['image AP'] / 100,
    aupro: pix.aupro,
    f1MaxPixel: pix.f1Max,
    f1MaxImage: img?.f1Max ?? Number.NaN,
  };
  // cases: best = confident and right, worst = confident and wrong
  const order = perImage.map((p, i) => ({ ...p, score: fused[i]! }));
  const wrongness = (c: { label: number; score: number }): number => (c.label === 1 ? 1 - c.score : c.score);
  const k = opts.cases ?? 3;
  const sorted = [...order].sort((a, b) => wrongness(a) - wrongness(b));
  // overlays are drawn on the class's range of anomaly-map values, as the official evaluation
  // normalises per class (a zero-shot model's absolute level varies with the class name)
  const { min, max } = pixels.range;
  const pick = async (list: typeof order): Promise<EvalCase[]> => {
    const out: EvalCase[] = [];
    for (const c of list) {
      const s = (await getSample(c.index))!;
      let d = kept.get(c.index);
      if (!d) {
        const t = tf.tensor4d(s.image, [1, size, size, 3]); // [1, S, S, 3]
        try {
          [d] = await head.detect(t, opts.promptClass ?? className);
        } finally {
          t.dispose();
        }
      }
      out.push({ imagePath: c.path, score: c.score, label: c.label, overlayPng: opts.renderOverlay ? await opts.renderOverlay(s.rgb, size, d!.anomalyMap, s.mask, { min, max }) : new Uint8Array(0) });
    }
    return out;
  };
  const best = await pick(sorted.slice(0, Math.min(k, sorted.length)));
  const worst = await pick(sorted.slice(Math.max(k, sorted.length - k)).reverse());
  return {
    report: {
      className,
      domain,
      metrics,
      counts: { normal: labels.filter((l) => l === 0).length, anomalous: labels.filter((l) => l === 1).length },
      best,
      worst,
      histogram: { normal: order.filter((c) => c.label === 0).map((c) => c.score), anomalous: order.filter((c) => c.label === 1).map((c) => c.score) },
    },
    official: off,
    seconds: (Date.now() - t0) / 1000,
    ...(oneLabel
      ? { undefinedMetrics: { keys: ['imageAuroc', 'imageAp'] as (keyof ClassMetrics)[], reason: `its test images are all ${labels[0] === 1 ? 'anomalous' : 'normal'}` } }
      : {}),
  };
}

/** Mean of each metric over classes (NaN-aware: classes without a value are left out). */
export function averageMetrics(list: readonly ClassMetrics[]): ClassMetrics {
  const keys: (keyof ClassMetrics)[] = ['pixelAuroc', 'pixelAp', 'imageAuroc', 'imageAp', 'aupro', 'f1MaxPixel', 'f1MaxImage'];
  const out = {} as ClassMetrics;
  for (const k of keys) {
    const v = list.map((m) => m[k]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    out[k] = v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
  }
  return out;
}
