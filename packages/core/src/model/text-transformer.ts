import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from './activations';
import type { TextConfig } from './clip-config';
import { LayerNorm } from './layer-norm';
import { frozenLinear } from './matmul-2d';
import { ResidualAttentionBlock } from './residual-block';
import { afterBlockFreeing, type BlockHook } from './vision-transformer';
import { track, weightTensor, type WeightMap } from './weight-source';

export interface TextForwardOptions {
  /** Runs after every block (1-indexed) on [N*ctx, T] (AA-CLIP's text adapters). */
  afterBlock?: BlockHook;
  /** Replaces `text_projection` on the pooled [N, T] features (AA-CLIP's projection adapter). */
  projection?: (pooled: tf.Tensor2D) => tf.Tensor2D;
}

/** Token ids as a flat row-major [N, ctx] array, or a 2-D int32 tensor. */
export type TokenInput = Int32Array | tf.Tensor2D;

/**
 * The text tower of an OpenAI CLIP: token + position embedding, causal residual blocks,
 * ln_final, the EOT row (argmax of the ids), text_projection.
 */
export class TextTransformer {
  readonly token_embedding: tf.Tensor2D;
  readonly positional_embedding: tf.Tensor2D;
  readonly resblocks: ResidualAttentionBlock[];
  readonly ln_final: LayerNorm;
  /** [T, E] */
  readonly text_projection: tf.Tensor2D;
  private readonly mask: tf.Tensor2D;

  constructor(
    weights: WeightMap,
    readonly config: TextConfig,
    readonly embedDim: number,
    activation: Activation,
  ) {
    const { contextLength: ctx, vocabSize, width: T, heads, layers } = config;
    this.token_embedding = weightTensor(weights, 'token_embedding.weight', [vocabSize, T]);
    this.positional_embedding = weightTensor(weights, 'positional_embedding', [ctx, T]);
    this.resblocks = [];
    for (let i = 0; i < layers; i++) {
      this.resblocks.push(new ResidualAttentionBlock(weights, `transformer.resblocks.${i}.`, T, heads, activation));
    }
    this.ln_final = new LayerNorm(weightTensor(weights, 'ln_final.weight', [T]), weightTensor(weights, 'ln_final.bias', [T]));
    this.text_projection = weightTensor(weights, 'text_projection', [T, embedDim]);
    // causal mask: 0 on and below the diagonal, a large negative above it
    const m = new Float32Array(ctx * ctx);
    for (let i = 0; i < ctx; i++) for (let j = i + 1; j < ctx; j++) m[i * ctx + j] = -1e9;
    this.mask = track(tf.tensor2d(m, [ctx, ctx]));
  }

  /** Token ids [N, ctx] -> [N, E]. */
  forward(tokens: TokenInput, opts: TextForwardOptions = {}): tf.Tensor2D {
    const ctx = this.config.contextLength;
    const ids = tokens instanceof Int32Array ? tokens : (tokens.dataSync() as Int32Array);
    if (!(tokens instanceof Int32Array) && tokens.shape[1] !== ctx) {
      throw new Error(`encodeText: tokens must be [N, ${ctx}], got [${tokens.shape}]`);
    }
    if (ids.length % ctx !== 0 || ids.length === 0) {
      throw new Error(`encodeText: ${ids.length} token ids is not a positive multiple of the context length ${ctx}`);
    }
    const N = ids.length / ctx;
    const vocab = this.config.vocabSize;
    const eot: number[] = [];
    for (let n = 0; n < N; n++) {
      let best = 0;
      for (let t = 0; t < ctx; t++) {
        const id = ids[n * ctx + t]!;
        if (id < 0 || id >= vocab) throw new Error(`encodeText: token id ${id} at [${n}, ${t}] is outside 0..${vocab - 1}`);
        if (id > ids[n * ctx + best]!) best = t;
      }
      eot.push(best);
    }
    const T = this.config.width;
    // Attention is causal and only the EOT row is pooled, so positions after the last EOT of the
    // batch cannot change the result: run on the first L = max(eot) + 1 positions only (exact).
    const L = Math.max(...eot) + 1;
    const short = new Int32Array(N * L);
    for (let n = 0; n < N; n++) short.set(ids.subarray(n * ctx, n * ctx + L), n * L);
    return tf.tidy(() => {
      const idx = tf.tensor1d(short, 'int32');
      let x = tf.gather(this.token_embedding, idx) as tf.Tensor2D; // [N*L, T]
      const pos = tf.slice(this.positional_embedding, [0, 0], [L, T]); // [L, T]
      x = tf.reshape(tf.add(tf.reshape(x, [N, L, T]), pos), [N * L, T]); // [N*L, T]
      const mask = tf.slice(this.mask, [0, 0], [L, L]) as tf.Tensor2D; // [L, L]
      for (let i = 1; i <= this.resblocks.length; i++) {
        const input = x;
        x = afterBlockFreeing(opts.afterBlock, i, this.resblocks[i - 1]!.apply(x, N, L, { mask }), N, L);
        if (input !== x) input.dispose(); // not held to the end of the tidy
      }
      // the EOT row of each sequence (slices, so that the gradient needs no scatter)
      const rows = eot.map((t, n) => tf.slice(x, [n * L + t, 0], [1, T]));
      const pooled = this.ln_final.apply(rows.length === 1 ? rows[0]! : tf.concat(rows, 0)) as tf.Tensor2D; // [N, T]
      return opts.projection ? opts.projection(pooled) : frozenLinear(pooled, this.text_projection);
    });
  }

  dispose(): void {
    this.token_embedding.dispose();
    this.positional_embedding.dispose();
    for (const b of this.resblocks) b.dispose();
    this.ln_final.dispose();
    this.text_projection.dispose();
    this.mask.dispose();
  }
}
