// Few-shot normal references: a memory bank of normal patch tokens per class, and the map of how
// far each patch of a test image is from its nearest normal patch.
//
//   F_l(x)   = patch tokens of image x after block l (residual stream, class token dropped), L2-normalised
//   B_l(c)   = { F_l(r)(q) : r a normal reference of class c, q a patch }          (optionally a greedy coreset)
//   m_l(p)   = 1 - max_{b in B_l(c)} <F_l(x)(p), b>                               [G, G]
//   M_fs(x)  = sum_l bilinear_align_corners(m_l, S x S)
//
// and, combined with a zero-shot map M_zs (AA-CLIP's test map, or MuSc's):
//
//   M(x)     = M_zs(x) + M_fs(x)
//   score(x) = 1/2 ( s_zs(x) + minmax_class( max M(x) ) )    (over a class's test images)
//
// Source: APRIL-GAN (Chen et al., "A Zero-/Few-Shot Anomaly Classification and Segmentation Method
// for CVPR 2023 VAND Workshop Challenge Tracks 1&2"), test.py of ByChelsea/VAND-APRIL-GAN, the
// few-shot protocol AnomalyCLIP (Zhou et al., ICLR 2024) and AdaCLIP (Cao et al., ECCV 2024)
// follow: memory of the references' patch tokens at the few-shot layers, 1 - max cosine per
// layer, bilinear align_corners upsampling, sum over layers, added to the zero-shot map; image
// score the mean of the zero-shot image score and the class-normalised maximum of the summed
// map. WinCLIP+ (Jeong et al., CVPR 2023) scores the few-shot branch the same way (1 - max
// cosine to a memory of reference patch features; its own window features, not these tokens).
// It needs the frozen CLIP alone: no adapters, no text.
import * as tf from '@tensorflow/tfjs-core';
import { mapOperator, separableApply } from '../aaclip/maps';
import { providedMatMul } from '../model/matmul-provider';
import type { ClipModel } from '../model/clip-model';
import { coresetSize, greedyCoreset, type CoresetOptions } from './coreset';

export interface NormalReferenceOptions {
  clip: ClipModel;
  /** 1-based blocks whose residual stream is banked. Default AA-CLIP's detection levels (6, 12, 18, 24 of 24 blocks). */
  layers?: readonly number[];
  /** Reduce each class's bank with a greedy coreset (per layer). Default: keep every patch. */
  coreset?: CoresetOptions;
  /** Images per CLIP forward pass. Default 4. */
  batchSize?: number;
  /** Bank columns compared at once (the product is [G*G, bankChunk]). Default 8192. */
  bankChunk?: number;
}

/** What a class's bank holds. */
export interface NormalReferenceInfo {
  className: string;
  /** Reference images added. */
  images: number;
  /** Patches per layer before any coreset (images x G*G). */
  patches: number;
  /** Patches kept per layer. */
  bankSize: number;
  /** bankSize / patches (1 without a coreset). */
  ratio: number;
  /** Side of the reference images. */
  size: number;
}

/** One image's few-shot map. */
export interface FewShotMap {
  size: number;
  /** M_fs [size * size]: sum over layers of the upsampled 1 - max cosine. */
  map: Float32Array;
  /** max of `map`. */
  max: number;
}

interface ClassBank {
  /** per layer: [C, M] transposed bank (unit columns), ready for a plain matMul */
  banksT: tf.Tensor2D[];
  info: NormalReferenceInfo;
}

/** The default levels: AA-CLIP's (round(k * depth / 4), k = 1..4), deduplicated. */
export function defaultReferenceLayers(depth: number): number[] {
  return [...new Set([1, 2, 3, 4].map((k) => Math.max(1, Math.round((k * depth) / 4))))];
}

/**
 * Memory banks of normal patches per class over a frozen CLIP; see the file header for the
 * formulas. `addNormalReferences` banks a class's known-good images (more calls add more);
 * `score` maps test images of a class; `dispose` frees every bank.
 *
 * @example
 * const refs = createNormalReferences({ clip, coreset: { ratio: 0.25 } });
 * const info = await refs.addNormalReferences('bottle', goodImages);   // [K, S, S, 3]
 * const [fs] = await refs.score('bottle', testImages);
 * const combined = combineFewShot(zeroShotDetection, fs);
 */
export class NormalReferences {
  readonly layers: readonly number[];
  private readonly banks = new Map<string, ClassBank>();
  private disposed = false;

