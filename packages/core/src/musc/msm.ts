// MSM (MuSc, Li et al., ICLR 2024, Sec. 3.3): mutual scoring of the unlabeled images.
//
//   d_j(p) = min_q || Z_i(p) - Z_j(q) ||_2                 for every other image j != i  (N - 1 values)
//   a_i(p) = mean of d_(k)(p) for k = int((N-1) topmin_min) .. int((N-1) topmin_max) - 1
//            (d_(k) the k-th smallest; the "interval average": the smallest 30 % by default)
//
// Official module: models/modules/_MSM.py of xrli-U/MuSc (compute_scores_fast; topk on float32,
// as here). The squared distances come from one matrix product,
//   ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b  =  (-2 a, ||a||^2, 1) . (b, 1, ||b||^2),
// one image i against a block of m images j > i at a time: the [m*P, P] block is the only
// pairwise array alive; its minima over j's patches score i against each j, its minima over i's
// patches each j against i, so every pair is multiplied once. On tfjs-wasm only a plain 2-D
// matMul without transpose flags takes XNNPACK's fast path (~24 GFLOP/s here against ~1-2 with
// transposeB): i's operand is transposed on the host, once per i. A matrix-product provider
// plugged into core (backend-node's multi-threaded wasm GEMM) takes the product when present.
import * as tf from '@tensorflow/tfjs-core';
import { providedMatMul } from '../model/matmul-provider';

export interface MsmOptions {
  /** Lower end of the interval, a fraction of the N - 1 other images (or a count if >= 1). Default 0. */
  topminMin?: number;
  /** Upper end of the interval, a fraction of the N - 1 other images (or a count if >= 1). Default 0.3. */
  topminMax?: number;
  /** Images j multiplied against image i at once (the product is [P, pairBlock * P]). Default 4. */
  pairBlock?: number;
  /** Called after each block of pairs with (pairs done, pairs in all). */
  onProgress?: (done: number, total: number) => void;
}

/** The official interval: ranks kMin .. kMax - 1 of the N - 1 sorted distances. */
export function msmInterval(others: number, topminMin = 0, topminMax = 0.3): { kMin: number; kMax: number } {
  for (const [name, v] of [['topmin_min', topminMin], ['topmin_max', topminMax]] as const) {
    if (!Number.isFinite(v) || v < 0 || (v >= 1 && !Number.isInteger(v))) throw new Error(`MuSc: ${name} must be a fraction in [0, 1) or a whole count, got ${String(v)}`);
  }
  let kMax = topminMax < 1 ? Math.floor(others * topminMax) : topminMax;
  let kMin = topminMin < 1 ? Math.floor(others * topminMin) : topminMin;
  if (kMax < kMin) [kMin, kMax] = [kMax, kMin];
  return { kMin, kMax };
}

/** The smallest batch whose interval holds at least one distance (no more than the N - 1 there are). */
export function minImagesForMsm(topminMin = 0, topminMax = 0.3): number {
  for (let n = 2; n <= 1_000_000; n++) {
    const { kMin, kMax } = msmInterval(n - 1, topminMin, topminMax);
    if (kMax - kMin >= 1 && kMax <= n - 1) return n;
  }
  throw new Error(`MuSc: no batch size gives a non-empty interval for topmin_min ${topminMin}, topmin_max ${topminMax}`);
}

/** Throws the user-facing error when `n` images are too few for the interval. */
export function assertMsmBatch(n: number, topminMin = 0, topminMax = 0.3, what = 'a batch'): void {
  const { kMin, kMax } = msmInterval(Math.max(0, n - 1), topminMin, topminMax);
  if (n >= 2 && kMax - kMin >= 1 && kMax <= n - 1) return;
  const need = minImagesForMsm(topminMin, topminMax);
  throw new Error(
    `MuSc scores each image against the others of its batch, so ${what} needs at least ${need} images for topmin_max ${topminMax}` +
      `${topminMin ? ` and topmin_min ${topminMin}` : ''} (the interval average keeps ranks int((N-1)*topmin_min) .. int((N-1)*topmin_max)-1 of the N-1 others); got ${n}`,
  );
}

/**
 * Image j's rows augmented for the product: [P, C + 2] = (z, 1, ||z||^2), so that
 * (-2 z_i, ||z_i||^2, 1) . (z_j, 1, ||z_j||^2) = ||z_i - z_j||^2 comes out of the matMul itself
 * (no elementwise pass over the [m*P, P] block: on wasm that pass cost half as much as the product).
 */
export function augmentForMsm(z: Float32Array, P: number, C: number): Float32Array {
  const out = new Float32Array(P * (C + 2));
  for (let p = 0; p < P; p++) {
    let n = 0;
    for (let c = 0; c < C; c++) {
      const v = z[p * C + c]!;
      out[p * (C + 2) + c] = v;
      n += v * v;
    }
    out[p * (C + 2) + C] = 1;
    out[p * (C + 2) + C + 1] = n;
  }
  return out;
}

