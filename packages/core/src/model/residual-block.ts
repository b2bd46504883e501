// One residual block of CLIP's transformers:
//
//   x <- x + attn(LN_1(x))                (or the value path of surgery.ts in the surgery branch)
//   x <- x + W_proj act(W_fc LN_2(x) + b_fc) + b_proj      act = GELU or QuickGELU
import * as tf from '@tensorflow/tfjs-core';
import { applyActivation, type Activation } from './activations';
import { Attention } from './attention';
import { LayerNorm } from './layer-norm';
import { frozenLinear } from './matmul-2d';
import { valuePath } from './surgery';
import { linearWeightT, weightTensor, type WeightMap } from './weight-source';

/**
 * One residual attention block (`resblocks.N`):
 * x = x + attn(ln_1(x)); x = x + mlp.c_proj(act(mlp.c_fc(ln_2(x)))).
 */
export class ResidualAttentionBlock {
  readonly ln_1: LayerNorm;
  readonly attn: Attention;
  readonly ln_2: LayerNorm;
  /** mlp.c_fc, pre-transposed [W, hidden] */
  readonly cFcT: tf.Tensor2D;
  readonly cFcBias: tf.Tensor1D;
  /** mlp.c_proj, pre-transposed [hidden, W] */
  readonly cProjT: tf.Tensor2D;
  readonly cProjBias: tf.Tensor1D;

  constructor(
    weights: WeightMap,
    prefix: string,
    readonly width: number,
    heads: number,
    readonly activation: Activation,
  ) {
    const fc = weights.get(`${prefix}mlp.c_fc.weight`);
    const hidden = fc?.shape[0] ?? 4 * width;
    this.ln_1 = new LayerNorm(
      weightTensor(weights, `${prefix}ln_1.weight`, [width]),
      weightTensor(weights, `${prefix}ln_1.bias`, [width]),
    );
    this.attn = new Attention(weights, `${prefix}attn.`, width, heads);
    this.ln_2 = new LayerNorm(
      weightTensor(weights, `${prefix}ln_2.weight`, [width]),
      weightTensor(weights, `${prefix}ln_2.bias`, [width]),
    );
    this.cFcT = linearWeightT(weights, `${prefix}mlp.c_fc.weight`, hidden, width);
    this.cFcBias = weightTensor(weights, `${prefix}mlp.c_fc.bias`, [hidden]);
    this.cProjT = linearWeightT(weights, `${prefix}mlp.c_proj.weight`, width, hidden);
    this.cProjBias = weightTensor(weights, `${prefix}mlp.c_proj.bias`, [width]);
  }

  /** x: [rows, W] -> [rows, W] */
  mlp(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      // c_fc's bias is added by the (fused) activation: act(x W + b)
      const pre = frozenLinear(x, this.cFcT); // [rows, hidden]
      const h = applyActivation(this.activation, pre, this.cFcBias) as tf.Tensor2D;
      pre.dispose(); // [rows, hidden] freed before c_proj runs, not at the end of the tidy
      return frozenLinear(h, this.cProjT, this.cProjBias);
    });
  }

  /**
   * x: [batch * tokens, W] -> same. With `valuePath`, attention is replaced by the per-token
   * value path of the surgery branch (surgery.ts).
   */
  apply(x: tf.Tensor2D, batch: number, tokens: number, opts: { mask?: tf.Tensor2D; valuePath?: boolean } = {}): tf.Tensor2D {
    // each intermediate is freed as soon as it is used (a tape keeps its own clones), so that
    // the block's peak is its largest step, not the sum of its steps
    return tf.tidy(() => {
      const normed = this.ln_1.apply(x) as tf.Tensor2D;
      const a = opts.valuePath ? valuePath(this.attn, normed) : this.attn.apply(normed, batch, tokens, opts.mask);
      normed.dispose();
      const y = tf.add(x, a) as tf.Tensor2D;
      a.dispose();
      const n2 = this.ln_2.apply(y) as tf.Tensor2D;
      const m = this.mlp(n2);
      n2.dispose();
      return tf.add(y, m) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.ln_1.dispose();
    this.attn.dispose();
    this.ln_2.dispose();
    for (const t of [this.cFcT, this.cFcBias, this.cProjT, this.cProjBias]) t.dispose();
  }
}
