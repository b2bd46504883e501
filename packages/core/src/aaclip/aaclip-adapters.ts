import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../model/matmul-2d';
import { transpose2d, type WeightMap } from '../model/weight-source';

/*
 * AA-CLIP's trainable parts. Each linear weight is kept as a variable in the matMul-friendly
 * layout [in, out] (the checkpoint's `fc.weight` [out, in] transposed); `exportWeights()`
 * writes the checkpoint layout back. Names follow the official state dicts:
 *   text_adapter.{i}.fc.0.weight                  (i < textAdaptUntil: residual; last: projection)
 *   image_adapter.layer_adapters.{i}.fc.0.weight  [W, W]
 *   image_adapter.seg_proj.{j}.fc.weight          [E, W]
 *   image_adapter.det_proj.fc.weight              [E, W]
 */

let nextId = 0;

/** One bias-free linear layer stored as a trainable [in, out] variable. */
export class AdapterLinear {
  readonly weightT: tf.Variable<tf.Rank.R2>;
  constructor(
    readonly key: string,
    readonly outFeatures: number,
    readonly inFeatures: number,
    init: Float32Array,
    trainable = true,
  ) {
    if (init.length !== outFeatures * inFeatures) {
      throw new Error(`adapter "${key}": expected ${outFeatures * inFeatures} values for [${outFeatures}, ${inFeatures}], got ${init.length}`);
    }
    // variable names are global in tfjs: make them unique per instance
    const initial = tf.tensor2d(transpose2d(init, outFeatures, inFeatures), [inFeatures, outFeatures]);
    this.weightT = tf.variable(initial, trainable, `${key}#${nextId++}`);
    initial.dispose(); // the variable holds its own reference to the data
  }

  /** x: [rows, in] -> [rows, out] */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return matMul2d(x, this.weightT);
  }

  /**
   * The checkpoint layout [out, in].
   * @deprecated read with `exportWeightAsync` (synchronous reads fail on webgpu in Node); this sync twin goes in the next release.
   */
  exportWeight(): Float32Array {
    return transpose2d(this.weightT.dataSync() as Float32Array, this.inFeatures, this.outFeatures);
  }

  /** `exportWeight` read asynchronously (GPU backends: webgpu in Node has no synchronous read). */
  async exportWeightAsync(): Promise<Float32Array> {
    return transpose2d((await this.weightT.data()) as Float32Array, this.inFeatures, this.outFeatures);
  }

  dispose(): void {
    this.weightT.dispose();
  }
}

/**
 * The residual adapter: a = LeakyReLU(x A^T) (slope 0.01); a = a * ||x|| / ||a|| per token;
 * x' = w a + (1 - w) x. x: [rows, W] -> [rows, W].
 */
export function residualAdapt(layer: AdapterLinear, x: tf.Tensor2D, weight: number): tf.Tensor2D {
  return tf.tidy(() => {
    const a = tf.leakyRelu(layer.apply(x), 0.01);
    const scale = tf.div(rowNorm(x), rowNorm(a)); // [rows, 1]
    return tf.add(tf.mul(tf.mul(a, scale), weight), tf.mul(x, 1 - weight)) as tf.Tensor2D;
  });
}

/** Kaiming-uniform-like init matching torch.nn.Linear's default bound 1/sqrt(in), from a seeded RNG. */
export function initLinearWeight(out: number, inp: number, rand: () => number): Float32Array {
  const bound = 1 / Math.sqrt(inp);
  const w = new Float32Array(out * inp);
  for (let i = 0; i < w.length; i++) w[i] = (rand() * 2 - 1) * bound;
  return w;
}

function readOrInit(weights: WeightMap | undefined, key: string, out: number, inp: number, rand: () => number): Float32Array {
  const e = weights?.get(key);
  if (!e) {
    if (weights && weights.size > 0) throw new Error(`adapters: missing key "${key}" (expected shape [${out}, ${inp}])`);
    return initLinearWeight(out, inp, rand);
  }
  if (e.shape.length !== 2 || e.shape[0] !== out || e.shape[1] !== inp) {
    throw new Error(`adapters: key "${key}" has shape [${e.shape.join(', ')}], expected [${out}, ${inp}]`);
  }
  return e.data instanceof Float32Array ? e.data : Float32Array.from(e.data as ArrayLike<number>, Number);
}

/** Text adapters: `until` residual adapters [T, T] and a projection adapter [E, T]. */
export class TextAdapters {
  readonly layers: AdapterLinear[];
  readonly projection: AdapterLinear;

  /** `weights` keyed `text_adapter.*` (no file prefix); absent -> seeded random init. */
  constructor(width: number, embedDim: number, until: number, rand: () => number, weights?: WeightMap) {
    this.layers = [];
    for (let i = 0; i < until; i++) {
      const key = `text_adapter.${i}.fc.0.weight`;
      this.layers.push(new AdapterLinear(key, width, width, readOrInit(weights, key, width, width, rand)));
    }
    const pk = `text_adapter.${until}.fc.0.weight`;
    this.projection = new AdapterLinear(pk, embedDim, width, readOrInit(weights, pk, embedDim, width, rand));
  }

  all(): AdapterLinear[] {
    return [...this.layers, this.projection];
  }

  dispose(): void {
    for (const l of this.all()) l.dispose();
  }
}

/** Image adapters: residual adapters in the first blocks, seg projections per level, det projection. */
export class ImageAdapters {
  readonly layers: AdapterLinear[];
  readonly segProj: AdapterLinear[];
  readonly detProj: AdapterLinear;

  constructor(width: number, embedDim: number, until: number, levels: number, rand: () => number, weights?: WeightMap) {
    this.layers = [];
    for (let i = 0; i < until; i++) {
      const key = `image_adapter.layer_adapters.${i}.fc.0.weight`;
      this.layers.push(new AdapterLinear(key, width, width, readOrInit(weights, key, width, width, rand)));
    }
    this.segProj = [];
    for (let j = 0; j < levels; j++) {
      const key = `image_adapter.seg_proj.${j}.fc.weight`;
      this.segProj.push(new AdapterLinear(key, embedDim, width, readOrInit(weights, key, embedDim, width, rand)));
    }
    const dk = 'image_adapter.det_proj.fc.weight';
    this.detProj = new AdapterLinear(dk, embedDim, width, readOrInit(weights, dk, embedDim, width, rand));
  }

  all(): AdapterLinear[] {
    return [...this.layers, ...this.segProj, this.detProj];
  }

  dispose(): void {
    for (const l of this.all()) l.dispose();
  }
}

/**
 * Checkpoint-layout weights of every adapter, keyed as in the official state dicts.
 * @deprecated read with `exportAdapterWeightsAsync`; this sync twin goes in the next release.
 */
export function exportAdapterWeights(adapters: AdapterLinear[]): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const a of adapters) out.set(a.key, { shape: [a.outFeatures, a.inFeatures], data: a.exportWeight() });
  return out;
}

/** `exportAdapterWeights` read asynchronously. */
export async function exportAdapterWeightsAsync(adapters: AdapterLinear[]): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const a of adapters) out.set(a.key, { shape: [a.outFeatures, a.inFeatures], data: await a.exportWeightAsync() });
  return out;
}

/** Euclidean norm of each row: [rows, W] -> [rows, 1]. */
export function rowNorm(x: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.sum(tf.square(x), -1, true));
}

/** Each row divided by its Euclidean norm (PyTorch's `x / x.norm(dim=-1, keepdim=True)`). */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, rowNorm(x)));
}
