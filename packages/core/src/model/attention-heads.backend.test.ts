import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maxRelDiff } from '../../../../test-utils/compare';
import { attentionHeads } from './attention-heads';
import { attentionHeadsBatched, attentionModeInUse, setAttentionMode, type AttentionMode } from './attention-heads-batched';

/** The same attention written op by op (tfjs' own gradients): qkv [B*N, 3W] + bias -> [B*N, W]. */
function reference(qkv: tf.Tensor2D, bias: tf.Tensor1D, B: number, N: number, H: number, mask?: tf.Tensor2D): tf.Tensor2D {
  const W = qkv.shape[1] / 3;
  const d = W / H;
  const x = tf.add(qkv, bias) as tf.Tensor2D;
  const rows: tf.Tensor2D[] = [];
  for (let b = 0; b < B; b++) {
    const outs: tf.Tensor2D[] = [];
    for (let h = 0; h < H; h++) {
      const q = tf.mul(tf.slice(x, [b * N, h * d], [N, d]), 1 / Math.sqrt(d)) as tf.Tensor2D;
      const k = tf.slice(x, [b * N, W + h * d], [N, d]) as tf.Tensor2D;
      const v = tf.slice(x, [b * N, 2 * W + h * d], [N, d]) as tf.Tensor2D;
      let logits = tf.matMul(q, k, false, true);
      if (mask) logits = tf.add(logits, mask);
      outs.push(tf.matMul(tf.softmax(logits), v));
    }
    rows.push(tf.concat(outs, 1));
  }
  return tf.concat(rows, 0);
}


describe.each(['per-head', 'batched'] as const)('attentionHeads (%s)', (mode: AttentionMode) => {
  let prev: AttentionMode;
  beforeEach(() => {
    prev = setAttentionMode(mode);
  });
  afterEach(() => {
    setAttentionMode(prev);
  });

  it('runs in the mode that was set', () => {
    expect(attentionModeInUse()).toBe(mode);
  });

  for (const causal of [false, true]) {
    it(`matches the op-by-op attention and its gradients${causal ? ' (causal mask)' : ''}`, () => {
      const [B, N, H, W] = [2, 7, 3, 12];
      const qkv = tf.randomNormal([B * N, 3 * W], 0, 1, 'float32', 11) as tf.Tensor2D;
      const bias = tf.randomNormal([3 * W], 0, 0.5, 'float32', 12) as tf.Tensor1D;
      const dy = tf.randomNormal([B * N, W], 0, 1, 'float32', 13) as tf.Tensor2D;
      const mask = causal ? tf.tensor2d(Array.from({ length: N * N }, (_, i) => (i % N > Math.floor(i / N) ? -1e9 : 0)), [N, N]) : undefined;
      const start = tf.memory().numTensors;
      const f = (q: tf.Tensor, b: tf.Tensor): tf.Tensor => attentionHeads(q as tf.Tensor2D, b as tf.Tensor1D, { batch: B, tokens: N, heads: H, mask });
      const g = (q: tf.Tensor, b: tf.Tensor): tf.Tensor => reference(q as tf.Tensor2D, b as tf.Tensor1D, B, N, H, mask);
      const y = tf.tidy(() => f(qkv, bias));
      const yRef = tf.tidy(() => g(qkv, bias));
      expect(maxRelDiff(y, yRef)).toBeLessThan(1e-6);
      const grads = tf.grads(f)([qkv, bias], dy);
      const gradsRef = tf.grads(g)([qkv, bias], dy);
      expect(maxRelDiff(grads[0]!, gradsRef[0]!)).toBeLessThan(1e-5);
      expect(maxRelDiff(grads[1]!, gradsRef[1]!)).toBeLessThan(1e-5);
      // a mask made inside the differentiated function is freed before the backward pass runs
      const inner = mask
        ? tf.grads((q: tf.Tensor, b: tf.Tensor) => attentionHeads(q as tf.Tensor2D, b as tf.Tensor1D, { batch: B, tokens: N, heads: H, mask: tf.clone(mask) }))([qkv, bias], dy)
        : [];
      for (let k = 0; k < inner.length; k++) expect(maxRelDiff(inner[k]!, gradsRef[k]!)).toBeLessThan(1e-5);
      tf.dispose([y, yRef, ...grads, ...gradsRef, ...inner]);
      expect(tf.memory().numTensors).toBe(start);
      tf.dispose([qkv, bias, dy, ...(mask ? [mask] : [])]);
    });
  }

  it('rejects a projection that does not hold the stated tokens and heads', () => {
    const qkv = tf.zeros([10, 36]) as tf.Tensor2D;
    const bias = tf.zeros([36]) as tf.Tensor1D;
    expect(() => attentionHeads(qkv, bias, { batch: 2, tokens: 4, heads: 3 })).toThrow(/qkv \[10,36\] does not hold 2 x 4 tokens of 3 x 3 heads/);
    tf.dispose([qkv, bias]);
  });
});

describe('attentionHeadsBatched', () => {
  it('gives the same values and gradients when the images go one group at a time', () => {
    const [B, N, H, W] = [3, 5, 2, 8];
    const qkv = tf.randomNormal([B * N, 3 * W], 0, 1, 'float32', 21) as tf.Tensor2D;
    const bias = tf.randomNormal([3 * W], 0, 0.5, 'float32', 22) as tf.Tensor1D;
    const dy = tf.randomNormal([B * N, W], 0, 1, 'float32', 23) as tf.Tensor2D;
    const start = tf.memory().numTensors;
    const opts = { batch: B, tokens: N, heads: H };
    // 4 * H * N * N bytes is one image's scores: a limit of that size makes groups of one
    const one = (q: tf.Tensor, b: tf.Tensor): tf.Tensor => attentionHeadsBatched(q as tf.Tensor2D, b as tf.Tensor1D, opts, 4 * H * N * N);
    const all = (q: tf.Tensor, b: tf.Tensor): tf.Tensor => attentionHeadsBatched(q as tf.Tensor2D, b as tf.Tensor1D, opts);
    const y1 = tf.tidy(() => one(qkv, bias));
    const yAll = tf.tidy(() => all(qkv, bias));
    const yRef = tf.tidy(() => reference(qkv, bias, B, N, H));
    expect(maxRelDiff(y1, yRef)).toBeLessThan(1e-6);
    expect(maxRelDiff(yAll, yRef)).toBeLessThan(1e-6);
    const g1 = tf.grads(one)([qkv, bias], dy);
    const gAll = tf.grads(all)([qkv, bias], dy);
    for (let k = 0; k < 2; k++) expect(maxRelDiff(g1[k]!, gAll[k]!)).toBeLessThan(1e-6);
    tf.dispose([y1, yAll, yRef, ...g1, ...gAll]);
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([qkv, bias, dy]);
  });

  it('rejects an unknown mode, naming it', () => {
    expect(() => setAttentionMode('fast' as AttentionMode)).toThrow(/unknown mode 'fast' \(known: auto, per-head, batched\)/);
  });
});
