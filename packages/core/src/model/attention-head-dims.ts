import type * as tf from '@tensorflow/tfjs-core';

/** The shape of one attention call: both head runners (per-head and batched) take it. */
export interface AttentionHeadsOptions {
  batch: number;
  tokens: number;
  heads: number;
  /** [tokens, tokens], added to the logits (causal text attention); a constant. */
  mask?: tf.Tensor2D;
}

/** Tokens, width, head size and logit scale of a stacked projection; throws if qkv does not fit. */
export function headDims(qkv: tf.Tensor2D, opts: AttentionHeadsOptions): { N: number; W: number; d: number; scale: number } {
  const { batch, tokens: N, heads } = opts;
  const W = qkv.shape[1] / 3; // qkv [B*N, 3W]
  if (!Number.isInteger(W) || W % heads !== 0 || qkv.shape[0] !== batch * N) {
    throw new Error(`attentionHeads: qkv [${qkv.shape}] does not hold ${batch} x ${N} tokens of 3 x ${heads} heads`);
  }
  const d = W / heads;
  return { N, W, d, scale: 1 / Math.sqrt(d) };
}
