// Browser page for fused-kernels.browser.test.ts (bundled there with Vite; not part of the
// package): runs the fused kernels of @aaclip/kernels/tfjs (registered on import) through core's
// ops, and the composite ops they replace, on a real WebGPU (or wasm) backend and reports the
// differences, gradients included, and leaked tensors.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { biasActivation, FUSED_KERNEL_NAMES, fusedKernelActive, headSlice, layerNorm, ResidualAttentionBlock, setFusedKernelsEnabled } from '@aaclip/core';
import { gaussianSampler } from '@aaclip/core/train';
import { registerFusedKernels } from '@aaclip/kernels/tfjs';

export interface FusedCase {
  name: string;
  /** max |fused - composite| / max(1, max |composite|), over every output (value and gradients) */
  diff: number;
  /** one timed run each, ms (informational) */
  compositeMs: number;
  fusedMs: number;
}

export interface FusedCheck {
  backend: string;
  /** fused kernels active on that backend */
  active: string[];
  cases: FusedCase[];
  /** tf.memory().numTensors after minus before */
  leaked: number;
}

const rand = gaussianSampler(11);
const randn = (shape: number[], std = 1, shift = 0): tf.Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => shift + std * rand()), shape);
};

async function relDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [av, bv] = await Promise.all([a.data(), b.data()]);
  if (av.length !== bv.length) return Infinity;
  let d = 0;
  let m = 1;
  for (let i = 0; i < av.length; i++) {
    d = Math.max(d, Math.abs(av[i]! - bv[i]!));
    m = Math.max(m, Math.abs(bv[i]!));
  }
  return d / m;
}

/** Runs f with the fused kernels on, then off: the largest difference over its outputs, and the times. */
async function compare(name: string, f: () => tf.Tensor[]): Promise<FusedCase> {
  const run = async (on: boolean): Promise<{ out: tf.Tensor[]; ms: number }> => {
    setFusedKernelsEnabled(on);
    const t0 = performance.now();
    const out = tf.tidy(f);
    await Promise.all(out.map((t) => t.data()));
    return { out, ms: performance.now() - t0 };
  };
  await run(true).then((r) => tf.dispose(r.out)); // warm-up: shader compilation
  await run(false).then((r) => tf.dispose(r.out));
  const fused = await run(true);
  const composite = await run(false);
  setFusedKernelsEnabled(true);
  let diff = 0;
  for (let i = 0; i < fused.out.length; i++) diff = Math.max(diff, await relDiff(fused.out[i]!, composite.out[i]!));
  tf.dispose([...fused.out, ...composite.out]);
  return { name, diff, compositeMs: composite.ms, fusedMs: fused.ms };
}

function block(W: number, heads: number, activation: 'gelu' | 'quick_gelu'): ResidualAttentionBlock {
  const wm = new Map<string, { shape: number[]; data: Float32Array }>();
  const put = (k: string, shape: number[], std: number, shift = 0): void => {
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
  return new ResidualAttentionBlock(wm, '', W, heads, activation);
}

async function check(backend: 'webgpu' | 'wasm', wasmBase?: string): Promise<FusedCheck> {
  if (backend === 'wasm' && wasmBase) setWasmPaths(wasmBase);
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not start`);
  await tf.ready();
  registerFusedKernels(backend);
  const active = FUSED_KERNEL_NAMES.filter((n) => fusedKernelActive(n));
  const before = tf.memory().numTensors;
  const cases: FusedCase[] = [];

  for (const [rows, cols] of [
    [64, 1024],
    [3, 7],
  ] as const) {
    const x = randn([rows, cols], 2, 0.5);
    const g = randn([cols], 0.2, 1) as tf.Tensor1D;
    const b = randn([cols], 0.1) as tf.Tensor1D;
    const w = randn([rows, cols]);
    cases.push(await compare(`layerNorm [${rows},${cols}]`, () => [layerNorm(x, g, b), ...tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(layerNorm(xx, gg as tf.Tensor1D, bb as tf.Tensor1D), w)))([x, g, b])]));
    tf.dispose([x, g, b, w]);
  }
  for (const kind of ['gelu', 'quick_gelu'] as const) {
    for (const [rows, cols, withBias] of [
      [64, 4096, true],
      [5, 7, false],
      [4, 12, true],
    ] as const) {
      const x = randn([rows, cols], 2.5);
      const bias = withBias ? (randn([cols], 0.3) as tf.Tensor1D) : undefined;
      const w = randn([rows, cols]);
      const grads = bias
        ? () => tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(biasActivation(kind, xx, bb as tf.Tensor1D), w)))([x, bias])
        : () => [tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(biasActivation(kind, xx), w)))(x)];
      cases.push(await compare(`${kind}${bias ? ' + bias' : ''} [${rows},${cols}]`, () => [biasActivation(kind, x, bias), ...grads()]));
      tf.dispose([x, w]);
      bias?.dispose();
    }
  }
  {
    const qkv = randn([40, 96]) as tf.Tensor2D;
    const bias = randn([96], 0.2) as tf.Tensor1D;
    const parts = [
      { row: 0, rows: 20, col: 8, cols: 8, scale: 0.25 },
      { row: 20, rows: 20, col: 40, cols: 8, transpose: true },
      { row: 5, rows: 9, col: 67, cols: 5 },
    ];
    for (const p of parts) {
      const w = randn(p.transpose ? [p.cols, p.rows] : [p.rows, p.cols]);
      cases.push(
        await compare(`headSlice ${JSON.stringify(p)}`, () => [
          headSlice(qkv, bias, p),
          headSlice(qkv, null, p),
          ...tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(headSlice(xx as tf.Tensor2D, bb as tf.Tensor1D, p), w)))([qkv, bias]),
        ]),
      );
      w.dispose();
    }
    tf.dispose([qkv, bias]);
  }
  for (const activation of ['gelu', 'quick_gelu'] as const) {
    const blk = block(64, 4, activation);
    const [B, N] = [2, 17];
    const x = randn([B * N, 64]) as tf.Tensor2D;
    const w = randn([B * N, 64]);
    cases.push(
      await compare(`ResidualAttentionBlock ${activation} [${B}x${N},64]`, () => [
        blk.apply(x, B, N),
        tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(blk.apply(xx as tf.Tensor2D, B, N), w)))(x),
      ]),
    );
    tf.dispose([x, w]);
    blk.dispose();
  }
  return { backend: tf.getBackend(), active, cases, leaked: tf.memory().numTensors - before };
}

(window as unknown as { __fusedKernels: { check: typeof check } }).__fusedKernels = { check };