  constructor(private readonly opts: NormalReferenceOptions) {
    const depth = opts.clip.config.vision.layers;
    this.layers = opts.layers ? [...opts.layers] : defaultReferenceLayers(depth);
    if (this.layers.length === 0) throw new Error('createNormalReferences: layers must list at least one block');
    for (const b of this.layers) if (!Number.isInteger(b) || b < 1 || b > depth) throw new Error(`createNormalReferences: layers entries must be blocks 1..${depth} (1-based), got ${String(b)}`);
    if (opts.coreset) coresetSize(1, opts.coreset); // checks the options now
  }

  /** Classes with a bank. */
  get classes(): string[] {
    return [...this.banks.keys()];
  }

  /** What the bank of `className` holds, or undefined. */
  info(className: string): NormalReferenceInfo | undefined {
    const b = this.banks.get(className);
    return b ? { ...b.info } : undefined;
  }

  /**
   * Banks the patch tokens of `images` [K, S, S, 3] (known-good images of `className`, NHWC
   * float32, CLIP-normalised) at every layer; with `coreset`, the class's whole bank is reduced
   * again. Resolves to what the bank now holds.
   */
  async addNormalReferences(className: string, images: tf.Tensor4D): Promise<NormalReferenceInfo> {
    this.assertLive();
    assertClassName(className, 'addNormalReferences');
    const S = checkImages(images, 'addNormalReferences');
    if (images.shape[0] === 0) throw new Error(`addNormalReferences: the reference set for class "${className}" is empty: give at least one known-good image`);
    const old = this.banks.get(className);
    if (old && old.info.size !== S) throw new Error(`addNormalReferences: class "${className}" has ${old.info.size} px references; these are ${S} px (one size per class)`);
    const feats = await this.patchFeatures(images); // per layer [K*P, C]
    const P = feats.perImage;
    let rows: tf.Tensor2D[] = feats.rows;
    if (old) {
      // the full bank is kept transposed: back to rows, then append
      const prev = old.banksT.map((t) => tf.transpose(t) as tf.Tensor2D);
      rows = rows.map((r, l) => {
        const cat = tf.concat([prev[l]!, r]) as tf.Tensor2D;
        prev[l]!.dispose();
        r.dispose();
        return cat;
      });
    }
    const images0 = (old?.info.images ?? 0) + images.shape[0];
    const patches = (old?.info.patches ?? 0) + images.shape[0] * P;
    const banksT: tf.Tensor2D[] = [];
    try {
      for (const r of rows) {
        let kept = r;
        if (this.opts.coreset && coresetSize(r.shape[0], this.opts.coreset) < r.shape[0]) {
          const idx = await greedyCoreset(r, this.opts.coreset);
          kept = tf.tidy(() => tf.gather(r, tf.tensor1d(idx, 'int32')) as tf.Tensor2D); // [k, C]
        }
        banksT.push(tf.keep(tf.transpose(kept) as tf.Tensor2D)); // [C, k]
        if (kept !== r) kept.dispose();
      }
    } catch (e) {
      tf.dispose(banksT);
      throw e;
    } finally {
      tf.dispose(rows);
    }
    old?.banksT.forEach((t) => t.dispose());
    const bankSize = banksT[0]!.shape[1];
    const info: NormalReferenceInfo = { className, images: images0, patches, bankSize, ratio: bankSize / patches, size: S };
    this.banks.set(className, { banksT, info });
    return { ...info };
  }

  /** Few-shot maps of `images` [B, S, S, 3] against the bank of `className`. */
  async score(className: string, images: tf.Tensor4D): Promise<FewShotMap[]> {
    this.assertLive();
    assertClassName(className, 'score');
    const bank = this.banks.get(className);
    if (!bank) throw new Error(`score: no normal references for class "${className}" (classes with references: ${this.classes.join(', ') || 'none'}); call addNormalReferences first`);
    const S = checkImages(images, 'score');
    if (S !== bank.info.size) throw new Error(`score: the references of class "${className}" are ${bank.info.size} px; these images are ${S} px (score at the references' size)`);
    const B = images.shape[0];
    const feats = await this.patchFeatures(images); // per layer [B*P, C]
    const P = feats.perImage;
    const g = Math.round(Math.sqrt(P));
    const chunk = Math.max(1, Math.floor(this.opts.bankChunk ?? 8192));
    const out = tf.tidy(() => {
      const left = tf.tensor2d(mapOperator(g, S), [S, g]); // [S, g]
      const maps = feats.rows.map((q, l) => {
        const bt = bank.banksT[l]!; // [C, M]
        const M = bt.shape[1];
        let best: tf.Tensor | null = null;
        for (let c0 = 0; c0 < M; c0 += chunk) {
          const part = c0 === 0 && M <= chunk ? bt : tf.slice(bt, [0, c0], [-1, Math.min(chunk, M - c0)]);
          const m = tf.max(providedMatMul(q, part as tf.Tensor2D) ?? tf.matMul(q, part), 1); // [B*P]: best cosine in this part of the bank
          best = best ? tf.maximum(best, m) : m;
        }
        const dist = tf.sub(1, best!); // [B*P]
        return separableApply(tf.reshape(dist, [B, g, g]) as tf.Tensor3D, left); // [B, S, S]
      });
      return tf.addN(maps) as tf.Tensor3D; // [B, S, S]
    });
    tf.dispose(feats.rows);
    try {
      const data = (await out.data()) as Float32Array;
      const n = S * S;
      return Array.from({ length: B }, (_, b) => {
        const map = data.slice(b * n, (b + 1) * n);
        let max = -Infinity;
        for (const v of map) if (v > max) max = v;
        return { size: S, map, max };
      });
    } finally {
      out.dispose();
    }
  }

