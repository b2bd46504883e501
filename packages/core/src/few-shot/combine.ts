// Few-shot maps combined with a zero-shot head (AA-CLIP's test map, or MuSc's), as APRIL-GAN's
// test.py does (the formulas and sources are in normal-references.ts' header):
//
//   M(x)     = M_zs(x) + M_fs(x)
//   score(x) = 1/2 ( s_zs(x) + minmax_class( max M(x) ) )
//
// the industrial fusion of aaclip/score.ts (fuseScores) on the combined map's maximum.
import type { Detection } from '../aaclip/detector';
import { fuseScores } from '../aaclip/score';
import type { FewShotMap } from './normal-references';

/** A zero-shot detection with the few-shot map added. */
export interface FewShotDetection extends Detection {
  /** The zero-shot head's own map (M_zs). */
  zeroShotMap: Float32Array;
  /** M_fs */
  fewShotMap: Float32Array;
  /** max M_fs */
  fewShotMax: number;
  /** max M, M = M_zs + M_fs (= max of `anomalyMap`). */
  combinedMax: number;
}

/**
 * `anomalyMap` becomes M_zs + M_fs; `score` becomes 1/2 (imageScore + max M) for this image
 * alone. The published protocol min-max normalises max M over a class's test images first: use
 * {@link fewShotClassScores} for that.
 */
export function combineFewShot(zs: Detection, fs: FewShotMap): FewShotDetection {
  if (zs.size !== fs.size || zs.anomalyMap.length !== fs.map.length) {
    throw new Error(`combineFewShot: the zero-shot map is ${zs.size} px and the few-shot map ${fs.size} px: score the references at the detection size`);
  }
  const anomalyMap = new Float32Array(zs.anomalyMap.length);
  let combinedMax = -Infinity;
  for (let i = 0; i < anomalyMap.length; i++) {
    anomalyMap[i] = zs.anomalyMap[i]! + fs.map[i]!;
    if (anomalyMap[i]! > combinedMax) combinedMax = anomalyMap[i]!;
  }
  return { ...zs, anomalyMap, zeroShotMap: zs.anomalyMap, fewShotMap: fs.map, fewShotMax: fs.max, combinedMax, score: fuseScores(combinedMax, zs.imageScore, 'industrial') };
}

/** APRIL-GAN's image scores over one class's test images: 1/2 (imageScore + minmax(combinedMax)). */
export function fewShotClassScores(dets: readonly Pick<FewShotDetection, 'imageScore' | 'combinedMax'>[]): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of dets) {
    lo = Math.min(lo, d.combinedMax);
    hi = Math.max(hi, d.combinedMax);
  }
  return Float64Array.from(dets, (d) => fuseScores(hi > lo ? (d.combinedMax - lo) / (hi - lo) : 0, d.imageScore, 'industrial'));
}
