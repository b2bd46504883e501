import type * as tf from '@tensorflow/tfjs-core';

/*
 * The hook through which a runtime plugs a matrix-product engine of its own into the model
 * (@aaclip/backend-node registers @aaclip/kernels' multi-threaded WebAssembly GEMM on tfjs-wasm).
 * `frozenLinear`, `matMul2d` and the attention heads ask it first and fall back to tfjs' matMul
 * when there is none or it declines. Core knows nothing of the engine beyond this interface.
 */

export interface ProvidedMatMulOptions {
  /** `a` is given as [k, m]: the product uses its transpose, without materialising it. */
  transposeA?: boolean;
  /** `b` is given as [n, k]. */
  transposeB?: boolean;
  /** Added to every row of the product ([n]). */
  bias?: tf.Tensor1D;
  /** `b` is a frozen weight: the provider may keep it packed from call to call. */
  weight?: boolean;
}

export interface MatMulProvider {
  /**
   * op(a) op(b) (+ bias) as a new [m, n] tensor, or null to decline (another backend or dtype):
   * the caller then runs tfjs' own product.
   */
  matMul(a: tf.Tensor2D, b: tf.Tensor2D, opts?: ProvidedMatMulOptions): tf.Tensor2D | null;
  /**
   * Takes a freshly made inference-only weight [in, out] and packs it for later products;
   * true when it did (its tfjs storage is then freed: the provider holds the only copy).
   */
  adoptWeight?(w: tf.Tensor2D): boolean;
  /**
   * Multi-head self-attention of a stacked projection (attention-heads.ts): for each image and
   * head, softmax((q + b) s (k + b)ᵀ) (v + b), the heads side by side as a new [B*N, W] tensor;
   * null to decline (the caller then runs it head by head).
   */
  attention?(qkv: tf.Tensor2D, bias: tf.Tensor1D, opts: ProvidedAttentionOptions): tf.Tensor2D | null;
}

export interface ProvidedAttentionOptions {
  batch: number;
  tokens: number;
  heads: number;
  /** The logits' scale. */
  scale: number;
}

let provider: MatMulProvider | null = null;

/** Plugs in (or, with null, removes) the matrix-product provider; returns the previous one. */
export function setMatMulProvider(next: MatMulProvider | null): MatMulProvider | null {
  const prev = provider;
  provider = next;
  return prev;
}

/** The provider in effect, or null. */
export function matMulProvider(): MatMulProvider | null {
  return provider;
}

/** The provider's product, or null when there is none or it declines. */
export function providedMatMul(a: tf.Tensor2D, b: tf.Tensor2D, opts?: ProvidedMatMulOptions): tf.Tensor2D | null {
  return provider ? provider.matMul(a, b, opts) : null;
}

/** The provider's attention, or null when there is none or it declines. */
export function providedAttention(qkv: tf.Tensor2D, bias: tf.Tensor1D, opts: ProvidedAttentionOptions): tf.Tensor2D | null {
  return provider?.attention ? provider.attention(qkv, bias, opts) : null;
}
