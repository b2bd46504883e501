import type * as tf from '@tensorflow/tfjs-core';

/** max |a - b| / max |a|, elementwise over two tensors of the same size (cpu and wasm backends). */
export function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < x.length; i++) {
    scale = Math.max(scale, Math.abs(x[i]!));
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
  }
  return diff / scale;
}
