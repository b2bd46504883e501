// MuSc (Li et al., ICLR 2024): zero-shot anomaly maps and scores of an unlabeled batch.
//
//   M_patch(i) = 1/|R| sum_{r in R} 1/|L| sum_{l in L} MSM(LNAMD_r(tokens_l))(i)      [G, G]
//   M(i)       = bilinear_align_corners(M_patch(i), S x S)                              (no blur)
//   c_i        = max M(i)                                                               (score.max)
//   score      = RsCIN(c, class tokens, k_list)                                         (score.rscin)
//
// as models/musc.py (make_category_data) of xrli-U/MuSc drives its modules: degrees outer,
// layers inner, each `divide_num` subset scored on its own, RsCIN over the whole batch. Tokens:
// the residual stream (class token first, before ln_post) after the configured blocks, plain
// attention; the class tokens are the L2-normalised image embeddings.
import * as tf from '@tensorflow/tfjs-core';
import type { Detection } from '../aaclip/detector';
import { mapOperator, separableApply } from '../aaclip/maps';
import type { ClipModel } from '../model/clip-model';
import { lnamdPatches } from './lnamd';
import { assertMsmBatch, augmentForMsm, mutualScores } from './msm';
import { divideSubsets, defaultMuscLayers, resolveMuscConfig, type MuscConfig } from './musc-config';
import { appendMuscImage, emptyMuscTokens, truncateMuscTokens, type MuscTokens } from './musc-tokens';
import { rscin } from './rscin';

/** One image's MuSc result. `anomalyMap` and `probabilityMap` are the same array (MuSc has no probability). */
export interface MuscDetection extends Detection {
  /** Patch-level map [grid * grid] (map.patch). */
  patchMap: Float32Array;
  grid: number;
}

export interface MuscScoreOptions {
  /** Receives every intermediate output by its fixture name (lnamd.r1.L0, msm.r1.L0, map.r1, map.patch...), in input order. */
  collect?: (name: string, data: Float32Array, shape: number[]) => void;
  /** (step done, steps in all): one step per pair of images per degree and layer. */
  onProgress?: (done: number, total: number) => void;
  /** Images per LNAMD / upsampling chunk. Default 8. */
  chunk?: number;
}

export interface MuscScores {
  /** [N * G*G] */
  patchMaps: Float32Array;
  /** [N * S*S] bilinear (align_corners) upsampling of the patch maps. */
  maps: Float32Array;
  /** [N] maximum of each upsampled map. */
  scoreMax: Float32Array;
  /** [N] RsCIN scores. */
  scores: Float32Array;
}

/** LNAMD of one layer for `images` (indices into the store), in chunks: one [G*G * C] array each. */
async function lnamdImages(store: MuscTokens, layer: number, r: number, images: readonly number[], chunk: number): Promise<Float32Array[]> {
  const { grid, width: C } = store;
  const P = grid * grid;
  const out: Float32Array[] = [];
  for (let s = 0; s < images.length; s += chunk) {
    const ids = images.slice(s, s + chunk);
    const z = tf.tidy(() => {
      const parts = ids.map((i) => tf.tensor3d(store.tokens[layer]![i]!, [1, P, C]));
      return lnamdPatches(parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor3D), grid, r); // [b, P, C]
    });
    try {
      const data = (await z.data()) as Float32Array;
      ids.forEach((_, b) => out.push(data.slice(b * P * C, (b + 1) * P * C)));
    } finally {
      z.dispose();
    }
  }
  return out;
}

/**
 * The scoring stage (LNAMD, MSM, means, upsampling, score.max, RsCIN) on stored tokens.
 * `size` is the side of the output maps (the input image size). Every tensor it makes is
 * disposed before it returns.
 */
