// RsCIN (MuSc, Li et al., ICLR 2024, Sec. 3.4): re-scoring with constrained image-level neighbourhood.
//
//   s = (c - min c) / (max c - min c)            c: each image's maximum map score (score.max)
//   W = F F^T                                      F: [N, E] L2-normalised class tokens (image embeddings)
//   W_k = W with all but the k largest entries of each row set to 0
//   P_k = D_k^-1 W_k,   D_k = diag(row sums of W_k)
//   score = 1/|K| sum_{k in K} P_k s               K = k_list: (1, 2, 3) MVTec AD, (1, 8, 9) VisA
//
// Official module: models/modules/_RsCIN.py of xrli-U/MuSc (MMO); a k_list holding 0 returns the
// scores unchanged, as there. Computed on the host in float64: N is one class's test set (at
// most a few hundred), so W is small.

/** k_list of the official code per dataset (models/musc.py). */
export const RSCIN_K_LIST = { mvtec: [1, 2, 3], visa: [1, 8, 9] } as const;

/**
 * Re-scores `scores` [N] with the class tokens `classTokens` [N * E] (row-major, unit rows).
 * A k larger than N keeps the whole row (the official code would fail). Equal scores (max = min)
 * normalise to 0.
 */
export function rscin(scores: ArrayLike<number>, classTokens: ArrayLike<number>, embedDim: number, kList: readonly number[] = RSCIN_K_LIST.mvtec): Float64Array {
  const N = scores.length;
  if (classTokens.length !== N * embedDim) throw new Error(`MuSc: RsCIN needs one class token of width ${embedDim} per image: got ${classTokens.length} values for ${N} images`);
  for (const k of kList) if (!Number.isInteger(k) || k < 0) throw new Error(`MuSc: k_list entries must be whole numbers >= 0, got ${String(k)}`);
  if (kList.length === 0 || kList.includes(0)) return Float64Array.from(scores);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < N; i++) {
    lo = Math.min(lo, scores[i]!);
    hi = Math.max(hi, scores[i]!);
  }
  // the official code casts the normalised scores and W to float32
  const s = Float64Array.from({ length: N }, (_, i) => Math.fround(hi > lo ? (scores[i]! - lo) / (hi - lo) : 0));
  const W = new Float64Array(N * N); // [N, N]
  for (let i = 0; i < N; i++) {
    for (let j = i; j < N; j++) {
      let d = 0;
      for (let e = 0; e < embedDim; e++) d += classTokens[i * embedDim + e]! * classTokens[j * embedDim + e]!;
      W[i * N + j] = W[j * N + i] = Math.fround(d);
    }
  }
  const out = new Float64Array(N);
  const order = new Array<number>(N);
  for (let i = 0; i < N; i++) {
    const row = W.subarray(i * N, (i + 1) * N);
    for (let j = 0; j < N; j++) order[j] = j;
    order.sort((a, b) => row[b]! - row[a]! || a - b); // largest first
    for (const k of kList) {
      const keep = Math.min(k, N);
      let sum = 0;
      let dot = 0;
      for (let t = 0; t < keep; t++) {
        const j = order[t]!;
        sum += row[j]!;
        dot += row[j]! * s[j]!;
      }
      out[i]! += dot / sum / kList.length;
    }
  }
  return out;
}
