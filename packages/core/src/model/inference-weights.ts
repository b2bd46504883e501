import * as tf from '@tensorflow/tfjs-core';

/*
 * Inference-only linear weights: one copy of each instead of two on the wasm backend.
 *
 * tfjs-wasm runs `matMul(x, w)` through XNNPACK's fully-connected operator, which packs `w` into
 * a buffer of its own (the full size of `w`) and caches that operator on `w`'s id until `w` is
 * disposed; `w`'s own storage is never read again by a product. A frozen ViT-L therefore holds
 * every linear weight twice once a forward pass has run (1.16 GiB of tensors + 1.16 GiB
 * packed). The runtime's packer (`setInferenceWeightPacker`; tfjs-wasm's is
 * packages/kernels/src/tfjs/wasm-inference-weights.ts) packs a weight as soon as it is uploaded
 * and frees its own storage at once, so that a model loads with one copy of each weight at a
 * time and runs with the packed copy only.
 *
 * Such a weight can only be the right operand of a plain 2-D matMul (`frozenLinear`'s forward);
 * anything else would read freed memory, so the model code refuses: no gradient through it
 * (`frozenLinear` throws), no surgery value path (`VisionTransformer.forward` throws). The mark
 * is set on every backend, so that code that runs on cpu also runs on wasm; only wasm frees.
 * Such a model stays on the backend it was built on (tfjs moving its tensors to another backend
 * would read the freed storage).
 *
 * Where a matrix-product provider is plugged in (matmul-provider.ts: the own GEMM engine), the
 * packer hands the weight to it instead of XNNPACK (packed into its own memory, shared by its
 * threads); the upload is freed all the same, and it must stay plugged in while the model lives.
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

/**
 * How a runtime uploads inference-only weights on its backend. `@aaclip/kernels/tfjs-wasm`
 * plugs one in for tfjs-wasm: it packs each weight for XNNPACK (or hands it to the matrix-product
 * provider, matmul-provider.ts) and frees tfjs' own copy at once. Other backends upload as usual.
 */
export interface InferenceWeightPacker {
  /**
   * The [rows, cols] weight made from `values` and packed for forward products on the active
   * backend, or null to decline (another backend): the weight is then uploaded as usual.
   */
  upload(values: Float32Array, rows: number, cols: number): tf.Tensor2D | null;
}

let packer: InferenceWeightPacker | null = null;

/** Plugs in (or, with null, removes) the inference-weight packer; returns the previous one. */
export function setInferenceWeightPacker(next: InferenceWeightPacker | null): InferenceWeightPacker | null {
  const prev = packer;
  packer = next;
  return prev;
}

/**
 * An inference-only [rows, cols] linear weight from its values: uploaded by the packer in effect
 * where it serves the active backend (one copy of the weight), else as a plain tensor; marked
 * inference-only on every backend, so that code that runs on cpu also runs on wasm.
 */
export function inferenceWeightTensor(values: Float32Array, rows: number, cols: number): tf.Tensor2D {
  const t = packer?.upload(values, rows, cols) ?? tf.tensor2d(values, [rows, cols]);
  inferenceOnly.add(t);
  return t;
}
