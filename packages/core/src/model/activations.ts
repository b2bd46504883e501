import * as tf from '@tensorflow/tfjs-core';

export type Activation = 'gelu' | 'quick_gelu';

const SQRT1_2 = Math.SQRT1_2;

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1)));
}

/** OpenAI's QuickGELU: x * sigmoid(1.702 x). */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))));
}

export function applyActivation(kind: Activation, x: tf.Tensor): tf.Tensor {
  if (kind === 'gelu') return gelu(x);
  if (kind === 'quick_gelu') return quickGelu(x);
  throw new Error(`unknown activation "${kind as string}" (expected 'gelu' or 'quick_gelu')`);
}
