import * as tf from '@tensorflow/tfjs-core';

/*
 * The composite forms (several tfjs ops each): what runs where no fused kernel is registered
 * for the active backend, and the reference the fused kernels are tested against.
 */

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function compositeLayerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(xhat, gamma), beta);
  });
}

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
export function compositeGelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

/** OpenAI's QuickGELU: x * sigmoid(1.702 x). */
export function compositeQuickGelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))));
}

/** A block of a 2-D tensor plus a bias slice, scaled, optionally transposed (see HeadSliceAttrs). */
export function compositeHeadSlice(
  x: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  a: { row: number; rows: number; col: number; cols: number; scale: number; transpose: boolean },
): tf.Tensor2D {
  return tf.tidy(() => {
    let s: tf.Tensor2D = tf.slice(x, [a.row, a.col], [a.rows, a.cols]);
    if (bias) s = tf.add(s, tf.slice(bias, [a.col], [a.cols]));
    if (a.scale !== 1) s = tf.mul(s, a.scale);
    return a.transpose ? tf.transpose(s) : s;
  });
}
