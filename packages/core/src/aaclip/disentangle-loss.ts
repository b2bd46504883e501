// The disentangle loss of AA-CLIP's stage 1 (Ma et al., CVPR 2025, arXiv 2503.06661): the normal
// and the anomaly text anchors of a class, T_N and T_A (unit vectors), are pushed apart:
//
//   L_dis    = |<T_N, T_A>|^2
//   L_stage1 = L_align + gamma * L_dis,      gamma = DISENTANGLE_WEIGHT = 0.1
//
// The official code (`text_norm_weight`) averages the inner product over the images of a batch,
// each image with its class's anchors A_b = [T_N | T_A] [E, 2], before squaring
// (test-data/fixtures/README.md, `stage1.orthogonal`):
//
//   L_dis = (mean_b <A_b[:, 0], A_b[:, 1]>)^2
//
// L_align is the segmentation loss of stage-losses.ts (losses.ts: focal + dice).
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../model/matmul-2d';

/** gamma: the weight of L_dis in the stage-1 loss (the official `text_norm_weight`). */
export const DISENTANGLE_WEIGHT = 0.1;

/** L_dis = (mean_b <A_b[:, 0], A_b[:, 1]>)^2 over the anchors of the batch's images (each [E, 2]). */
export function disentangleLoss(anchors: readonly tf.Tensor2D[]): tf.Scalar {
  return tf.tidy(() => {
    if (anchors.length === 0) throw new Error('disentangle loss: no anchors (the batch has no images)');
    const dots = anchors.map((a) => {
      const E = a.shape[0];
      const n = tf.reshape(tf.slice(a, [0, 0], [E, 1]), [1, E]) as tf.Tensor2D; // [1, E]
      return tf.reshape(matMul2d(n, tf.slice(a, [0, 1], [E, 1]) as tf.Tensor2D), []); // <a0, a1>
    });
    return tf.square(tf.mean(tf.stack(dots))) as tf.Scalar;
  });
}

/** @deprecated Renamed {@link disentangleLoss} (the paper's name); removed in the next release. */
export const orthogonalLoss = disentangleLoss;
