// CLIP's vision tower (ViT; Radford et al., arXiv 2103.00020), an image of side S in patches of p:
//
//   z_0 = LN_pre([x_class; conv1(patches) ] + E_pos)      [1 + g*g, W], g = floor(S / p), E_pos resized to g
//   z_l = block_l(z_{l-1}),  l = 1..L                      (residual-block.ts; surgery.ts from `surgery.from`)
//   v   = LN_post(z_L[class]) proj                        [E]  the pooled image embedding
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from './activations';
import type { VisionConfig } from './clip-config';
import { LayerNorm } from './layer-norm';
import { frozenLinear } from './matmul-2d';
import { resizePositionEmbedding } from './position-embedding';
import { ResidualAttentionBlock } from './residual-block';
import { inSurgery, type SurgeryRange } from './surgery';
import { takeWeight, track, weightTensor, type WeightMap } from './weight-source';

/** Hook run on the token sequence after a block (1-indexed); returns the new sequence. */
export type BlockHook = (block: number, x: tf.Tensor2D, batch: number, tokens: number) => tf.Tensor2D;

export interface VisionForwardOptions {
  /** 1-indexed blocks whose output sequence (before ln_post) is returned. */
  collect?: readonly number[];
  /** Blocks `from..to` (1-indexed, inclusive; `to` defaults to the last) use the per-token value path (surgery.ts). */
  surgery?: SurgeryRange;
  /** Runs after every block, before that block's output is collected (AA-CLIP's image adapters). */
  afterBlock?: BlockHook;
  /** Compute `pooled` (needs every block). Default true. */
  pooled?: boolean;
}

export interface VisionForwardResult {
  /** [B, E]: ln_post(class token after the last block) @ proj. */
  pooled: tf.Tensor2D | null;
  /** block -> [B, 1 + g*g, W] */
  tokens: Map<number, tf.Tensor3D>;
  /** patches per side */
  grid: number;
}

/**
 * Runs `hook` (if any) on a block's output `x` and frees `x` when the hook replaced it, so that
 * a forward loop inside one tidy does not hold every block's output to its end. A tape keeps its
 * own clones of what its gradients need.
 */
export function afterBlockFreeing(hook: BlockHook | undefined, block: number, x: tf.Tensor2D, batch: number, tokens: number): tf.Tensor2D {
  if (!hook) return x;
  const y = hook(block, x, batch, tokens);
  if (y !== x) x.dispose();
  return y;
}

/**
 * The vision tower of an OpenAI-style ViT CLIP (`visual.*`): conv1 patch embedding (as
 * reshape + matMul), class token, position embedding (resized for any input size), ln_pre,
 * residual blocks, ln_post and proj.
 */
export class VisionTransformer {
  /** conv1 as a matrix over (ky, kx, channel) patches: [p*p*3, W] */
  readonly conv1T: tf.Tensor2D;
  readonly class_embedding: tf.Tensor1D;
  readonly ln_pre: LayerNorm;
  readonly resblocks: ResidualAttentionBlock[];
  readonly ln_post: LayerNorm;
  /** [W, E] */
  readonly proj: tf.Tensor2D;
  private readonly nativePos: Float32Array;
  private readonly posCache = new Map<number, tf.Tensor2D>();

  constructor(
    weights: WeightMap,
    readonly config: VisionConfig,
    readonly embedDim: number,
    activation: Activation,
    prefix = 'visual.',
  ) {
    const { patchSize: p, width: W, layers, heads, imageSize } = config;
    const g0 = Math.floor(imageSize / p);
    // conv1.weight [W, 3, p, p] -> [p, p, 3, W] -> [p*p*3, W]
    const conv = takeWeight(weights, `${prefix}conv1.weight`, [W, 3, p, p]);
    const convT = new Float32Array(p * p * 3 * W);
    for (let o = 0; o < W; o++)
      for (let c = 0; c < 3; c++)
        for (let ky = 0; ky < p; ky++)
          for (let kx = 0; kx < p; kx++) convT[((ky * p + kx) * 3 + c) * W + o] = conv[((o * 3 + c) * p + ky) * p + kx]!;
    this.conv1T = track(tf.tensor2d(convT, [p * p * 3, W]));
    this.class_embedding = weightTensor(weights, `${prefix}class_embedding`, [W]);
    this.nativePos = takeWeight(weights, `${prefix}positional_embedding`, [1 + g0 * g0, W]);
    this.ln_pre = new LayerNorm(
      weightTensor(weights, `${prefix}ln_pre.weight`, [W]),
      weightTensor(weights, `${prefix}ln_pre.bias`, [W]),
    );
    this.resblocks = [];
    for (let i = 0; i < layers; i++) {
      this.resblocks.push(new ResidualAttentionBlock(weights, `${prefix}transformer.resblocks.${i}.`, W, heads, activation));
    }
    this.ln_post = new LayerNorm(
      weightTensor(weights, `${prefix}ln_post.weight`, [W]),
      weightTensor(weights, `${prefix}ln_post.bias`, [W]),
    );
    this.proj = weightTensor(weights, `${prefix}proj`, [W, embedDim]);
  }

