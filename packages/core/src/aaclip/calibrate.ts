// Calibrated decisions: per class, a threshold on the fused score f(x) of one image (score.ts,
// `Detection.score`) and one on the pixels of its anomaly map (`Detection.anomalyMap`).
//
//   normal references alone, false-positive rate a:
//     t_image = Q_{1-a}( { f(x) : x normal } )            Q = numpy's default (linear) quantile
//     t_pixel = Q_{1-a}( { M(x)(p) : x normal, every p } )
//   labelled validation set (anomalib's adaptive threshold, F1AdaptiveThreshold):
//     t_image = argmax_t F1( f(x) >= t , label(x) )       t among the scores themselves
//     t_pixel = argmax_t F1( M(x)(p) >= t , mask(x)(p) )  (with masks; else the normal quantile at a)
//
// An image is anomalous when f(x) >= t_image; its defect mask is M(x)(p) >= t_pixel.
import { binaryMetrics } from '../metrics/binary-metrics';

/** Metadata key of the calibration inside a model or adapter file (JSON of {@link Calibration}). */
export const CALIBRATION_METADATA_KEY = 'aaclip.calibration';

/** The thresholds of one class. */
export interface ClassThresholds {
  /** Anomalous when `Detection.score >= image`. */
  image: number;
  /** Defect pixels: `Detection.anomalyMap >= pixel`. */
  pixel: number;
  /** 'fpr': from normal images at `fpr`; 'f1': F1-optimal on a labelled set. */
  method: 'fpr' | 'f1';
  /** The false-positive rate asked for (method 'fpr', and the pixel threshold of 'f1' without masks). */
  fpr?: number;
  /** The F1 reached on the calibration set (method 'f1'). */
  f1?: { image: number; pixel?: number };
  /** Images the thresholds came from. */
  normal: number;
  anomalous: number;
}

/** Thresholds per class, as stored under {@link CALIBRATION_METADATA_KEY}. */
export interface Calibration {
  version: 1;
  /** Domain of the fused score the image thresholds apply to. */
  domain: 'industrial' | 'medical';
  /** Side of the maps the pixel thresholds were set on. */
  size: number;
  classes: Record<string, ClassThresholds>;
}

/** One calibration image: its fused score, its anomaly map, and (labelled sets) its label and mask. */
export interface CalibrationSample {
  score: number;
  map: ArrayLike<number>;
  /** 0 normal, 1 anomalous; required for the labelled method. */
  label?: 0 | 1;
  /** 0/1 per pixel, same length as `map`; null/absent for normal images. */
  mask?: ArrayLike<number> | null;
}

export type CalibrationMethod = { fpr: number } | { labelled: true; fpr?: number };

/**
 * numpy.quantile(values, q) with the default linear interpolation.
 *
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new Error('quantile: no values');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const s = Float64Array.from(values as ArrayLike<number>).sort();
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** The F1-optimal threshold (predict anomalous when score >= it) and its F1, as anomalib's adaptive threshold. */
export function f1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; f1: number } {
  const m = binaryMetrics(scores, labels);
  return { threshold: m.f1Threshold, f1: m.f1Max };
}

function checkFpr(fpr: number, what: string): void {
  if (!(fpr > 0 && fpr < 1)) throw new Error(`calibration ${what}: the false-positive rate must be above 0 and below 1, got ${fpr}`);
}

/**
 * The thresholds of one class from its calibration images; see the file header.
 *
 * @example
 * calibrateClass('bottle', normals.map((d) => ({ score: d.score, map: d.anomalyMap })), { fpr: 0.05 });
 */
