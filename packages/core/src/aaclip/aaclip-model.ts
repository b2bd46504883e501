// AA-CLIP's model (Ma et al., CVPR 2025, arXiv 2503.06661): a frozen CLIP with residual adapters
// after its first blocks i <= K (text: K = textAdaptUntil, image: K = imageAdaptUntil),
//
//   x_residual = Norm(Act(W_i x_i))          Act = LeakyReLU(0.01), Norm rescales to ||x_i|| per token
//   x_i       <- lambda x_residual + (1 - lambda) x_i,      lambda = 0.1     (aaclip-adapters.ts residualAdapt)
//
// text anchors A = [T_N | T_A] (anchorsFromTokens), stage-1 features from the surgery branch
// (stage1Features, model/surgery.ts) and stage-2 features F_l = L2(seg_proj_l(LN_post(z_l))),
// v_det = mean_p L2(det_proj(LN_post(z_last))) (forward).
import * as tf from '@tensorflow/tfjs-core';
import type { ClipModel } from '../model/clip-model';
import type { TokenInput } from '../model/text-transformer';
import type { WeightMap } from '../model/weight-source';
import { defaultAAClipConfig, validateAAClipConfig, type AAClipConfig } from './aaclip-config';
import { ImageAdapters, TextAdapters, l2Normalize, residualAdapt, type AdapterLinear } from './aaclip-adapters';

export interface AAClipForward {
  /** Per level: L2-normalised seg projections of the patch tokens [B, g*g, E]. */
  seg: tf.Tensor3D[];
  /** [B, E]: mean over patch tokens of the L2-normalised det projection. */
  det: tf.Tensor2D;
  grid: number;
}

export interface AAClipOptions {
  clip: ClipModel;
  config?: Partial<AAClipConfig>;
  /** Adapter weights keyed `text_adapter.*` / `image_adapter.*` (checkpoint layout). Missing -> seeded init. */
  adapters?: WeightMap;
  /** Seed for the random init of adapters that are not given. Default 0. */
  seed?: number;
}

/** A small seeded PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * AA-CLIP: a frozen CLIP plus text adapters (stage 1) and image adapters with seg/det
 * projections (stage 2). Tensors in, tensors out; the caller owns what it gets back.
 * The CLIP model is borrowed, not owned: `dispose()` frees the adapters only.
 *
 * @example
 * const model = AAClipModel.create({ clip, adapters: readSafetensors(bytes).tensors });
 * const anchors = model.anchorsFromTokens(normalIds, abnormalIds); // [E, 2]
 * const { seg, det } = model.forward(images);
 */
export class AAClipModel {
  readonly textAdapters: TextAdapters | null;
  readonly imageAdapters: ImageAdapters;

  private constructor(
    readonly clip: ClipModel,
    readonly config: AAClipConfig,
    textAdapters: TextAdapters | null,
    imageAdapters: ImageAdapters,
  ) {
    this.textAdapters = textAdapters;
    this.imageAdapters = imageAdapters;
  }

  static create(opts: AAClipOptions): AAClipModel {
    const { clip } = opts;
    const vLayers = clip.config.vision.layers;
    const tLayers = clip.config.text?.layers;
    const config = defaultAAClipConfig(vLayers, { ...(tLayers !== undefined ? { textAdaptUntil: Math.min(3, tLayers) } : {}), ...(opts.config ?? {}) });
    validateAAClipConfig(config, vLayers, clip.config.text?.layers);
    const rand = mulberry32(opts.seed ?? 0);
    const sub = (prefix: string): WeightMap | undefined => {
      if (!opts.adapters) return undefined;
      const m = new Map<string, NonNullable<ReturnType<WeightMap['get']>>>();
      for (const [k, v] of opts.adapters) if (k.startsWith(prefix)) m.set(k, v);
      return m;
    };
    const E = clip.config.embedDim;
    const text = clip.config.text ? new TextAdapters(clip.config.text.width, E, config.textAdaptUntil, rand, sub('text_adapter.')) : null;
    try {
      const image = new ImageAdapters(clip.config.vision.width, E, config.imageAdaptUntil, config.levels.length, rand, sub('image_adapter.'));
      return new AAClipModel(clip, config, text, image);
    } catch (err) {
      text?.dispose();
      throw err;
    }
  }

  /** Text features through the text adapters: [N, ctx] ids -> [N, E] (not normalised). */
  encodeTextAdapted(tokens: TokenInput): tf.Tensor2D {
    const ta = this.textAdapters;
    if (!ta) throw new Error('encodeTextAdapted: the model has no text tower');
    const until = this.config.textAdaptUntil;
    const w = this.config.textAdaptWeight;
    return this.clip.encodeText(tokens, {
      afterBlock: (i, x) => (i <= until ? residualAdapt(ta.layers[i - 1]!, x, w) : x),
      projection: (pooled) => tf.leakyRelu(ta.projection.apply(pooled), 0.01) as tf.Tensor2D,
    });
  }

  /**
   * Text anchors [E, 2] (column 0 normal, column 1 abnormal) from the token ids of the normal
   * and abnormal sentences: encode, L2-normalise each, average, L2-normalise.
   */
  anchorsFromTokens(normal: TokenInput, abnormal: TokenInput, opts: { adapted?: boolean } = {}): tf.Tensor2D {
    const adapted = opts.adapted ?? true;
    return tf.tidy(() => {
      const state = (ids: TokenInput): tf.Tensor => {
        const f = adapted ? this.encodeTextAdapted(ids) : this.clip.encodeText(ids);
        return l2Normalize(tf.mean(l2Normalize(f), 0, true)); // [1, E]
      };
      return tf.transpose(tf.concat([state(normal), state(abnormal)], 0)) as tf.Tensor2D; // [E, 2]
    });
  }

