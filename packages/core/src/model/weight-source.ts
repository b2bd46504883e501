import * as tf from '@tensorflow/tfjs-core';
import { inferenceWeightTensor } from './inference-weights';

/** One stored tensor: row-major values and a shape (a `NamedTensor` satisfies this). */
export interface WeightEntry {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

/** Weights by checkpoint key, in the OpenAI CLIP layout (`visual.transformer.resblocks.0.ln_1.weight`). */
export type WeightMap = ReadonlyMap<string, WeightEntry>;

function toFloat32(data: WeightEntry['data']): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/**
 * Reads `key` from `weights` and checks its shape against `expected`; the error names the key
 * and both shapes.
 */
export function takeWeight(weights: WeightMap, key: string, expected: readonly number[]): Float32Array {
  const entry = weights.get(key);
  if (!entry) throw new Error(`weights: missing key "${key}" (expected shape [${expected.join(', ')}])`);
  const same = entry.shape.length === expected.length && entry.shape.every((d, i) => d === expected[i]);
  if (!same) {
    throw new Error(
      `weights: key "${key}" has shape [${entry.shape.join(', ')}], expected [${expected.join(', ')}]`,
    );
  }
  return toFloat32(entry.data);
}

let collector: tf.Tensor[] | null = null;
let inferenceBuild = false;

/** Registers a tensor a model constructor made, so that a failed build can free it. */
export function track<T extends tf.Tensor>(t: T): T {
  collector?.push(t);
  return t;
}

export interface BuildOptions {
  /**
   * Linear weights made by `linearWeightT` during the build are inference-only: packed for the
   * backend's matMul as each is uploaded, their own storage freed on wasm (see
   * `inferenceWeightTensor`). Default false.
   */
  inferenceOnly?: boolean;
}

/**
 * Runs a model build; if it throws, every tensor made through `track` / `weightTensor` /
 * `linearWeightT` during the build is disposed, so a bad checkpoint leaks nothing.
 */
export function buildOrDispose<T>(build: () => T, opts: BuildOptions = {}): T {
  const outer = collector;
  const outerInference = inferenceBuild;
  const mine: tf.Tensor[] = [];
  collector = mine;
  inferenceBuild = opts.inferenceOnly ?? false;
  try {
    return build();
  } catch (err) {
    tf.dispose(mine);
    throw err;
  } finally {
    collector = outer;
    inferenceBuild = outerInference;
    outer?.push(...mine);
  }
}

/** A float32 tensor from `weights[key]`, shape-checked. */
export function weightTensor<R extends tf.Rank>(weights: WeightMap, key: string, shape: readonly number[]): tf.Tensor<R> {
  return track(tf.tensor(takeWeight(weights, key, shape), shape as number[], 'float32')) as unknown as tf.Tensor<R>;
}

/**
 * A linear weight stored `[out, in]` in the checkpoint, returned pre-transposed as `[in, out]`
 * so that the forward pass is a plain 2-D matMul (the fast path on wasm). In an inference-only
 * build it is packed at once (see `BuildOptions.inferenceOnly`).
 */
export function linearWeightT(weights: WeightMap, key: string, out: number, inp: number): tf.Tensor2D {
  const w = takeWeight(weights, key, [out, inp]);
  // inference-only: packed before the next weight is read (one unpacked copy at a time)
  if (inferenceBuild) return track(inferenceWeightTensor(transpose2d(w, out, inp), inp, out));
  return track(tf.tensor2d(transpose2d(w, out, inp), [inp, out]));
}

/** Row-major [rows, cols] -> [cols, rows]. */
export function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  const B = 32; // cache blocking
  for (let r0 = 0; r0 < rows; r0 += B) {
    for (let c0 = 0; c0 < cols; c0 += B) {
      const r1 = Math.min(rows, r0 + B);
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
      }
    }
  }
  return dst;
}