export function calibrateClass(className: string, samples: readonly CalibrationSample[], method: CalibrationMethod): ClassThresholds {
  const normals = samples.filter((s) => (s.label ?? 0) === 0);
  const anomalous = samples.filter((s) => s.label === 1);
  for (const [i, s] of samples.entries()) {
    if (!Number.isFinite(s.score)) throw new Error(`calibration set of class "${className}": image ${i} has score ${s.score}`);
  }
  if (normals.length === 0) {
    throw new Error(`calibration set of class "${className}" has no normal images (${samples.length} given): thresholds are set on known-good images`);
  }
  const pixelsOf = (list: readonly CalibrationSample[]): Float32Array => {
    const n = list.reduce((a, s) => a + s.map.length, 0);
    const out = new Float32Array(n);
    let o = 0;
    for (const s of list) {
      out.set(s.map as ArrayLike<number>, o);
      o += s.map.length;
    }
    return out;
  };
  if ('labelled' in method) {
    if (samples.some((s) => s.label === undefined)) throw new Error(`calibration set of class "${className}": the labelled method needs a label on every image`);
    if (anomalous.length === 0) {
      throw new Error(`calibration set of class "${className}" has normal images only (${normals.length}): an F1-optimal threshold needs anomalous images too (or calibrate from normal images at a false-positive rate)`);
    }
    const img = f1Threshold(samples.map((s) => s.score), samples.map((s) => s.label!));
    const withMasks = anomalous.every((s) => s.mask && s.mask.length === s.map.length);
    let pixel: number;
    let pixelF1: number | undefined;
    if (withMasks) {
      const maps = pixelsOf(samples);
      const masks = new Uint8Array(maps.length);
      let o = 0;
      for (const s of samples) {
        if (s.mask) for (let i = 0; i < s.mask.length; i++) masks[o + i] = s.mask[i]! ? 1 : 0;
        o += s.map.length;
      }
      if (!masks.includes(1)) throw new Error(`calibration set of class "${className}": the masks of its anomalous images mark no pixel`);
      const p = f1Threshold(maps, masks);
      pixel = p.threshold;
      pixelF1 = p.f1;
    } else {
      const fpr = method.fpr ?? 0.01;
      checkFpr(fpr, `of class "${className}"`);
      pixel = quantile(pixelsOf(normals), 1 - fpr);
    }
    return {
      image: img.threshold,
      pixel,
      method: 'f1',
      ...(withMasks ? {} : { fpr: method.fpr ?? 0.01 }),
      f1: { image: img.f1, ...(pixelF1 !== undefined ? { pixel: pixelF1 } : {}) },
      normal: normals.length,
      anomalous: anomalous.length,
    };
  }
  checkFpr(method.fpr, `of class "${className}"`);
  return {
    image: quantile(normals.map((s) => s.score), 1 - method.fpr),
    pixel: quantile(pixelsOf(normals), 1 - method.fpr),
    method: 'fpr',
    fpr: method.fpr,
    normal: normals.length,
    anomalous: anomalous.length,
  };
}

/** Reads a stored calibration (metadata JSON); errors name `source` and the key. */
export function parseCalibration(text: string, source: string): Calibration {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: metadata key "${CALIBRATION_METADATA_KEY}" is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const c = v as Calibration;
  const bad = (why: string): Error => new Error(`${source}: metadata key "${CALIBRATION_METADATA_KEY}": ${why}`);
  if (!c || typeof c !== 'object' || c.version !== 1) throw bad('expected an object with "version": 1');
  if (c.domain !== 'industrial' && c.domain !== 'medical') throw bad(`domain must be industrial or medical, got ${JSON.stringify(c.domain)}`);
  if (!c.classes || typeof c.classes !== 'object') throw bad('"classes" is missing');
  for (const [k, t] of Object.entries(c.classes)) {
    if (!t || !Number.isFinite(t.image) || !Number.isFinite(t.pixel)) throw bad(`class "${k}" needs finite "image" and "pixel" thresholds`);
  }
  return c;
}

/** Verdict and binary defect mask of one detection from a class's thresholds. */
export function applyThresholds(t: Pick<ClassThresholds, 'image' | 'pixel'>, score: number, anomalyMap: ArrayLike<number>): { isAnomalous: boolean; defectMask: Uint8Array } {
  const defectMask = new Uint8Array(anomalyMap.length);
  for (let i = 0; i < anomalyMap.length; i++) defectMask[i] = anomalyMap[i]! >= t.pixel ? 1 : 0;
  return { isAnomalous: score >= t.image, defectMask };
}
