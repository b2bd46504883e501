/** Names of the fused kernels in tfjs' kernel registry (the runtimes register them: `@aaclip/kernels/tfjs`). */
export const LAYER_NORM = 'AAClipLayerNorm';
export const GELU = 'AAClipGelu';
export const QUICK_GELU = 'AAClipQuickGelu';
export const HEAD_SLICE = 'AAClipHeadSlice';

export const FUSED_KERNEL_NAMES = [LAYER_NORM, GELU, QUICK_GELU, HEAD_SLICE] as const;
export type FusedKernelName = (typeof FUSED_KERNEL_NAMES)[number];

/** Attributes of {@link LAYER_NORM}: inputs { x, gamma, beta }, normalised over the last axis. */
export interface LayerNormAttrs {
  eps: number;
}

/**
 * Attributes of {@link HEAD_SLICE}: inputs { x: [R, C], bias?: [C] }; the output is
 * `(x[row : row + rows, col : col + cols] + bias[col : col + cols]) * scale`, [rows, cols], or
 * its transpose [cols, rows] when `transpose`.
 */
export interface HeadSliceAttrs {
  row: number;
  rows: number;
  col: number;
  cols: number;
  scale: number;
  transpose: boolean;
}
