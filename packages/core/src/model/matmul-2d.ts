import * as tf from '@tensorflow/tfjs-core';
import { assertFullWeight } from './inference-weights';
import { providedMatMul } from './matmul-provider';

/*
 * Plain 2-D matMul with hand-written gradients that are themselves plain 2-D matMuls.
 * On tfjs-wasm only `matMul(a, b)` without transpose flags takes the fast XNNPACK path
 * (~25 GFLOP/s); tfjs' default MatMul gradient uses transposeA/B (~1-2 GFLOP/s), so the
 * backward pass transposes explicitly (cheap, O(n^2)) and multiplies plainly.
 * A matrix-product provider (matmul-provider.ts), where one is plugged in, takes every product
 * first, the transposed ones without explicit transposes.
 */

const matMulBoth = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: (providedMatMul(a, b) ?? tf.matMul(a, b)) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      // dA = dY B^T : [m, n] x [n, k]; dB = A^T dY : [k, m] x [m, n]
      return [
        providedMatMul(g, sb, { transposeB: true }) ?? tf.matMul(g, tf.transpose(sb)),
        providedMatMul(sa, g, { transposeA: true }) ?? tf.matMul(tf.transpose(sa), g),
      ];
    },
  };
});

/**
 * `a @ b` for 2-D tensors ([m, k] x [k, n] -> [m, n]) whose gradient w.r.t. both inputs
 * uses plain 2-D matMuls only.
 */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matMul2d: incompatible shapes [${a.shape}] x [${b.shape}]`);
  }
  return matMulBoth(a, b) as tf.Tensor2D;
}

/**
 * `x @ w (+ bias)` where `w` is a frozen weight ([in, out], already transposed from the
 * checkpoint's [out, in]). The gradient flows to `x` only: dX = dY w^T, computed as a plain
 * 2-D matMul against an explicit transpose; no gradient work is spent on the frozen weight.
 * A trainable `tf.Variable` weight is the exception: then `w` and `bias` get gradients too.
 */
export function frozenLinear(x: tf.Tensor2D, w: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  if (x.shape[1] !== w.shape[0]) {
    throw new Error(`frozenLinear: input width ${x.shape[1]} does not match weight [${w.shape}]`);
  }
  if (w instanceof tf.Variable && w.trainable) {
    // a backbone being trained (e.g. a demo backbone's pretraining): gradients reach w and bias
    const y = matMul2d(x, w);
    return (bias ? tf.add(y, bias) : y) as tf.Tensor2D;
  }
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xx = args[0] as tf.Tensor2D;
    return {
    value: (providedMatMul(xx, w, { bias, weight: true }) ?? (bias ? tf.add(tf.matMul(xx, w), bias) : tf.matMul(xx, w))) as tf.Tensor,
    gradFunc: (dy: tf.Tensor) => {
      assertFullWeight(w, 'frozenLinear gradient'); // an inference-only weight has no readable copy
      return providedMatMul(dy as tf.Tensor2D, w, { transposeB: true }) ?? tf.matMul(dy as tf.Tensor2D, tf.transpose(w));
    },
    };
  });
  return f(x) as tf.Tensor2D;
}