  /** Forgets the bank of `className` (or every bank). */
  clear(className?: string): void {
    for (const [c, b] of this.banks) {
      if (className !== undefined && c !== className) continue;
      b.banksT.forEach((t) => t.dispose());
      this.banks.delete(c);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.clear();
    this.disposed = true;
  }

  /** Per layer, the unit patch tokens of every image: [B*P, C] (tensors owned by the caller). */
  private async patchFeatures(images: tf.Tensor4D): Promise<{ rows: tf.Tensor2D[]; perImage: number }> {
    const [B, S] = images.shape;
    const bs = Math.max(1, Math.floor(this.opts.batchSize ?? 4));
    const parts: tf.Tensor2D[][] = this.layers.map(() => []);
    let P = 0;
    let rows: tf.Tensor2D[] = [];
    try {
      for (let s = 0; s < B; s += bs) {
        const b = Math.min(bs, B - s);
        const x = b === B ? images : tf.slice(images, [s, 0, 0, 0], [b, S, S, 3]); // [b, S, S, 3]
        let r: ReturnType<ClipModel['encodeImage']>;
        try {
          r = this.opts.clip.encodeImage(x, { collect: this.layers, pooled: false });
        } finally {
          if (x !== images) x.dispose();
        }
        P = r.grid * r.grid;
        this.layers.forEach((l, k) => {
          const t = r.tokens.get(l)!; // [b, 1+P, C]
          const C = t.shape[2];
          parts[k]!.push(
            tf.tidy(() => {
              const p = tf.reshape(tf.slice(t, [0, 1, 0], [b, P, C]), [b * P, C]); // [b*P, C]
              return tf.div(p, tf.sqrt(tf.sum(tf.square(p), 1, true))) as tf.Tensor2D;
            }),
          );
        });
        tf.dispose([...r.tokens.values()]);
      }
      rows = parts.map((p) => (p.length === 1 ? p[0]! : (tf.concat(p) as tf.Tensor2D)));
      const bad = await firstNonFiniteRow(rows);
      if (bad) throw new Error(`normal references: image ${Math.floor(bad.row / P)} has non-finite tokens at block ${this.layers[bad.layer]}: check the image (NaN or infinite pixels) and the weights`);
      return { rows, perImage: P };
    } catch (e) {
      tf.dispose(rows);
      throw e;
    } finally {
      // the per-batch parts (a single part is the row tensor itself)
      parts.forEach((p) => p.length > 1 && tf.dispose(p));
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('NormalReferences: used after dispose()');
  }
}

async function firstNonFiniteRow(rows: tf.Tensor2D[]): Promise<{ layer: number; row: number } | null> {
  for (let l = 0; l < rows.length; l++) {
    const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(rows[l]!)), 1)); // [rows]
    const flags = (await bad.data()) as Uint8Array;
    bad.dispose();
    const i = flags.indexOf(1);
    if (i >= 0) return { layer: l, row: i };
  }
  return null;
}

function assertClassName(c: unknown, fn: string): void {
  if (typeof c !== 'string' || c.trim() === '') throw new Error(`${fn}: className must be a non-empty string, got ${JSON.stringify(c)}`);
}

function checkImages(images: tf.Tensor4D, fn: string): number {
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[3] !== 3) throw new Error(`${fn}: images must be an NHWC tensor [B, S, S, 3], got shape [${(images as tf.Tensor | undefined)?.shape ?? typeof images}]`);
  if (images.dtype !== 'float32') throw new Error(`${fn}: images must be float32, got ${images.dtype}`);
  const [, S, S2] = images.shape;
  if (S !== S2) throw new Error(`${fn}: images must be square, got ${S} x ${S2}`);
  return S;
}

/** Builds the per-class memory banks over a CLIP; see {@link NormalReferenceOptions}. */
export function createNormalReferences(opts: NormalReferenceOptions): NormalReferences {
  if (!opts || !opts.clip) throw new Error('createNormalReferences: `clip` is required');
  return new NormalReferences(opts);
}
