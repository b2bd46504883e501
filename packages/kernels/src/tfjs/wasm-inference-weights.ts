/*
 * tfjs-wasm's inference-weight packer (core's `setInferenceWeightPacker`; why one copy of each
 * weight: core's model/inference-weights.ts). The wasm backend is typed structurally (this package
 * does not import @tensorflow/tfjs-backend-wasm): it keeps a tensor's storage on its heap at
 * `dataIdMap.get(dataId).memoryOffset`, and `wasm._malloc` / `wasm._free` manage that heap.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMulProvider, type InferenceWeightPacker } from '@aaclip/core';

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
 * Hands a freshly made [in, out] linear weight to the matrix-product provider or, without one,
 * to XNNPACK (one 1-row product packs it into the operator cached on its id), and frees its own
 * storage.
 */
function packWeight(w: tf.Tensor2D, be: WasmBackendLike): void {
  if (w.dtype !== 'float32') return;
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

/**
 * Uploads an inference-only weight on tfjs-wasm and packs it (declines on other backends). Room
 * for XNNPACK's packed copy (the weight plus a bias column, output channels rounded up, with a
 * margin) is reserved before the upload and released just before packing, so that the packed
 * copy lands below the upload and the freed upload leaves its room at the top of the heap for
 * the next weight: the packed copies then lie side by side, without a hole between them
 * (ViT-L-14-336's vision tower and adapters: 1200 MiB of heap resident for 1198 MiB of tensors,
 * 1251 MiB without the reservation).
 */
export const wasmInferenceWeightPacker: InferenceWeightPacker = {
  upload(values, rows, cols) {
    const be = wasmBackend();
    if (!be) return null;
    const reserve = !matMulProvider()?.adoptWeight ? be.wasm._malloc(((cols + 64) * (rows + 8) + 16384) * 4) >>> 0 : 0;
    let t: tf.Tensor2D;
    try {
      t = tf.tensor2d(values, [rows, cols]);
    } finally {
      if (reserve) be.wasm._free(reserve);
    }
    packWeight(t, be);
    return t;
  },
};
