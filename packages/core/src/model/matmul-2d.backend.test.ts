import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { frozenLinear, matMul2d } from './matmul-2d';

const x = (): tf.Tensor2D => tf.tensor2d([1, 2, -1, 0.5, 3, -2], [2, 3]); // [2, 3]
const w = (): tf.Tensor2D => tf.tensor2d([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2]); // [3, 2]
const bias = (): tf.Tensor1D => tf.tensor1d([0.25, -0.75]);
// d/dx of sum(y * c) with c = [[1, 2], [3, 4]]: c w^T; d/dw: x^T c; d/dbias: column sums of c
const C = [[1, 2], [3, 4]];
const values = (f: () => tf.Tensor): number[] => {
  const t = tf.tidy(f);
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('matMul2d / frozenLinear gradients', () => {
  it('matMul2d gives both gradients as plain products', () => {
    const a = x();
    const b = w();
    const c = tf.tensor2d(C);
    const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(matMul2d(p as tf.Tensor2D, q as tf.Tensor2D), c)))([a, b]);
    expect(Array.from(g[0]!.dataSync())).toEqual(values(() => tf.matMul(c, b, false, true)));
    expect(Array.from(g[1]!.dataSync())).toEqual(values(() => tf.matMul(a, c, true, false)));
    tf.dispose([a, b, c, ...g]);
  });

  it('frozenLinear: gradient to x only for a plain tensor weight', () => {
    const start = tf.memory().numTensors;
    const a = x();
    const b = w();
    const bb = bias();
    const c = tf.tensor2d(C);
    const y = frozenLinear(a, b, bb);
    expect(Array.from(y.dataSync())).toEqual(values(() => tf.add(tf.matMul(a, b), bb)));
    const gx = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(frozenLinear(p as tf.Tensor2D, b, bb), c)))(a);
    expect(Array.from(gx.dataSync())).toEqual(values(() => tf.matMul(c, b, false, true)));
    tf.dispose([a, b, bb, c, y, gx]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('frozenLinear: a trainable tf.Variable weight and bias get their gradients', () => {
    const start = tf.memory().numTensors;
    const a = x();
    const w0 = w();
    const b0 = bias();
    const wv = tf.variable(w0, true, 'frozenLinear_test_w');
    const bv = tf.variable(b0, true, 'frozenLinear_test_b');
    const c = tf.tensor2d(C);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(frozenLinear(a, wv, bv), c)) as tf.Scalar, [wv, bv]);
    expect(Array.from(grads[wv.name]!.dataSync())).toEqual(values(() => tf.matMul(a, c, true, false)));
    expect(Array.from(grads[bv.name]!.dataSync())).toEqual([4, 6]);
    tf.dispose([a, w0, b0, wv, bv, c, value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(start);
  });
});