export async function scoreMuscTokens(store: MuscTokens, size: number, config: Partial<MuscConfig> = {}, opts: MuscScoreOptions = {}): Promise<MuscScores> {
  const cfg = resolveMuscConfig(config);
  const N = store.classTokens.length;
  const L = store.tokens.length;
  const { grid, width: C } = store;
  const P = grid * grid;
  const chunk = Math.max(1, Math.floor(opts.chunk ?? 8));
  if (!Number.isInteger(size) || size < 1) throw new Error(`MuSc: map size must be a positive integer, got ${String(size)}`);
  store.tokens.forEach((layer, l) => {
    if (layer.length !== N) throw new Error(`MuSc: the token store has ${layer.length} images at layer ${l} but ${N} class tokens`);
  });
  const subsets = divideSubsets(N, cfg.divideNum, cfg.seed, store.groups);
  for (const s of subsets) assertMsmBatch(s.length, cfg.topminMin, cfg.topminMax, cfg.divideNum > 1 ? `each of the ${cfg.divideNum} subsets (divideNum)` : 'a batch');
  const R = cfg.rList.length;
  const perStep = subsets.reduce((a, s) => a + (s.length * (s.length - 1)) / 2, 0);
  const total = perStep * R * L;
  let done = 0;
  const patch = new Float64Array(N * P); // sum over degrees and layers
  const collect = opts.collect;
  for (const r of cfg.rList) {
    const mapR = collect ? new Float64Array(N * P) : null;
    for (let l = 0; l < L; l++) {
      const lnamdAll = collect ? new Float32Array(N * P * C) : null;
      const msmAll = collect ? new Float32Array(N * P) : null;
      for (const ids of subsets) {
        const z = await lnamdImages(store, l, r, ids, chunk);
        if (lnamdAll) ids.forEach((i, t) => lnamdAll.set(z[t]!, i * P * C));
        for (let t = 0; t < z.length; t++) z[t] = augmentForMsm(z[t]!, P, C); // in place: one copy alive
        const base = done;
        const a = await mutualScores(z, P, C, {
          augmented: true,
          topminMin: cfg.topminMin,
          topminMax: cfg.topminMax,
          pairBlock: cfg.pairBlock,
          onProgress: opts.onProgress ? (d) => opts.onProgress!(base + d, total) : undefined,
        });
        done = base + (ids.length * (ids.length - 1)) / 2;
        ids.forEach((i, t) => {
          for (let p = 0; p < P; p++) {
            const v = a[t * P + p]!;
            patch[i * P + p]! += v;
            if (mapR) mapR[i * P + p]! += v;
            if (msmAll) msmAll[i * P + p] = v;
          }
        });
      }
      if (collect) {
        collect(`lnamd.r${r}.L${l}`, lnamdAll!, [N, P, C]);
        collect(`msm.r${r}.L${l}`, msmAll!, [N, P]);
      }
    }
    if (collect && mapR) collect(`map.r${r}`, Float32Array.from(mapR, (v) => v / L), [N, P]);
  }
  const patchMaps = Float32Array.from(patch, (v) => v / (L * R));
  collect?.('map.patch', patchMaps, [N, P]);
  const { maps, scoreMax } = await upsampleMaps(patchMaps, N, grid, size, chunk);
  collect?.('map.upsampled', maps, [N, size, size]);
  collect?.('score.max', scoreMax, [N]);
  const cls = new Float32Array(N * store.embedDim);
  store.classTokens.forEach((t, i) => cls.set(t, i * store.embedDim));
  const scores = Float32Array.from(rscin(scoreMax, cls, store.embedDim, cfg.kList));
  collect?.('score.rscin', scores, [N]);
  return { patchMaps, maps, scoreMax, scores };
}

