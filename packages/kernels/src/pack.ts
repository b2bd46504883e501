/*
 * Packing B for the micro-kernels: column panels of NR columns, each panel k rows of NR
 * contiguous floats (the last panel zero-padded). A transposed source ([n, k] row-major, as
 * X^T dY or dY W^T want it) is read column-wise, so no transpose is ever materialised.
 */

/** Floats of a packed [k, n] operand. */
export function packedFloats(k: number, n: number, nr: number): number {
  return Math.ceil(n / nr) * k * nr;
}

/**
 * Packs B [k, n] from `src` (offset `s0`, `ld` floats between rows; with `transposed`, src holds
 * B^T [n, k]: `ld` floats between its rows) into `dst` at `d0` (floats).
 */
export function packB(src: Float32Array, s0: number, ld: number, k: number, n: number, transposed: boolean, dst: Float32Array, d0: number, nr: number): void {
  const panels = Math.ceil(n / nr);
  let d = d0;
  for (let p = 0; p < panels; p++) {
    const c0 = p * nr;
    const w = Math.min(nr, n - c0);
    if (!transposed) {
      for (let kk = 0; kk < k; kk++) {
        const row = s0 + kk * ld + c0;
        for (let j = 0; j < w; j++) dst[d + j] = src[row + j]!;
        for (let j = w; j < nr; j++) dst[d + j] = 0;
        d += nr;
      }
    } else {
      // B[kk, c0 + j] = src[(c0 + j) * ld + kk]: walk the w source rows side by side
      for (let j = 0; j < nr; j++) {
        if (j >= w) {
          for (let kk = 0; kk < k; kk++) dst[d + kk * nr + j] = 0;
          continue;
        }
        const row = s0 + (c0 + j) * ld;
        for (let kk = 0; kk < k; kk++) dst[d + kk * nr + j] = src[row + kk]!;
      }
      d += k * nr;
    }
  }
}

/** Writes A^T: `src` holds [k, m] (`ld` floats between rows) at `s0`; `dst` gets [m, k] row-major at `d0`. */
export function transposeInto(src: Float32Array, s0: number, ld: number, k: number, m: number, dst: Float32Array, d0: number): void {
  const T = 32; // cache tiles
  for (let i0 = 0; i0 < m; i0 += T) {
    const i1 = Math.min(m, i0 + T);
    for (let k0 = 0; k0 < k; k0 += T) {
      const k1 = Math.min(k, k0 + T);
      for (let kk = k0; kk < k1; kk++) {
        const srow = s0 + kk * ld;
        for (let i = i0; i < i1; i++) dst[d0 + i * k + kk] = src[srow + i]!;
      }
    }
  }
}
