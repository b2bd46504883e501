import * as tf from '@tensorflow/tfjs-core';
import { biasActivation } from '../kernels/fused-ops';

export type Activation = 'gelu' | 'quick_gelu';

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). One fused kernel where registered (`@aaclip/kernels/tfjs` registers them). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return biasActivation('gelu', x);
}

/** OpenAI's QuickGELU: x * sigmoid(1.702 x). One fused kernel where registered. */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return biasActivation('quick_gelu', x);
}

/** `kind(x + bias)`, the bias (over the last axis) optional; bias add and activation fused where registered. */
export function applyActivation(kind: Activation, x: tf.Tensor, bias?: tf.Tensor1D): tf.Tensor {
  return biasActivation(kind, x, bias);
}
