// The anomaly map of AA-CLIP (Ma et al., CVPR 2025, arXiv 2503.06661; forward_utils.py of the
// official code; test-data/fixtures/README.md, "Inference"), for an image of side S whose patch
// features at level l are F_l [g*g, E] and the class's text anchors A = [a_normal | a_abnormal] [E, 2]:
//
//   similarity      s_l   = 100 · F_l A                                   [g*g, 2]   (maps.ts similarity)
//   level map       m_l   = Up_S( Blur_domain( (s_l[:,1] - s_l[:,0] + 1) / 2 ) )  [S, S]  (maps.ts testLevelMap)
//   anomaly map     M     = Σ_l m_l                                        [S, S]   the level sum
//   probability     P     = (1 / L) Σ_l softmax_c( Up_S(s_l) )[abnormal]  [S, S]   in 0..1, for display
//
// Up_S is bilinear upsampling with align_corners, Blur_domain the domain's Gaussian (industrial:
// kernel 7, sigma 1; medical: kernel 9, sigma 1.5), softmax_c over the two channels (the training
// map of stage 2). M is the map every evaluation and threshold reads; its maximum and P's enter
// the scores of score.ts.
import * as tf from '@tensorflow/tfjs-core';
import { similarity, testLevelMap, trainingSoftmaxMap, type Domain } from './maps';

/** The maps of a batch: the caller owns every tensor. */
export interface AnomalyMaps {
  /** m_l per level, each [B, S, S]. */
  levels: tf.Tensor3D[];
  /** M = Σ_l m_l, [B, S, S]. */
  anomaly: tf.Tensor3D;
  /** P, [B, S, S]; null unless asked for. */
  probability: tf.Tensor3D | null;
}

/** The level sum M = Σ_l m_l: levels [B, S, S] each -> [B, S, S]. */
export function levelSum(levels: readonly tf.Tensor3D[]): tf.Tensor3D {
  if (levels.length === 0) throw new Error('anomaly map: no feature levels');
  return tf.addN([...levels]) as tf.Tensor3D;
}

/**
 * The anomaly maps of a batch from its per-level patch features seg [B, g*g, E] and the anchors
 * ([E, 2] shared, or one [E, 2] per image): every m_l, their sum M and, with `probability`, P.
 */
export function anomalyMaps(
  seg: readonly tf.Tensor3D[],
  anchors: tf.Tensor2D | tf.Tensor2D[],
  grid: number,
  size: number,
  domain: Domain,
  opts: { probability?: boolean } = {},
): AnomalyMaps {
  return tf.tidy(() => {
    const B = seg[0]?.shape[0] ?? 0;
    const levels: tf.Tensor3D[] = [];
    const probs: tf.Tensor3D[] = [];
    for (const s of seg) {
      const sim = similarity(s, anchors); // [B, g*g, 2]
      if (opts.probability) {
        const p = trainingSoftmaxMap(sim, grid, size); // [B, 2, S, S]
        probs.push(tf.reshape(tf.slice(p, [0, 1, 0, 0], [B, 1, size, size]), [B, size, size])); // [B, S, S]
      }
      levels.push(testLevelMap(sim, grid, size, domain)); // [B, S, S]
    }
    const anomaly = levelSum(levels);
    const probability = opts.probability ? (tf.div(tf.addN(probs), probs.length) as tf.Tensor3D) : null;
    return { levels, anomaly, probability } as unknown as tf.TensorContainer;
  }) as unknown as AnomalyMaps;
}
