// The engine's operands: a packed B and one product's job (byte offsets into its memory).

/** B [k, n] packed for the micro-kernels in the engine's memory. */
export interface PackedMatrix {
  readonly offset: number;
  readonly k: number;
  readonly n: number;
  readonly bytes: number;
}

/** One product on operands already in the engine's memory (byte offsets and strides). */
export interface GemmJob {
  m: number;
  n: number;
  k: number;
  a: number;
  lda: number;
  b: PackedMatrix;
  c: number;
  ldc: number;
  /** Offset of n floats (readable up to the next multiple of nr), or 0. */
  bias?: number;
}
