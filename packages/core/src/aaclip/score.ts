// The scores of AA-CLIP, defined once (Ma et al., "AA-CLIP: Enhancing Zero-shot Anomaly Detection
// via Anomaly-Aware CLIP", CVPR 2025, arXiv 2503.06661; forward_utils.py of the official code):
//
//   image score   s(x)   = (<v_det(x), a_abnormal> + 1) / 2                 (imageScore)
//   map maximum   m(x)   = max_p M(x)(p)      M = the probability map (Detection) or the test map (evaluation)
//   fusion        f(x)   = industrial: 0.5 * m(x) + 0.5 * s(x)              (fuseScores)
//                          medical:    m(x)
//
// The paper's evaluation normalises both terms over a class's whole test set first:
//
//   n_M(v) = (v - min_pixels M) / (max_pixels M - min_pixels M)   unless max_pixels M == 1
//   n_s(v) = (v - min_images s) / (max_images s - min_images s)   unless max_images s == 1
//   f_eval(x) = industrial: 0.5 * n_M(m(x)) + 0.5 * n_s(s(x));  medical: n_M(m(x))   (classFusedScores)
//
// so f_eval needs the reference set (the class's test images) and means nothing for one image;
// a single detection reports f(x) on the raw scale, which calibration thresholds (calibrate.ts).
// The maps M come from anomaly-map.ts. Every caller (the detector, the evaluation of
// eval/official-eval.ts and eval/evaluate-class.ts, the reports) reads its scores from here.
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../model/matmul-2d';
import type { Domain } from './maps';

/** Image score s = (det . a_abnormal + 1) / 2: det [B, E], anchors [E, 2] -> [B]. */
export function imageScore(det: tf.Tensor2D, anchors: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const E = anchors.shape[0];
    const abn = tf.slice(anchors, [0, 1], [E, 1]) as tf.Tensor2D; // [E, 1]
    return tf.reshape(tf.div(tf.add(matMul2d(det, abn), 1), 2), [det.shape[0]]) as tf.Tensor1D; // [B]
  });
}

/** A rounding of each arithmetic step: Math.fround reproduces float32 numpy, the identity float64. */
export type Rounding = (x: number) => number;

const f64: Rounding = (x) => x;

/** The maximum of a map (-Infinity when empty). */
export function mapMaximum(map: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < map.length; i++) if (map[i]! > m) m = map[i]!;
  return m;
}

/** The fused score of one image: industrial 0.5 * mapMax + 0.5 * imageScore, medical mapMax. */
export function fuseScores(mapMax: number, imageScore: number, domain: Domain, round: Rounding = f64): number {
  return domain === 'medical' ? mapMax : round(round(mapMax * 0.5) + round(imageScore * 0.5));
}

/**
 * The official per-class min-max normalisation `(v - min) / (max - min)`, skipped (identity)
 * when max is exactly 1, as forward_utils.py does; null when max <= min (nothing to scale).
 */
export function minMaxNormaliser(min: number, max: number, round: Rounding = f64): ((v: number) => number) | null | undefined {
  if (max === 1) return undefined;
  if (!(max > min)) return null;
  const lo = round(min);
  const span = round(round(max) - lo);
  return (v: number) => round(round(round(v) - lo) / span);
}

/**
 * A class's reference set for the evaluation's fused score: the range of every pixel of the
 * class's test maps and one (map maximum, image score) pair per test image. The normalisation
 * is over this set, so a score computed with it is only comparable within the class.
 */
export interface ClassScoreSet {
  domain: Domain;
  /** min and max over every pixel of the class's maps. */
  pixelRange: { min: number; max: number };
  /** Per image: the maximum of its map [N]. */
  mapMax: ArrayLike<number>;
  /** Per image: the image score [N]. */
  imageScore: ArrayLike<number>;
  /** float32 arithmetic for the map and the image terms (what the reference does on float32 arrays). Default false. */
  mapFloat32?: boolean;
  imageFloat32?: boolean;
}

/**
 * The evaluation's fused image scores f_eval of a class (see the file header), in the reference's
 * arithmetic; null where the reference has none (constant maps, or constant image scores in the
 * industrial domain).
 */
export function classFusedScores(set: ClassScoreSet): Float64Array | null {
  const n = set.mapMax.length;
  if (set.imageScore.length !== n) throw new Error(`classFusedScores: ${n} map maxima but ${set.imageScore.length} image scores`);
  const rp = set.mapFloat32 ? Math.fround : f64;
  const ri = set.imageFloat32 ? Math.fround : f64;
  const gp = minMaxNormaliser(set.pixelRange.min, set.pixelRange.max, rp);
  if (gp === null) return null;
  let imin = Infinity;
  let imax = -Infinity;
  for (let i = 0; i < n; i++) {
    imin = Math.min(imin, set.imageScore[i]!);
    imax = Math.max(imax, set.imageScore[i]!);
  }
  const gi = minMaxNormaliser(imin, imax, ri);
  if (gi === null && set.domain !== 'medical') return null;
  const mix = set.mapFloat32 && set.imageFloat32 ? Math.fround : f64;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pm = gp ? gp(set.mapMax[i]!) : rp(set.mapMax[i]!);
    const ip = set.domain === 'medical' ? 0 : gi ? gi(set.imageScore[i]!) : ri(set.imageScore[i]!);
    out[i] = fuseScores(pm, ip, set.domain, mix);
  }
  return out;
}