/** [N, G, G] -> [N, S, S] (bilinear, align_corners) and each map's maximum, in chunks. */
async function upsampleMaps(patchMaps: Float32Array, N: number, grid: number, size: number, chunk: number): Promise<{ maps: Float32Array; scoreMax: Float32Array }> {
  const P = grid * grid;
  const S2 = size * size;
  const maps = new Float32Array(N * S2);
  const scoreMax = new Float32Array(N);
  const left = tf.tensor2d(mapOperator(grid, size), [size, grid]); // [S, G]
  try {
    for (let s = 0; s < N; s += chunk) {
      const b = Math.min(chunk, N - s);
      const up = tf.tidy(() => separableApply(tf.tensor3d(patchMaps.subarray(s * P, (s + b) * P), [b, grid, grid]), left)); // [b, S, S]
      try {
        maps.set((await up.data()) as Float32Array, s * S2);
      } finally {
        up.dispose();
      }
    }
  } finally {
    left.dispose();
  }
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let k = i * S2; k < (i + 1) * S2; k++) if (maps[k]! > m) m = maps[k]!;
    scoreMax[i] = m;
  }
  return { maps, scoreMax };
}

export interface MuscScorerOptions extends Partial<MuscConfig> {
  /** A loaded CLIP (OpenAI-style ViT). For the published figures: ViT-L-14-336 built with exact GELU, images at 518 px. */
  clip: ClipModel;
  /** 1-based blocks whose residual stream is read. Default 5, 11, 17, 23 for 24 blocks (see defaultMuscLayers). */
  layers?: readonly number[];
  /** Images per CLIP forward pass in `add`. Default 4. */
  batchSize?: number;
  /** Dispose `clip` with the scorer. Default false. */
  ownsClip?: boolean;
}

/**
 * MuSc over a CLIP: `add` runs the vision tower on a batch and keeps its tokens, `finish` scores
 * everything added since the last `finish` (a class's whole test set, added in batches that fit)
 * and empties the store; `scoreBatch` does both at once. Images are NHWC float32, square,
 * CLIP-normalised, one size per batch.
 *
 * @example
 * const musc = createMuscScorer({ clip });
 * const results = await musc.scoreBatch(images);   // [N, 518, 518, 3], N >= 5 for topmin_max 0.3
 * console.log(results.map((r) => r.score));
 */
export class MuscScorer {
  readonly config: MuscConfig;
  readonly layers: readonly number[];
  private store: MuscTokens | null = null;
  private size = 0;
  private disposed = false;

  constructor(private readonly opts: MuscScorerOptions) {
    this.config = resolveMuscConfig(opts);
    const depth = opts.clip.config.vision.layers;
    this.layers = opts.layers ? [...opts.layers] : defaultMuscLayers(depth);
    if (this.layers.length === 0) throw new Error('createMuscScorer: layers must list at least one block');
    for (const b of this.layers) if (!Number.isInteger(b) || b < 1 || b > depth) throw new Error(`createMuscScorer: layers entries must be blocks 1..${depth} (1-based), got ${String(b)}`);
  }

  /** Images added since the last `finish`. */
  get count(): number {
    return this.store?.classTokens.length ?? 0;
  }

