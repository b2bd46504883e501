/*
 * The units of a row-wise job (rows-job.ts): blocks of whole rows, each run by one thread
 * through the fused kernels' WebAssembly SIMD functions (tfjs/wasm-simd.ts) instantiated on the
 * engine's memory:
 *   layer_norm: out[r] = (x[r] - mean_r) / sqrt(var_r + eps) * gamma + beta
 *   gelu / quick_gelu: out[r] = act(x[r] + bias)
 * A row (LayerNorm's reduction) is never split, and each element's value depends only on its
 * row: results are bitwise identical for any thread count.
 */
import type { UnitRunner } from './gemm-run';
import { J_UNITS, NEXT, RW_BETA, RW_BIAS, RW_CHUNK, RW_COLS, RW_EPS, RW_GAMMA, RW_OP, RW_OUT, RW_ROWS, RW_X } from './layout';

export const ROW_OPS = ['layer_norm', 'gelu', 'quick_gelu'] as const;
export type RowOp = (typeof ROW_OPS)[number];

export function runRows(ctl: Int32Array, r: UnitRunner): void {
  const fused = r.fused!;
  const op = ROW_OPS[ctl[RW_OP]!]!;
  const x = ctl[RW_X]! >>> 0, out = ctl[RW_OUT]! >>> 0;
  const rows = ctl[RW_ROWS]!, cols = ctl[RW_COLS]!, chunk = ctl[RW_CHUNK]!;
  const bias = ctl[RW_BIAS]! >>> 0;
  const eps = new Float32Array(new Int32Array([ctl[RW_EPS]!]).buffer)[0]!;
  const units = ctl[J_UNITS]!;
  for (;;) {
    const u = Atomics.add(ctl, NEXT, 1);
    if (u >= units) return;
    const r0 = u * chunk;
    const n = Math.min(chunk, rows - r0);
    const [xr, or] = [x + r0 * cols * 4, out + r0 * cols * 4];
    if (op === 'layer_norm') fused.layer_norm(xr, ctl[RW_GAMMA]! >>> 0, ctl[RW_BETA]! >>> 0, or, n, cols, eps);
    else if (bias) fused[op](xr, bias, or, n, cols);
    else fused[`${op}_nb`](xr, or, n * cols);
  }
}
