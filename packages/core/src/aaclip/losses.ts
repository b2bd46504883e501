// The alignment losses of AA-CLIP (Ma et al., CVPR 2025, arXiv 2503.06661; the official loss.py;
// test-data/fixtures/README.md, "Maps and losses"), on a probability map P [B, 2, S, S] (channel 0
// normal, 1 anomalous) and a mask Y [B, S, S] in {0, 1}:
//
//   focal      L_focal = mean_pixels -(1 - p_t)^2 log p_t,   p_t = sum_c onehot(Y)_c P_c + 1e-5
//              (onehot clamped to [1e-5, 1 - 1e-5])
//   dice       L_dice(P, T) = 1 - mean_b (2 sum(P T) + 1) / (sum P + sum T + 1)
//   alignment  L_align = L_focal + L_dice(P_0, 1 - Y) + L_dice(P_1, Y)          (segmentationLoss)
//   det        L_ce = mean_b CE(v_det,b A_b, label_b)                            (detCrossEntropy)
//
// The disentangle loss of the text anchors has its own file, disentangle-loss.ts.
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../model/matmul-2d';

/**
 * Sums `x` over `axes`, one axis at a time (the highest first), so that no
 * float32 accumulator runs over more than one axis's length. A single `tf.sum` over a
 * [2, 140, 140] map adds 39,200 terms in one running float32 sum (wasm and cpu kernels add
 * sequentially); on aaclip-tiny that alone put -1.2e-5 on each level's seg term (8.5x the
 * error the float32 maps themselves carry), and stage2.seg_loss at 55% of its parity tolerance.
 * Summing rows first (140 terms), then rows of row sums, bounds the error by the longest
 * axis instead of the pixel count: 1.9e-7 on that term, and stage2.seg_loss at 4.4e-6 (7%).
 */
export function sumInStages(x: tf.Tensor, axes: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const sorted = [...axes].sort((a, b) => b - a);
    if (sorted.some((a, i) => a < 0 || a >= x.rank || sorted[i + 1] === a)) {
      throw new Error(`sumInStages: axes [${axes}] are not distinct axes of a rank-${x.rank} tensor`);
    }
    let s = x;
    for (const a of sorted) s = tf.sum(s, a); // highest axis first: the lower axes keep their index
    return s;
  });
}

/**
 * Focal loss, gamma 2, no alpha: the one-hot target is clamped to [1e-5, 1 - 1e-5];
 * pt = sum_c(onehot_c p_c) + 1e-5; mean over all pixels of -(1 - pt)^gamma log pt.
 */
export function focalLoss(prob: tf.Tensor4D, mask: tf.Tensor3D, gamma = 2): tf.Scalar {
  return tf.tidy(() => {
    const [B, C, S1, S2] = prob.shape;
    if (C !== 2) throw new Error(`focalLoss: expected 2 channels, got shape [${prob.shape}]`);
    checkMask(mask, B, S1, S2, 'focalLoss');
    const eps = 1e-5;
    const t1 = tf.clipByValue(mask, eps, 1 - eps);
    const t0 = tf.clipByValue(tf.sub(1, mask), eps, 1 - eps);
    const p0 = tf.reshape(tf.slice(prob, [0, 0, 0, 0], [B, 1, S1, S2]), [B, S1, S2]); // [B, S, S] normal
    const p1 = tf.reshape(tf.slice(prob, [0, 1, 0, 0], [B, 1, S1, S2]), [B, S1, S2]); // [B, S, S] anomalous
    const pt = tf.add(tf.add(tf.mul(t0, p0), tf.mul(t1, p1)), eps);
    const w = tf.pow(tf.sub(1, pt), gamma);
    return tf.neg(tf.div(sumInStages(tf.mul(w, tf.log(pt)), [2, 1, 0]), B * S1 * S2)) as tf.Scalar;
  });
}

/** Dice loss 1 - mean_b (2 sum(p t) + 1) / (sum p + sum t + 1); p, t: [B, S, S]. */
export function diceLoss(p: tf.Tensor3D, t: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const inter = sumInStages(tf.mul(p, t), [2, 1]); // [B]
    const ratio = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(tf.add(sumInStages(p, [2, 1]), sumInStages(t, [2, 1])), 1));
    return tf.sub(1, tf.mean(ratio)) as tf.Scalar;
  });
}

/** seg loss = focal + dice(P_0, 1 - mask) + dice(P_1, mask). */
export function segmentationLoss(prob: tf.Tensor4D, mask: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const [B, , S1, S2] = prob.shape;
    const p0 = tf.reshape(tf.slice(prob, [0, 0, 0, 0], [B, 1, S1, S2]), [B, S1, S2]) as tf.Tensor3D; // [B, S, S] normal
    const p1 = tf.reshape(tf.slice(prob, [0, 1, 0, 0], [B, 1, S1, S2]), [B, S1, S2]) as tf.Tensor3D; // [B, S, S] anomalous
    return tf.addN([focalLoss(prob, mask), diceLoss(p0, tf.sub(1, mask) as tf.Tensor3D), diceLoss(p1, mask)]) as tf.Scalar;
  });
}

/**
 * Cross-entropy of the det logits det_b A_b (no temperature) with integer labels, mean over the batch.
 * det [B, E]; anchors one [E, 2] per image; labels in {0, 1}.
 */
export function detCrossEntropy(det: tf.Tensor2D, anchors: tf.Tensor2D[], labels: ArrayLike<number>): tf.Scalar {
  return tf.tidy(() => {
    const B = det.shape[0];
    if (anchors.length !== B || labels.length !== B) {
      throw new Error(`detCrossEntropy: batch ${B}, ${anchors.length} anchor sets, ${labels.length} labels`);
    }
    const losses = anchors.map((a, b) => {
      const y = labels[b]!;
      if (y !== 0 && y !== 1) throw new Error(`detCrossEntropy: label ${y} of image ${b} is not 0 or 1`);
      const logits = matMul2d(tf.slice(det, [b, 0], [1, det.shape[1]]) as tf.Tensor2D, a); // [1, 2]
      const logp = tf.logSoftmax(logits);
      return tf.neg(tf.reshape(tf.slice(logp, [0, y], [1, 1]), [])); // [] -log p(label)
    });
    return tf.mean(tf.stack(losses)) as tf.Scalar;
  });
}

function checkMask(mask: tf.Tensor3D, B: number, S1: number, S2: number, where: string): void {
  if (mask.rank !== 3 || mask.shape[0] !== B || mask.shape[1] !== S1 || mask.shape[2] !== S2) {
    throw new Error(`${where}: mask shape [${mask.shape}] does not match the maps [${B}, ${S1}, ${S2}]`);
  }
}
