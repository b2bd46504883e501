import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Attention } from './attention';
import { inSurgery, valuePath } from './surgery';

describe('surgery branch', () => {
  it('runs the value path in blocks from..to (to defaults to the last), nowhere without a range', () => {
    expect([1, 5, 6, 12, 24].map((b) => inSurgery({ from: 6 }, b, 24))).toEqual([false, false, true, true, true]);
    expect([5, 6, 8, 9].map((b) => inSurgery({ from: 6, to: 8 }, b, 24))).toEqual([false, true, true, false]);
    expect(inSurgery(undefined, 6, 24)).toBe(false);
  });

  it('is W_o (W_v x + b_v) + b_o per token, with no mixing between tokens, and frees its intermediates', async () => {
    // width 2, one head: q and k rows are zero (they must not matter), v = diag(2, 3) + 1, W_o = [[1, 1], [0, 1]] + [0.5, 0]
    const weights = new Map([
      ['attn.in_proj_weight', { shape: [6, 2], data: Float32Array.of(0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 3) }],
      ['attn.in_proj_bias', { shape: [6], data: Float32Array.of(0, 0, 0, 0, 1, 1) }],
      ['attn.out_proj.weight', { shape: [2, 2], data: Float32Array.of(1, 1, 0, 1) }],
      ['attn.out_proj.bias', { shape: [2], data: Float32Array.of(0.5, 0) }],
    ]);
    const attn = new Attention(weights, 'attn.', 2, 1);
    attn.valueProjection(); // cut once, kept with the layer
    const before = tf.memory().numTensors;
    const one = tf.tensor2d([[1, 1]]);
    const two = tf.tensor2d([[1, 1], [0, 0]]);
    const a = valuePath(attn, one);
    const b = valuePath(attn, two);
    // v(1, 1) = (3, 4) -> (3 + 4 + 0.5, 4); v(0, 0) = (1, 1) -> (2.5, 1); the first row is the same alone or beside another
    expect(Array.from(await a.data())).toEqual([7.5, 4]);
    expect(Array.from(await b.data())).toEqual([7.5, 4, 2.5, 1]);
    tf.dispose([one, two, a, b]);
    expect(tf.memory().numTensors).toBe(before);
    attn.dispose();
  });
});