  /** The position embedding for a g x g grid: [1 + g*g, W] (cached per size). */
  positionEmbedding(grid: number): tf.Tensor2D {
    let t = this.posCache.get(grid);
    if (!t) {
      const g0 = Math.floor(this.config.imageSize / this.config.patchSize);
      const W = this.config.width;
      t = tf.keep(tf.tensor2d(resizePositionEmbedding(this.nativePos, W, g0, grid), [1 + grid * grid, W])); // [1+g*g, W]
      this.posCache.set(grid, t);
    }
    return t;
  }

  /** Patch embedding + class token + position embedding + ln_pre: [B, S, S, 3] -> [B*(1+g*g), W]. */
  embed(images: tf.Tensor4D): { x: tf.Tensor2D; grid: number } {
    const [B, H, Wd, C] = images.shape;
    if (C !== 3) throw new Error(`encodeImage: images must be NHWC with 3 channels, got shape [${images.shape}]`);
    if (H !== Wd) throw new Error(`encodeImage: images must be square, got ${H} x ${Wd}`);
    const p = this.config.patchSize;
    const g = Math.floor(H / p);
    if (g < 1) throw new Error(`encodeImage: image size ${H} is smaller than the patch size ${p}`);
    const W = this.config.width;
    const pos = this.positionEmbedding(g);
    const x = tf.tidy(() => {
      const cropped = g * p === H ? images : tf.slice(images, [0, 0, 0, 0], [B, g * p, g * p, 3]);
      const patches = tf.reshape(
        tf.transpose(tf.reshape(cropped, [B, g, p, g, p, 3]), [0, 1, 3, 2, 4, 5]), // [B, g, g, p, p, 3]
        [B * g * g, p * p * 3], // [B*g*g, p*p*3]
      ) as tf.Tensor2D;
      const emb = tf.reshape(tf.matMul(patches, this.conv1T), [B, g * g, W]); // [B, g*g, W]
      const cls = tf.tile(tf.reshape(this.class_embedding, [1, 1, W]), [B, 1, 1]); // [B, 1, W]
      const seq = tf.add(tf.concat([cls, emb], 1), pos); // [B, 1+g*g, W]
      return this.ln_pre.apply(tf.reshape(seq, [B * (1 + g * g), W])) as tf.Tensor2D; // [B*(1+g*g), W]
    });
    return { x, grid: g };
  }

  /** Runs the tower on NHWC float32 images ([B, S, S, 3], already normalised). */
  forward(images: tf.Tensor4D, opts: VisionForwardOptions = {}): VisionForwardResult {
    const collect = new Set(opts.collect ?? []);
    const layers = this.resblocks.length;
    for (const c of collect) {
      if (!Number.isInteger(c) || c < 1 || c > layers) throw new Error(`encodeImage: collect block ${c} is outside 1..${layers}`);
    }
    const wantPooled = opts.pooled ?? true;
    const last = wantPooled ? layers : Math.max(0, ...collect);
    const B = images.shape[0];
    const W = this.config.width;
    let grid = 0;
    const collected = [...collect].sort((a, b) => a - b);
    const out = tf.tidy(() => {
      const e = this.embed(images);
      grid = e.grid;
      const N = 1 + grid * grid;
      let x = e.x; // [B*N, W]
      const kept: tf.Tensor3D[] = [];
      for (let i = 1; i <= last; i++) {
        const input = x;
        x = this.resblocks[i - 1]!.apply(x, B, N, { valuePath: inSurgery(opts.surgery, i, layers) });
        x = afterBlockFreeing(opts.afterBlock, i, x, B, N);
        // freed now rather than at the end of the tidy (24 sequences of 5.6 MB at 518 px); a
        // collected sequence is a reshape holding its own reference, a tape its own clone
        if (input !== x) input.dispose();
        if (collect.has(i)) kept.push(tf.reshape(x, [B, N, W])); // [B, N, W]
      }
      if (!wantPooled) return { kept, pooled: [] as tf.Tensor2D[] };
      const cls = tf.reshape(tf.slice(tf.reshape(x, [B, N, W]), [0, 0, 0], [B, 1, W]), [B, W]); // [B, W]
      return { kept, pooled: [frozenLinear(this.ln_post.apply(cls) as tf.Tensor2D, this.proj)] };
    });
    const tokens = new Map<number, tf.Tensor3D>();
    collected.forEach((block, i) => tokens.set(block, out.kept[i]!));
    return { pooled: out.pooled[0] ?? null, tokens, grid };
  }

  /** ln_post then proj on patch tokens: [B, N, W] -> [B, N, E] (no class-token handling). */
  projectTokens(tokens: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, N, W] = tokens.shape;
      const flat = tf.reshape(tokens, [B * N, W]) as tf.Tensor2D; // [B*N, W]
      const y = frozenLinear(this.ln_post.apply(flat) as tf.Tensor2D, this.proj); // [B*N, E]
      return tf.reshape(y, [B, N, this.embedDim]); // [B, N, E]
    });
  }

  dispose(): void {
    this.conv1T.dispose();
    this.class_embedding.dispose();
    this.ln_pre.dispose();
    for (const b of this.resblocks) b.dispose();
    this.ln_post.dispose();
    this.proj.dispose();
    for (const t of this.posCache.values()) t.dispose();
    this.posCache.clear();
  }
}
