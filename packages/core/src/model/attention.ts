import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelActive, headSlice } from '../kernels/fused-ops';
import { HEAD_SLICE } from '../kernels/names';
import { frozenLinear, matMul2d } from './matmul-2d';
import { linearWeightT, weightTensor, type WeightMap } from './weight-source';

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
   * `mask` ([tokens, tokens], added to the logits) makes it causal.
   */
  apply(x: tf.Tensor2D, batch: number, tokens: number, mask?: tf.Tensor2D): tf.Tensor2D {
    if (fusedKernelActive(HEAD_SLICE)) return this.applyFused(x, batch, tokens, mask);
    return tf.tidy(() => {
      const W = this.width;
      const d = W / this.heads;
      const qkv = frozenLinear(x, this.inProjT, this.inProjBias); // [B*N, 3W]
      const outs: tf.Tensor2D[] = [];
      for (let b = 0; b < batch; b++) {
        const rows = tf.slice(qkv, [b * tokens, 0], [tokens, 3 * W]); // [N, 3W]
        const q = tf.mul(tf.slice(rows, [0, 0], [tokens, W]), 1 / Math.sqrt(d)); // [N, W]
        const kT = tf.transpose(tf.slice(rows, [0, W], [tokens, W])); // [W, N]
        const v = tf.slice(rows, [0, 2 * W], [tokens, W]); // [N, W]
        const heads: tf.Tensor2D[] = [];
        for (let h = 0; h < this.heads; h++) {
          const qh = tf.slice(q, [0, h * d], [tokens, d]) as tf.Tensor2D; // [N, d]
          const kTh = tf.slice(kT, [h * d, 0], [d, tokens]) as tf.Tensor2D; // [d, N]
          const vh = tf.slice(v, [0, h * d], [tokens, d]) as tf.Tensor2D; // [N, d]
          let logits = matMul2d(qh, kTh); // [N, N]
          if (mask) logits = tf.add(logits, mask);
          heads.push(matMul2d(tf.softmax(logits) as tf.Tensor2D, vh)); // [N, d]
        }
        outs.push(heads.length === 1 ? heads[0]! : tf.concat(heads, 1)); // [N, W]
      }
      const merged = outs.length === 1 ? outs[0]! : tf.concat(outs, 0); // [B*N, W]
      return frozenLinear(merged, this.outProjT, this.outProjBias);
    });
  }

  /**
   * `apply` with each head's q (scaled), kᵀ and v cut from the unbiased projection by one fused
   * kernel each (AAClipHeadSlice adds the bias slice): no full-width slices, scale or transpose
   * passes. The same float32 operations as `apply`'s composite path, in the same order.
   */
  private applyFused(x: tf.Tensor2D, batch: number, tokens: number, mask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const W = this.width;
      const d = W / this.heads;
      const scale = 1 / Math.sqrt(d);
      const qkv = frozenLinear(x, this.inProjT); // [B*N, 3W], bias added per head below
      const bias = this.inProjBias;
      const outs: tf.Tensor2D[] = [];
      for (let b = 0; b < batch; b++) {
        const row = b * tokens;
        const heads: tf.Tensor2D[] = [];
        for (let h = 0; h < this.heads; h++) {
          const qh = headSlice(qkv, bias, { row, rows: tokens, col: h * d, cols: d, scale }); // [N, d]
          const kTh = headSlice(qkv, bias, { row, rows: tokens, col: W + h * d, cols: d, transpose: true }); // [d, N]
          const vh = headSlice(qkv, bias, { row, rows: tokens, col: 2 * W + h * d, cols: d }); // [N, d]
          let logits = matMul2d(qh, kTh); // [N, N]
          if (mask) logits = tf.add(logits, mask);
          heads.push(matMul2d(tf.softmax(logits) as tf.Tensor2D, vh)); // [N, d]
        }
        outs.push(heads.length === 1 ? heads[0]! : tf.concat(heads, 1)); // [N, W]
      }
      const merged = outs.length === 1 ? outs[0]! : tf.concat(outs, 0); // [B*N, W]
      return frozenLinear(merged, this.outProjT, this.outProjBias);
    });
  }

  /**
   * The surgery "value path": each token's output is out_proj(v(x)) with its own value
   * projection only, no mixing between tokens (and so none between images).
   * x: [rows, W] -> [rows, W].
   */
  applyValuePath(x: tf.Tensor2D): tf.Tensor2D {
    if (!this.valueT) {
      const W = this.width;
      this.valueT = tf.keep(tf.slice(this.inProjT, [0, 2 * W], [W, W])); // [W, W]
      this.valueBias = tf.keep(tf.slice(this.inProjBias, [2 * W], [W]));
    }
    return tf.tidy(() => {
      const v = frozenLinear(x, this.valueT!, this.valueBias!);
      return frozenLinear(v, this.outProjT, this.outProjBias);
    });
  }

  dispose(): void {
    for (const t of [this.inProjT, this.inProjBias, this.outProjT, this.outProjBias, this.valueT, this.valueBias]) {
      t?.dispose();
    }
    this.valueT = null;
    this.valueBias = null;
  }
}