/** Image i's left operand, transposed on the host: [C + 2, P] = (-2 z, ||z||^2, 1)^T. */
function leftOperandT(aug: Float32Array, P: number, C: number): Float32Array {
  const W = C + 2;
  const out = new Float32Array(W * P);
  for (let p = 0; p < P; p++) {
    for (let c = 0; c < C; c++) out[c * P + p] = -2 * aug[p * W + c]!;
    out[C * P + p] = aug[p * W + C + 1]!;
    out[(C + 1) * P + p] = 1;
  }
  return out;
}

/**
 * Mutual scores of one layer at one degree: `features[i]` is image i's [P, C] row-major patch
 * features (LNAMD output, unit rows), or with `augmented` its {@link augmentForMsm} rows
 * [P, C + 2]. Returns [N, P] row-major. Holds the [N, N, P] per-image minima (4 N^2 P bytes:
 * 219 MB at N = 200, P = 1369), never the pairwise patch distances (N^2 P^2); every tensor it
 * makes is disposed before it returns.
 */
export async function mutualScores(features: readonly Float32Array[], patches: number, width: number, opts: MsmOptions & { augmented?: boolean } = {}): Promise<Float32Array> {
  const N = features.length;
  const P = patches;
  const C = width;
  const W = C + 2;
  const topminMin = opts.topminMin ?? 0;
  const topminMax = opts.topminMax ?? 0.3;
  assertMsmBatch(N, topminMin, topminMax);
  const { kMin, kMax } = msmInterval(N - 1, topminMin, topminMax);
  const block = Math.max(1, Math.floor(opts.pairBlock ?? 4));
  const rowLen = opts.augmented ? W : C;
  for (let i = 0; i < N; i++) {
    if (features[i]!.length !== P * rowLen) throw new Error(`MuSc: features of image ${i} have ${features[i]!.length} values, expected ${P} x ${rowLen}`);
  }
  const aug = opts.augmented ? features : features.map((z) => augmentForMsm(z, P, C));
  // minSq[i][j * P + p]: squared distance from patch p of image i to its nearest patch of image j
  const minSq = features.map(() => new Float32Array(N * P));
  const total = (N * (N - 1)) / 2;
  let done = 0;
  for (let i = 0; i < N - 1; i++) {
    const aiT = tf.tensor2d(leftOperandT(aug[i]!, P, C), [W, P]); // [C+2, P]
    try {
      for (let j0 = i + 1; j0 < N; j0 += block) {
        const m = Math.min(block, N - j0);
        const rows = new Float32Array(m * P * W); // fresh: the cpu backend keeps the array it is given
        for (let b = 0; b < m; b++) rows.set(aug[j0 + b]!, b * P * W);
        const [forI, forJ] = tf.tidy(() => {
          const bj = tf.tensor2d(rows, [m * P, W]); // [m*P, C+2]
          // the runtime's own GEMM where one is plugged in (multi-threaded on wasm), else tfjs'
          const d2 = tf.reshape(providedMatMul(bj, aiT) ?? tf.matMul(bj, aiT), [m, P, P]); // [m, P, P]: (image j, q of j, p of i)
          return [tf.min(d2, 1), tf.min(d2, 2)]; // [m, P]: i's p against each j; [m, P]: each j's q against i
        });
        try {
          const [fi, fj] = (await Promise.all([forI.data(), forJ.data()])) as [Float32Array, Float32Array];
          minSq[i]!.set(fi, j0 * P);
          for (let b = 0; b < m; b++) minSq[j0 + b]!.set(fj.subarray(b * P, (b + 1) * P), i * P);
        } finally {
          forI.dispose();
          forJ.dispose();
        }
        done += m;
        opts.onProgress?.(done, total);
      }
    } finally {
      aiT.dispose();
    }
  }
  return intervalAverage(minSq, N, P, kMin, kMax);
}

/** a_i(p): the mean of ranks kMin .. kMax - 1 of sqrt(minSq) over the N - 1 other images. */
export function intervalAverage(minSq: readonly Float32Array[], N: number, P: number, kMin: number, kMax: number): Float32Array {
  const out = new Float32Array(N * P);
  const vals = new Float32Array(N - 1);
  for (let i = 0; i < N; i++) {
    const row = minSq[i]!;
    for (let p = 0; p < P; p++) {
      let k = 0;
      for (let j = 0; j < N; j++) if (j !== i) vals[k++] = Math.sqrt(Math.max(0, row[j * P + p]!));
      vals.sort();
      let s = 0;
      for (let r = kMin; r < kMax; r++) s += vals[r]!;
      out[i * P + p] = s / (kMax - kMin);
    }
  }
  return out;
}
