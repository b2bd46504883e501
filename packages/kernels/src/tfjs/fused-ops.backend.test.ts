// The fused kernels against the composite ops they replace, on the backend under test (cpu and
// wasm here; WebGPU in packages/backend-web/src/fused-kernels.browser.test.ts): values,
// gradients, and no leaked tensors. Core's ops come from its build (`npx tsup` in packages/core).
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  biasActivation,
  FUSED_KERNEL_NAMES,
  fusedKernelActive,
  fusedKernelsEnabled,
  GELU,
  HEAD_SLICE,
  headSlice,
  LAYER_NORM,
  layerNorm,
  QUICK_GELU,
  ResidualAttentionBlock,
  setFusedKernelsEnabled,
} from '@aaclip/core';
import { gaussianSampler } from '@aaclip/core/train';
// the composite forms core falls back to: the reference (not exported by core)
import { compositeGelu, compositeHeadSlice, compositeLayerNorm, compositeQuickGelu } from '../../../core/src/kernels/composite';
import { registerFusedKernels } from './register';
import { fusedWasmModuleBytes, wasmSimdSupported } from './wasm-simd';

const rand = gaussianSampler(7);
function randn(shape: number[], scale = 1, shift = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => shift + scale * rand()), shape);
}

/** max |a - b| / max(1, max |b|) */
function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  expect(a.shape).toEqual(b.shape);
  let d = 0;
  let m = 1;
  for (let i = 0; i < av.length; i++) {
    d = Math.max(d, Math.abs(av[i]! - bv[i]!));
    m = Math.max(m, Math.abs(bv[i]!));
  }
  return d / m;
}

/** Runs f with fused kernels on, then off; returns both results (kept). */
function both<T extends tf.Tensor | tf.Tensor[]>(f: () => T): [T, T] {
  setFusedKernelsEnabled(true);
  const fused = tf.tidy(f);
  setFusedKernelsEnabled(false);
  const composite = tf.tidy(f);
  setFusedKernelsEnabled(true);
  return [fused, composite];
}

const backend = () => tf.getBackend();
let start = 0;

beforeAll(() => {
  expect(registerFusedKernels()).toEqual(backend() === 'wasm' && !wasmSimdSupported() ? [HEAD_SLICE] : [...FUSED_KERNEL_NAMES]);
  start = tf.memory().numTensors;
});

afterAll(() => {
  setFusedKernelsEnabled(true);
});

describe('registration', () => {
  it('registers every kernel for the active backend, and the flag turns them off', () => {
    for (const name of FUSED_KERNEL_NAMES) expect(fusedKernelActive(name)).toBe(true);
    setFusedKernelsEnabled(false);
    expect(fusedKernelsEnabled()).toBe(false);
    expect(fusedKernelActive(LAYER_NORM)).toBe(false);
    setFusedKernelsEnabled(true);
    expect(registerFusedKernels()).toHaveLength(4); // idempotent
    expect(registerFusedKernels('webgl')).toEqual([]);
  });

  it('the wasm SIMD module validates in this engine', () => {
    expect(fusedWasmModuleBytes().length).toBeGreaterThan(500);
    expect(wasmSimdSupported()).toBe(true);
  });
});

describe('layerNorm', () => {
  // widths: multiple of 4 (SIMD path on wasm), odd (scalar path), CLIP's 1024; rank 2 and 3
  it.each([
    [[6, 12], 1],
    [[3, 7], 1],
    [[2, 3, 8], 1],
    [[4, 1024], 1],
    [[5, 16], 1e4],
  ])('shape %j, values around %d: fused == composite', (shape, shift) => {
    const c = shape[shape.length - 1]!;
    const x = randn(shape, 3, shift);
    const g = randn([c], 0.5, 1) as tf.Tensor1D;
    const b = randn([c], 0.2) as tf.Tensor1D;
    const [fused, composite] = both(() => layerNorm(x, g, b, 1e-5));
    const reference = tf.tidy(() => compositeLayerNorm(x, g, b, 1e-5));
    expect(relDiff(fused, composite)).toBeLessThan(shift > 1 ? 2e-3 : 2e-6);
    expect(relDiff(composite, reference)).toBe(0);
    tf.dispose([x, g, b, fused, composite, reference]);
  });

  it('gradients w.r.t. x, gamma and beta match the composite ones', () => {
    const x = randn([5, 12], 2, 0.5);
    const g = randn([12], 0.5, 1) as tf.Tensor1D;
    const b = randn([12], 0.2) as tf.Tensor1D;
    const w = randn([5, 12]);
    const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(layerNorm(xx, gg as tf.Tensor1D, bb as tf.Tensor1D), w));
    const [fused, composite] = both(() => tf.grads(f)([x, g, b]));
    for (let i = 0; i < 3; i++) expect(relDiff(fused[i]!, composite[i]!)).toBeLessThan(1e-5);
    tf.dispose([x, g, b, w, ...fused, ...composite]);
  });

  it('rejects a gamma of the wrong width', () => {
    const x = tf.zeros([2, 4]);
    const g = tf.ones([3]) as tf.Tensor1D;
    expect(() => layerNorm(x, g, g)).toThrow(/gamma has shape \[3\], expected \[4\]/);
    tf.dispose([x, g]);
  });
});

