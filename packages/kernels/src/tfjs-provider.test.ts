import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Attention, ClipModel, frozenLinear, matMul2d, setMatMulProvider, type ClipConfig } from '@aaclip/core';
import { randomClipWeights } from '@aaclip/core/train';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGemmEngine } from './node';
import { TfjsGemmProvider } from './tfjs-provider';

// The provider on tfjs-wasm: products against tfjs' own, weights adopted at load, tensor
// counts, and a tiny CLIP's forward identical on 1 and 2 threads. Core comes from its build
// (the provider registry the provider plugs into); `npx tsup` in packages/core and packages/kernels first.

let prevBackend = '';
beforeAll(async () => {
  prevBackend = tf.getBackend();
  await tf.setBackend('wasm');
  await tf.ready();
});
afterAll(async () => {
  setMatMulProvider(null);
  await tf.setBackend(prevBackend);
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Runs `fn` with the provider of a fresh engine of `threads` threads plugged in. */
function withProvider<T>(threads: number, fn: (p: TfjsGemmProvider) => T): T {
  const engine = createGemmEngine({ threads });
  const provider = new TfjsGemmProvider(engine);
  setMatMulProvider(provider);
  try {
    return fn(provider);
  } finally {
    setMatMulProvider(null);
    provider.dispose();
    engine.dispose();
  }
}

const TINY: ClipConfig = {
  embedDim: 16,
  vision: { imageSize: 28, patchSize: 7, width: 24, layers: 2, heads: 2 },
  activation: 'quick_gelu',
} as ClipConfig;

describe('TfjsGemmProvider (wasm)', () => {
  it('multiplies as tfjs does, with transposed operands and a bias, and frees what it makes', () => {
    withProvider(2, (p) => {
      const before = tf.memory().numTensors;
      for (const [m, k, n] of [[7, 13, 5], [37, 29, 21], [1, 8, 3]] as const) {
        tf.tidy(() => {
          const a = tf.randomNormal([m, k], 0, 1, 'float32', 1) as tf.Tensor2D;
          const b = tf.randomNormal([k, n], 0, 1, 'float32', 2) as tf.Tensor2D;
          const bias = tf.randomNormal([n], 0, 1, 'float32', 3) as tf.Tensor1D;
          const want = tf.add(tf.matMul(a, b), bias);
          expect(maxAbsDiff(p.matMul(a, b, { bias })!, want)).toBeLessThan(1e-5);
          expect(maxAbsDiff(p.matMul(tf.transpose(a), b, { transposeA: true })!, tf.matMul(a, b))).toBeLessThan(1e-5);
          expect(maxAbsDiff(p.matMul(a, tf.transpose(b), { transposeB: true })!, tf.matMul(a, b))).toBeLessThan(1e-5);
          // a frozen weight: packed once, the same product on the next call
          const w1 = p.matMul(a, b, { weight: true })!;
          const w2 = p.matMul(a, b, { weight: true })!;
          expect(maxAbsDiff(w1, w2)).toBe(0);
          expect(maxAbsDiff(w1, tf.matMul(a, b))).toBeLessThan(1e-5);
        });
      }
      expect(tf.memory().numTensors).toBe(before);
      // the packed copies of disposed weights are freed on the next sweep
      expect(p.weightBytes).toBeGreaterThan(0);
      p.sweep();
      expect(p.weightBytes).toBe(0);
    });
  });

  it('runs frozenLinear and matMul2d with their gradients through the provider', () => {
    const x = tf.randomNormal([9, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
    const y = tf.randomNormal([6, 7], 0, 1, 'float32', 5) as tf.Tensor2D;
    const w = tf.randomNormal([7, 11], 0, 1, 'float32', 6) as tf.Tensor2D;
    const bias = tf.randomNormal([11], 0, 1, 'float32', 7) as tf.Tensor1D;
    // loss = sum(frozenLinear(x @ y, w, bias)^2): gradients for x and y through dY Wᵀ, dY Bᵀ and Aᵀ dY
    const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.square(frozenLinear(matMul2d(a as tf.Tensor2D, b as tf.Tensor2D), w, bias)));
    const f = (): tf.Tensor[] => [frozenLinear(x, tf.slice(w, [0, 0], [6, 11]), bias), ...tf.grads(loss)([x, y])];
    const want = tf.tidy(f);
    const got = withProvider(2, () => tf.tidy(f));
    for (let i = 0; i < want.length; i++) {
      const scale = tf.tidy(() => tf.max(tf.abs(want[i]!)).dataSync()[0]!);
      expect(maxAbsDiff(got[i]!, want[i]!) / scale).toBeLessThan(1e-5);
    }
    tf.dispose([...want, ...got, x, y, w, bias]);
  });

  it('adopts inference-only weights at load and gives a CLIP forward identical on 1 and 2 threads, close to XNNPACK', () => {
    const forward = (): Float32Array => {
      const clip = ClipModel.fromWeights(randomClipWeights(TINY, 7, { visionOnly: true }), { ...TINY, text: undefined }, { inferenceOnly: true });
      try {
        const image = tf.randomNormal([2, 28, 28, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
        const r = clip.encodeImage(image, { collect: [1, 2] });
        const out = r.pooled!.dataSync().slice() as Float32Array;
        tf.dispose([image, r.pooled!, ...r.tokens.values()]);
        return out;
      } finally {
        clip.dispose();
      }
    };
    const xnnpack = forward();
    const one = withProvider(1, (p) => {
      const out = forward();
      // the weights went to the engine (their tfjs uploads were freed: XNNPACK could not have run them)
      expect(p.weightBytes).toBeGreaterThan(0);
      return out;
    });
    const two = withProvider(2, () => forward());
    expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    let d = 0;
    for (let i = 0; i < one.length; i++) d = Math.max(d, Math.abs(one[i]! - xnnpack[i]!));
    expect(d).toBeLessThan(1e-4);
  });

  it('runs every attention head in one engine job: close to the per-head path, identical on 1 and 2 threads, tensors freed', () => {
    const [B, N, W, H] = [2, 37, 24, 3];
    const weights = new Map([
      ['attn.in_proj_weight', { shape: [3 * W, W], data: tf.randomNormal([3 * W, W], 0, 0.3, 'float32', 11).dataSync() as Float32Array }],
      ['attn.in_proj_bias', { shape: [3 * W], data: tf.randomNormal([3 * W], 0, 0.3, 'float32', 12).dataSync() as Float32Array }],
      ['attn.out_proj.weight', { shape: [W, W], data: tf.randomNormal([W, W], 0, 0.3, 'float32', 13).dataSync() as Float32Array }],
      ['attn.out_proj.bias', { shape: [W], data: tf.randomNormal([W], 0, 0.3, 'float32', 14).dataSync() as Float32Array }],
    ]);
    const attn = new Attention(weights, 'attn.', W, H);
    const x = tf.randomNormal([B * N, W], 0, 1, 'float32', 15) as tf.Tensor2D;
    const perHead = attn.apply(x, B, N); // no provider: tfjs' products, head by head
    const run = (threads: number): { out: Float32Array; calls: number } =>
      withProvider(threads, (p) => {
        let calls = 0;
        const job = p.attention.bind(p);
        p.attention = (...args) => (calls++, job(...args));
        const before = tf.memory().numTensors;
        const y = attn.apply(x, B, N);
        const out = y.dataSync().slice() as Float32Array;
        y.dispose();
        expect(tf.memory().numTensors).toBe(before);
        return { out, calls };
      });
    const one = run(1);
    const two = run(2);
    expect(one.calls).toBe(1);
    expect(Buffer.from(two.out.buffer).equals(Buffer.from(one.out.buffer))).toBe(true);
    const want = perHead.dataSync();
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(one.out[i]! - want[i]!));
    expect(d).toBeLessThan(1e-5);
    tf.dispose([x, perHead]);
    attn.dispose();
  });
});