  /** Runs the CLIP on `images` [B, S, S, 3] and keeps their tokens; resolves to the number of images held. */
  async add(images: tf.Tensor4D, opts: { groups?: readonly string[] } = {}): Promise<number> {
    this.assertLive();
    if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[3] !== 3) throw new Error(`MuSc: images must be an NHWC tensor [B, S, S, 3], got shape [${(images as tf.Tensor | undefined)?.shape ?? typeof images}]`);
    const [B, S, S2] = images.shape;
    if (S !== S2) throw new Error(`MuSc: images must be square, got ${S} x ${S2}`);
    if (B === 0) return this.count;
    if (images.dtype !== 'float32') throw new Error(`MuSc: images must be float32, got ${images.dtype}`);
    if (this.store && S !== this.size) throw new Error(`MuSc: these images are ${S} px but the ${this.count} already added are ${this.size} px: one batch is scored at one size`);
    if (opts.groups && opts.groups.length !== B) throw new Error(`MuSc: ${opts.groups.length} group labels for ${B} images`);
    const start = this.count;
    try {
      await this.encodeInto(images, opts.groups);
    } catch (e) {
      // nothing half-added: the store is as it was before this call
      if (this.store) truncateMuscTokens(this.store, start);
      if (start === 0) this.store = null;
      throw e;
    }
    return this.count;
  }

  private async encodeInto(images: tf.Tensor4D, groups: readonly string[] | undefined): Promise<void> {
    const [B, S] = images.shape;
    const clip = this.opts.clip;
    const bs = Math.max(1, Math.floor(this.opts.batchSize ?? 4));
    for (let s = 0; s < B; s += bs) {
      const b = Math.min(bs, B - s);
      const part = b === B ? images : tf.slice(images, [s, 0, 0, 0], [b, S, S, 3]); // [b, S, S, 3]
      let r: ReturnType<ClipModel['encodeImage']>;
      try {
        r = clip.encodeImage(part, { collect: this.layers, pooled: true });
      } finally {
        if (part !== images) part.dispose();
      }
      try {
        const grid = r.grid;
        const width = clip.config.vision.width;
        const E = clip.config.embedDim;
        this.store ??= emptyMuscTokens(this.layers.length, grid, width, E);
        this.size = S;
        const per = await Promise.all(this.layers.map((l) => r.tokens.get(l)!.data() as Promise<Float32Array>));
        const pooled = (await r.pooled!.data()) as Float32Array;
        const n = (1 + grid * grid) * width;
        for (let k = 0; k < b; k++) {
          appendMuscImage(
            this.store,
            per.map((d) => d.subarray(k * n, (k + 1) * n)),
            pooled.subarray(k * E, (k + 1) * E),
            { label: `image ${this.count} (batch index ${s + k})`, layerNames: this.layers.map((l) => `block ${l}`), group: groups?.[s + k] },
          );
        }
      } finally {
        tf.dispose([...r.tokens.values(), ...(r.pooled ? [r.pooled] : [])]);
      }
    }
  }

  /** Scores every image added since the last `finish` (in the order added) and empties the store. */
  async finish(opts: Omit<MuscScoreOptions, 'collect'> = {}): Promise<MuscDetection[]> {
    this.assertLive();
    const store = this.store;
    const n = this.count;
    if (!store || n < 2) assertMsmBatch(n, this.config.topminMin, this.config.topminMax);
    const res = await scoreMuscTokens(store!, this.size, this.config, opts);
    this.store = null;
    const S2 = this.size * this.size;
    const P = store!.grid * store!.grid;
    return Array.from({ length: n }, (_, i) => {
      const anomalyMap = res.maps.slice(i * S2, (i + 1) * S2);
      return {
        size: this.size,
        anomalyMap,
        probabilityMap: anomalyMap,
        imageScore: res.scores[i]!,
        mapMax: res.scoreMax[i]!,
        score: res.scores[i]!,
        patchMap: res.patchMaps.slice(i * P, (i + 1) * P),
        grid: store!.grid,
      };
    });
  }

  /** `add` then `finish` on one batch (the store must be empty). */
  async scoreBatch(images: tf.Tensor4D, opts: Omit<MuscScoreOptions, 'collect'> & { groups?: readonly string[] } = {}): Promise<MuscDetection[]> {
    this.assertLive();
    if (this.count > 0) throw new Error(`MuSc: scoreBatch needs an empty scorer, but ${this.count} images were added: call finish() for them first`);
    const n = images instanceof tf.Tensor ? images.shape[0] : 0;
    if (images instanceof tf.Tensor && images.rank === 4 && n < 2) assertMsmBatch(n, this.config.topminMin, this.config.topminMax);
    try {
      await this.add(images, { groups: opts.groups });
      return await this.finish(opts);
    } finally {
      this.store = null;
    }
  }

  /** Drops the held tokens (and the CLIP when `ownsClip`). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.store = null;
    if (this.opts.ownsClip) this.opts.clip.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('MuscScorer: used after dispose()');
  }
}

/** Builds a MuSc scorer over a CLIP; see {@link MuscScorerOptions}. */
export function createMuscScorer(opts: MuscScorerOptions): MuscScorer {
  if (!opts || !opts.clip) throw new Error('createMuscScorer: `clip` is required');
  return new MuscScorer(opts);
}