describe('biasActivation', () => {
  const extremes = [0, -0, 1e-8, -1e-8, 0.5, -0.5, 3, -3, 5.7, -5.7, 12, -12, 40, -40, 100, -100];
  it.each([
    ['gelu', true, [7, 16]],
    ['gelu', false, [7, 16]],
    ['gelu', true, [3, 5]],
    ['gelu', false, [3, 5]],
    ['quick_gelu', true, [7, 16]],
    ['quick_gelu', false, [7, 16]],
    ['quick_gelu', true, [3, 5]],
    ['quick_gelu', false, [2, 3, 8]],
    // SIMD: 4-vector iterations then single vectors (24 = 16 + 4 + 4; 36 = 2 x 16 + 4)
    ['gelu', true, [3, 24]],
    ['quick_gelu', true, [3, 24]],
    ['gelu', false, [3, 12]],
    ['quick_gelu', false, [3, 12]],
  ] as const)('%s (bias %s) on %j: fused == composite', (kind, withBias, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = Float32Array.from({ length: n }, (_, i) => (i < extremes.length ? extremes[i]! : 2.5 * rand()));
    const x = tf.tensor(vals, [...shape]);
    const bias = withBias ? (randn([shape[shape.length - 1]!], 0.3) as tf.Tensor1D) : undefined;
    const [fused, composite] = both(() => biasActivation(kind, x, bias));
    const reference = tf.tidy(() => {
      const u = bias ? tf.add(x, bias) : x;
      return kind === 'gelu' ? compositeGelu(u) : compositeQuickGelu(u);
    });
    // erf/exp are evaluated by other code than tfjs' (a few float32 ulp; see wasm-simd.ts)
    expect(relDiff(fused, composite)).toBeLessThan(1e-6);
    expect(relDiff(composite, reference)).toBe(0);
    expect(Array.from(fused.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, fused, composite, reference]);
    bias?.dispose();
  });

  it.each(['gelu', 'quick_gelu'] as const)('%s gradients w.r.t. x and bias match the composite ones', (kind) => {
    const x = randn([6, 8], 2);
    const bias = randn([8], 0.5) as tf.Tensor1D;
    const w = randn([6, 8]);
    const f = (xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(biasActivation(kind, xx, bb as tf.Tensor1D), w));
    const [fused, composite] = both(() => tf.grads(f)([x, bias]));
    for (let i = 0; i < 2; i++) expect(relDiff(fused[i]!, composite[i]!)).toBeLessThan(2e-6);
    const g1 = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(biasActivation(kind, xx), w)));
    const [f1, c1] = both(() => g1(x));
    expect(relDiff(f1, c1)).toBeLessThan(2e-6);
    tf.dispose([x, bias, w, ...fused, ...composite, f1, c1]);
  });

  it('the kernels are registered under their names', () => {
    expect(tf.getKernel(GELU, backend())).toBeDefined();
    expect(tf.getKernel(QUICK_GELU, backend())).toBeDefined();
  });
});

