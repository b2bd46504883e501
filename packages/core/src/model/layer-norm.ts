import * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from '../kernels/fused-ops';

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias. */
export class LayerNorm {
  constructor(
    readonly weight: tf.Tensor1D,
    readonly bias: tf.Tensor1D,
    readonly eps = 1e-5,
  ) {}

  /** x: [..., width] -> same shape. One fused kernel where registered (`@aaclip/kernels/tfjs` registers them). */
  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}
