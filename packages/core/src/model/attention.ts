// Multi-head self-attention of CLIP (Radford et al., arXiv 2103.00020; Vaswani et al. 2017):
//
//   [q; k; v] = x W_in^T + b_in,   head h: O_h = softmax(q_h k_h^T / sqrt(d) + mask) v_h
//   attn(x)   = [O_1 ... O_H] W_out^T + b_out
//
// (the heads' products are attention-heads.ts; the surgery branch's value path is surgery.ts).
import * as tf from '@tensorflow/tfjs-core';
import { attentionHeads } from './attention-heads';
import { frozenLinear } from './matmul-2d';
import { linearWeightT, weightTensor, type WeightMap } from './weight-source';
import { assertFullWeight } from './inference-weights';

/**
 * Multi-head self-attention with OpenAI's parameter layout (`attn.in_proj_weight` rows
 * [q; k; v], `attn.out_proj`). Everything is written as 2-D matMuls per sequence and head,
 * the fast path of tfjs-wasm; weights are stored pre-transposed ([in, out]).
 */
export class Attention {
  /** [W, 3W]: columns [q | k | v]. */
  readonly inProjT: tf.Tensor2D;
  readonly inProjBias: tf.Tensor1D;
  /** [W, W] */
  readonly outProjT: tf.Tensor2D;
  readonly outProjBias: tf.Tensor1D;
  private valueT: tf.Tensor2D | null = null;
  private valueBias: tf.Tensor1D | null = null;

  constructor(
    weights: WeightMap,
    prefix: string,
    readonly width: number,
    readonly heads: number,
  ) {
    if (width % heads !== 0) throw new Error(`${prefix}: width ${width} is not divisible by heads ${heads}`);
    this.inProjT = linearWeightT(weights, `${prefix}in_proj_weight`, 3 * width, width);
    this.inProjBias = weightTensor(weights, `${prefix}in_proj_bias`, [3 * width]);
    this.outProjT = linearWeightT(weights, `${prefix}out_proj.weight`, width, width);
    this.outProjBias = weightTensor(weights, `${prefix}out_proj.bias`, [width]);
  }

  /**
   * x: [batch * tokens, W] (sequences stacked) -> [batch * tokens, W].
   * `mask` ([tokens, tokens], added to the logits) makes it causal. Each head's q (scaled), kᵀ
   * and v are cut from the unbiased projection with the bias added in the same pass
   * (`headSlice`, a fused kernel where registered); the heads' gradient is hand-written
   * (`attentionHeads`).
   */
  apply(x: tf.Tensor2D, batch: number, tokens: number, mask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const qkv = frozenLinear(x, this.inProjT); // [B*N, 3W], bias added per head
      const merged = attentionHeads(qkv, this.inProjBias, { batch, tokens, heads: this.heads, mask }); // [B*N, W]
      return frozenLinear(merged, this.outProjT, this.outProjBias);
    });
  }

  /**
   * The value projection alone, W_v [W, W] (pre-transposed) and b_v [W]: the value rows of
   * `in_proj`, cut on first use and kept with the layer (the surgery branch reads it, surgery.ts).
   */
  valueProjection(): { weightT: tf.Tensor2D; bias: tf.Tensor1D } {
    if (!this.valueT) {
      // the value path slices the qkv weight, which an inference-only model no longer holds
      assertFullWeight(this.inProjT, 'encodeImage surgery');
      const W = this.width;
      this.valueT = tf.keep(tf.slice(this.inProjT, [0, 2 * W], [W, W])); // [W, W]
      this.valueBias = tf.keep(tf.slice(this.inProjBias, [2 * W], [W])); // [W]
    }
    return { weightT: this.valueT, bias: this.valueBias! };
  }

  dispose(): void {
    for (const t of [this.inProjT, this.inProjBias, this.outProjT, this.outProjBias, this.valueT, this.valueBias]) {
      t?.dispose();
    }
    this.valueT = null;
    this.valueBias = null;
  }
}