  /**
   * Stage-1 patch features: the surgery branch (value path from `surgeryFrom` on, model/surgery.ts),
   * each level's patch tokens -> ln_post -> proj -> L2-normalise, plus the L2-normalised pooled
   * embedding of the plain model. images [B, S, S, 3] -> per level [B, g*g, E].
   */
  stage1Features(images: tf.Tensor4D): { levels: tf.Tensor3D[]; grid: number } {
    const levels = this.config.levels;
    return tf.tidy(() => {
      const plain = this.clip.encodeImage(images, { pooled: true });
      const global = tf.expandDims(l2Normalize(plain.pooled!), 1); // [B, 1, E]
      const s = this.clip.encodeImage(images, { collect: levels, surgery: { from: this.config.surgeryFrom }, pooled: false });
      const out = levels.map((l) => {
        const t = s.tokens.get(l)!; // [B, N, W]
        const [B, N, W] = t.shape;
        const patches = tf.slice(t, [0, 1, 0], [B, N - 1, W]) as tf.Tensor3D; // [B, g*g, W]
        const proj = this.clip.visual.projectTokens(patches); // [B, g*g, E]
        return tf.add(l2Normalize(proj), global) as tf.Tensor3D;
      });
      const grid = s.grid;
      return { levels: out, grid } as unknown as tf.TensorContainer;
    }) as unknown as { levels: tf.Tensor3D[]; grid: number };
  }

  /**
   * Stage-2 forward: plain vision tower with the image adapters after the first blocks;
   * seg projections at the levels and the det projection of the last block.
   */
  forward(images: tf.Tensor4D): AAClipForward {
    let grid = 0;
    const out = tf.tidy(() => {
      const r = this.clip.encodeImage(images, {
        collect: this.collectedBlocks(),
        pooled: false,
        afterBlock: (i, x) => this.adaptBlock(i, x),
      });
      grid = r.grid;
      const { seg, det } = this.headFeatures(r.tokens);
      return { seg, det };
    });
    return { seg: out.seg, det: out.det, grid };
  }

  /** The blocks (1-indexed) whose sequences the stage-2 head reads: the levels and the last. */
  collectedBlocks(): number[] {
    return [...new Set([...this.config.levels, this.clip.config.vision.layers])].sort((a, b) => a - b);
  }

  /** The image adapter after block `i` (1-indexed) on x [rows, W]; x itself past `imageAdaptUntil`. */
  adaptBlock(i: number, x: tf.Tensor2D): tf.Tensor2D {
    const { imageAdaptUntil: until, imageAdaptWeight: w } = this.config;
    return i <= until ? residualAdapt(this.imageAdapters.layers[i - 1]!, x, w) : x;
  }

  /**
   * The stage-2 head on collected sequences (block -> [B, 1 + g*g, W], see `collectedBlocks`):
   * ln_post, seg projections per level and the det projection of the last block.
   */
  headFeatures(tokens: ReadonlyMap<number, tf.Tensor3D>): { seg: tf.Tensor3D[]; det: tf.Tensor2D } {
    const get = (block: number): tf.Tensor3D => {
      const t = tokens.get(block);
      if (!t) throw new Error(`headFeatures: no sequence for block ${block} (needs ${this.collectedBlocks().join(', ')})`);
      return t;
    };
    return tf.tidy(() => {
      const seg = this.config.levels.map((l, j) => this.segFeatures(j, get(l)));
      const det = this.detFeatures(get(this.clip.config.vision.layers));
      return { seg, det } as unknown as tf.TensorContainer;
    }) as unknown as { seg: tf.Tensor3D[]; det: tf.Tensor2D };
  }

  /** Level j's seg projection of a sequence [B, 1 + g*g, W] -> L2-normalised [B, g*g, E]. */
  segFeatures(j: number, seq: tf.Tensor3D): tf.Tensor3D {
    return this.projectPatches(seq, this.imageAdapters.segProj[j]!);
  }

  /** The det projection of the last block's sequence [B, 1 + g*g, W] -> [B, E] (mean over patches). */
  detFeatures(seq: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => tf.mean(this.projectPatches(seq, this.imageAdapters.detProj), 1) as tf.Tensor2D); // [B, E]
  }

  private projectPatches(seq: tf.Tensor3D, layer: AdapterLinear): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, N, W] = seq.shape;
      const flat = tf.reshape(tf.slice(seq, [0, 1, 0], [B, N - 1, W]), [B * (N - 1), W]) as tf.Tensor2D; // [B*g*g, W]
      let y = layer.apply(this.clip.visual.ln_post.apply(flat) as tf.Tensor2D); // [B*g*g, E]
      if (this.config.relu) y = tf.leakyRelu(y, 0.01) as tf.Tensor2D;
      return tf.reshape(l2Normalize(y), [B, N - 1, y.shape[1]]) as tf.Tensor3D; // [B, g*g, E]
    });
  }

  /** Trainable variables of a stage: 1 = text adapters, 2 = image adapters. */
  trainableAdapters(stage: 1 | 2): AdapterLinear[] {
    if (stage === 1) {
      if (!this.textAdapters) throw new Error('stage 1 needs a text tower');
      return this.textAdapters.all();
    }
    return this.imageAdapters.all();
  }

  dispose(): void {
    this.textAdapters?.dispose();
    this.imageAdapters.dispose();
  }
}

