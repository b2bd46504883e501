import * as tf from '@tensorflow/tfjs-core';
import { matMulProvider } from './matmul-provider';

/*
 * Inference-only linear weights: one copy of each instead of two on the wasm backend.
 *
 * tfjs-wasm runs `matMul(x, w)` through XNNPACK's fully-connected operator, which packs `w` into
 * a buffer of its own (the full size of `w`) and caches that operator on `w`'s id until `w` is
 * disposed; `w`'s own storage is never read again by a product. A frozen ViT-L therefore holds
 * every linear weight twice once a forward pass has run (1.16 GiB of tensors + 1.16 GiB
 * packed). Here a weight is packed as soon as it is uploaded (one 1-row product) and its own
 * storage is freed at once, so that a model loads with one copy of each weight at a time and
 * runs with the packed copy only.
 *
 * Such a weight can only be the right operand of a plain 2-D matMul (`frozenLinear`'s forward);
 * anything else would read freed memory, so the model code refuses: no gradient through it
 * (`frozenLinear` throws), no surgery value path (`VisionTransformer.forward` throws). The mark
 * is set on every backend, so that code that runs on cpu also runs on wasm; only wasm frees.
 * Such a model stays on the backend it was built on (tfjs moving its tensors to another backend
 * would read the freed storage).
 *
 * Where a matrix-product provider is plugged in (matmul-provider.ts: the own GEMM engine), it
 * adopts the weight instead of XNNPACK (packs it into its own memory, shared by its threads);
 * the upload is freed all the same, and it must stay plugged in while the model lives.
 */

const inferenceOnly = new WeakSet<tf.Tensor>();

/** True when `t` is a linear weight built for inference only (see `ClipModel.fromWeights`). */
export function isInferenceOnlyWeight(t: tf.Tensor): boolean {
  return inferenceOnly.has(t);
}

/** Throws when `w` is an inference-only weight; `what` names the use. */
export function assertFullWeight(w: tf.Tensor, what: string): void {
  if (inferenceOnly.has(w)) {
    throw new Error(`${what}: this model was built for inference only (inferenceOnly: true), its linear weights are packed for forward products and cannot be read otherwise; build it without inferenceOnly to train or to run the surgery branch`);
  }
}

interface WasmTensorData {
  memoryOffset: number | null;
  refCount: number;
}

interface WasmBackendLike {
  dataIdMap: { get(dataId: object): WasmTensorData | undefined };
  wasm: { _free(ptr: number): void; _malloc(bytes: number): number };
}

function wasmBackend(): WasmBackendLike | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<WasmBackendLike>;
  return b.dataIdMap && typeof b.wasm?._free === 'function' && typeof b.wasm._malloc === 'function' ? (b as WasmBackendLike) : null;
}

/**
 * An inference-only [rows, cols] linear weight from its values (see `packInferenceWeight` below). On
 * wasm, room for XNNPACK's packed copy (the weight plus a bias column, output channels rounded
 * up, with a margin) is reserved before the upload and released just before packing, so that
 * the packed copy lands below the upload and the freed upload leaves its room at the top of the
 * heap for the next weight: the packed copies then lie side by side, without a hole between
 * them (ViT-L-14-336's vision tower and adapters: 1200 MiB of heap resident for 1198 MiB of
 * tensors, 1251 MiB without the reservation).
 */
export function inferenceWeightTensor(values: Float32Array, rows: number, cols: number): tf.Tensor2D {
  const be = wasmBackend();
  const reserve = be && !matMulProvider()?.adoptWeight ? be.wasm._malloc(((cols + 64) * (rows + 8) + 16384) * 4) >>> 0 : 0;
  let t: tf.Tensor2D;
  try {
    t = tf.tensor2d(values, [rows, cols]);
  } finally {
    if (reserve) be!.wasm._free(reserve);
  }
  packInferenceWeight(t, be);
  return t;
}

/**
 * Marks a freshly made [in, out] linear weight inference-only and, on the wasm backend (`be`),
 * hands it to XNNPACK (one 1-row product packs it into the operator cached on its id) and frees
 * its own storage.
 */
function packInferenceWeight(w: tf.Tensor2D, be: WasmBackendLike | null): void {
  inferenceOnly.add(w);
  if (!be || w.dtype !== 'float32') return;
  const d = be.dataIdMap.get(w.dataId);
  if (!d || !d.memoryOffset || d.refCount !== 1) return;
  if (!matMulProvider()?.adoptWeight?.(w)) {
    // the same kernel and cache key as frozenLinear's tf.matMul(x, w): BatchMatMul, no bias, linear
    tf.tidy(() => {
      tf.matMul(tf.zeros([1, w.shape[0]]) as tf.Tensor2D, w);
    });
  }
  be.wasm._free(d.memoryOffset);
  // disposing w frees offset 0 (a no-op) and then deletes the cached operator with its packed copy
  d.memoryOffset = 0;
}