describe('headSlice', () => {
  const cases = [
    { row: 0, rows: 5, col: 0, cols: 8, scale: 0.125, transpose: false },
    { row: 5, rows: 5, col: 8, cols: 8, scale: 1, transpose: true },
    { row: 2, rows: 3, col: 16, cols: 8, scale: 1, transpose: false },
    { row: 1, rows: 4, col: 3, cols: 5, scale: 0.5, transpose: false },
    { row: 1, rows: 4, col: 3, cols: 5, scale: 0.5, transpose: true },
  ];
  it.each(cases.flatMap((c) => [{ ...c, bias: true }, { ...c, bias: false }]))('%j: fused == composite exactly', (c) => {
    const x = randn([10, 24]) as tf.Tensor2D;
    const bias = c.bias ? (randn([24]) as tf.Tensor1D) : null;
    const [fused, composite] = both(() => headSlice(x, bias, c));
    const reference = tf.tidy(() => compositeHeadSlice(x, bias, c));
    expect(fused.shape).toEqual(c.transpose ? [c.cols, c.rows] : [c.rows, c.cols]);
    expect(Array.from(fused.dataSync())).toEqual(Array.from(reference.dataSync()));
    expect(Array.from(composite.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([x, fused, composite, reference]);
    bias?.dispose();
  });

  it('gradients w.r.t. x and bias match the composite ones', () => {
    const x = randn([10, 24]);
    const bias = randn([24]);
    for (const c of cases) {
      const w = randn(c.transpose ? [c.cols, c.rows] : [c.rows, c.cols]);
      const f = (xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(headSlice(xx as tf.Tensor2D, bb as tf.Tensor1D, c), w));
      const [fused, composite] = both(() => tf.grads(f)([x, bias]));
      for (let i = 0; i < 2; i++) expect(relDiff(fused[i]!, composite[i]!)).toBe(0);
      tf.dispose([w, ...fused, ...composite]);
    }
    tf.dispose([x, bias]);
  });

  it('rejects a block outside x', () => {
    const x = tf.zeros([4, 8]) as tf.Tensor2D;
    expect(() => headSlice(x, null, { row: 2, rows: 3, col: 0, cols: 4 })).toThrow(/outside \[4, 8\]/);
    x.dispose();
  });
});

describe('a residual attention block (the model call sites)', () => {
  function block(activation: 'gelu' | 'quick_gelu'): ResidualAttentionBlock {
    const W = 32;
    const wm = new Map<string, { shape: number[]; data: Float32Array }>();
    const put = (k: string, shape: number[], std: number, shift = 0) => {
      const n = shape.reduce((a, b) => a * b, 1);
      wm.set(k, { shape, data: Float32Array.from({ length: n }, () => shift + std * rand()) });
    };
    put('ln_1.weight', [W], 0.2, 1);
    put('ln_1.bias', [W], 0.1);
    put('ln_2.weight', [W], 0.2, 1);
    put('ln_2.bias', [W], 0.1);
    put('attn.in_proj_weight', [3 * W, W], W ** -0.5);
    put('attn.in_proj_bias', [3 * W], 0.1);
    put('attn.out_proj.weight', [W, W], W ** -0.5);
    put('attn.out_proj.bias', [W], 0.1);
    put('mlp.c_fc.weight', [4 * W, W], W ** -0.5);
    put('mlp.c_fc.bias', [4 * W], 0.1);
    put('mlp.c_proj.weight', [W, 4 * W], (4 * W) ** -0.5);
    put('mlp.c_proj.bias', [W], 0.1);
    return new ResidualAttentionBlock(wm, '', W, 4, activation);
  }

  it.each([
    ['gelu', {}],
    ['quick_gelu', {}],
    ['gelu', { mask: true }],
    ['quick_gelu', { valuePath: true }],
  ] as const)('%s %j: forward and input gradient, fused == composite', (activation, o) => {
    const blk = block(activation);
    const [B, N] = [2, 7];
    const x = randn([B * N, 32]) as tf.Tensor2D;
    const mask = 'mask' in o ? (tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([N, N]), -1, 0)), -1e9)) as tf.Tensor2D) : undefined;
    const valuePath = 'valuePath' in o;
    const w = randn([B * N, 32]);
    const f = (xx: tf.Tensor) => tf.sum(tf.mul(blk.apply(xx as tf.Tensor2D, B, N, { mask, valuePath }), w));
    const [fused, composite] = both(() => [blk.apply(x, B, N, { mask, valuePath }), tf.grad(f)(x)]);
    expect(relDiff(fused[0]!, composite[0]!)).toBeLessThan(2e-6);
    expect(relDiff(fused[1]!, composite[1]!)).toBeLessThan(1e-5);
    tf.dispose([x, w, ...fused, ...composite]);
    mask?.dispose();
    blk.dispose();
  });
});

describe('memory', () => {
  it('no tensor is left behind by the tests above or by a forward + backward pass', () => {
    const x = randn([4, 8]);
    const g = randn([8]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const y = layerNorm(x, g, g);
      const z = biasActivation('gelu', y, g);
      const h = headSlice(z as tf.Tensor2D, g, { row: 0, rows: 4, col: 4, cols: 4, transpose: true });
      tf.dispose([y, z, h]);
      tf.dispose(tf.grads((xx: tf.Tensor) => tf.sum(headSlice(biasActivation('quick_gelu', layerNorm(xx, g, g), g) as tf.Tensor2D, g, { row: 1, rows: 2, col: 0, cols: 8 })))([x]));
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g]);
    expect(tf.memory().numTensors).toBe(start);
  });
});
