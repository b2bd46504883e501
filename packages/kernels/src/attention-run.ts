/*
 * Multi-head self-attention as two threaded jobs of the GEMM engine, for one stacked projection
 * qkv [B*N, 3W] (+ bias [3W]) already in the engine's memory:
 *
 *   O_h = softmax(q_h k_hᵀ s) v_h,   q_h = (qkv[:, h d : (h+1) d] + b) s, k_h, v_h likewise (no s)
 *
 * 1. prep, one unit per (image, head): q_h scaled into [N, d]; k_hᵀ and v_h packed as the B
 *    operands of the two products (panels of NR columns, zero-padded), the bias added on the way.
 * 2. attention, one unit per (image, head, block of MC query rows): the block's scores
 *    S = q_h k_hᵀ [rows, N] in this thread's scratch, softmax over each row (rows-module.ts),
 *    O = S v_h written straight into the heads' output [B*N, W] at column h d.
 *
 * The [N, N] scores never leave the engine's memory (the per-head path copied them out to tfjs
 * and back: 2 x 7.5 MB per head at 518 px), and every unit runs on any thread. A row's scores,
 * softmax and output are computed whole by one thread, in one fixed order: results are bitwise
 * identical for any thread count.
 */
import { f32, panelProduct, type UnitRunner } from './gemm-run';
import { AT_BIAS, AT_HEADS, AT_KT, AT_MC, AT_N, AT_OUT, AT_Q, AT_S, AT_S_BYTES, AT_SCALE, AT_V, AT_W, AT_X, J_UNITS, NEXT, ZERO } from './layout';

/** A value below any score: pad columns of S, whose softmax comes out ~0 (exp clamps at -87). */
const PAD_SCORE = -3e38;

interface Dims {
  N: number;
  W: number;
  H: number;
  d: number;
  /** N rounded up to NR (columns of S, width of a packed kᵀ) */
  Np: number;
  /** d rounded up to NR (width of a packed v) */
  dp: number;
}

export function attentionDims(tokens: number, width: number, heads: number, nr: number): Dims {
  const d = width / heads;
  return { N: tokens, W: width, H: heads, d, Np: Math.ceil(tokens / nr) * nr, dp: Math.ceil(d / nr) * nr };
}

/** Floats of the per-(image, head) buffers: q [N, d], packed kᵀ [d, Np], packed v [N, dp]. */
export function attentionBufferFloats(g: Dims): { q: number; kT: number; v: number } {
  return { q: g.N * g.d, kT: g.Np * g.d, v: g.N * g.dp };
}

function dims(ctl: Int32Array, nr: number): Dims {
  return attentionDims(ctl[AT_N]!, ctl[AT_W]!, ctl[AT_HEADS]!, nr);
}

const fround = Math.fround;

/** Phase 1: units (image, head) until none is left. */
export function runAttentionPrep(ctl: Int32Array, r: UnitRunner): void {
  const nr = r.nr;
  const g = dims(ctl, nr);
  const { N, W, H, d } = g;
  const sizes = attentionBufferFloats(g);
  const x = ctl[AT_X]! >>> 2;
  const bias = ctl[AT_BIAS]! >>> 2;
  const scale = new Float32Array(new Int32Array([ctl[AT_SCALE]!]).buffer)[0]!;
  const ld = 3 * W;
  const units = ctl[J_UNITS]!;
  for (;;) {
    const u = Atomics.add(ctl, NEXT, 1);
    if (u >= units) return;
    const i = Math.floor(u / H);
    const h = u - i * H;
    const v = f32(r.memory);
    const x0 = x + i * N * ld;
    const [qc, kc, vc] = [h * d, W + h * d, 2 * W + h * d];
    // the bias of column c is v[bias + c]; without one, every column reads the control block's ZERO
    const bq = bias ? bias + qc : ZERO;
    const bk = bias ? bias + kc : ZERO;
    const bv = bias ? bias + vc : ZERO;
    const step = bias ? 1 : 0;
    // q [N, d] = (x + b) s, rounded as float32 at each step (the fused head slice's order)
    const q0 = (ctl[AT_Q]! >>> 2) + u * sizes.q;
    for (let t = 0; t < N; t++) {
      const row = x0 + t * ld + qc;
      const dst = q0 + t * d;
      for (let j = 0; j < d; j++) v[dst + j] = fround(fround(v[row + j]! + v[bq + j * step]!) * scale);
    }
    // kᵀ as B [d, N]: panel p holds tokens p nr .. p nr + nr, d rows of nr floats
    const k0 = (ctl[AT_KT]! >>> 2) + u * sizes.kT;
    for (let p = 0; p < g.Np / nr; p++) {
      const panel = k0 + p * d * nr;
      for (let j = 0; j < nr; j++) {
        const t = p * nr + j;
        if (t >= N) {
          for (let kk = 0; kk < d; kk++) v[panel + kk * nr + j] = 0;
          continue;
        }
        const row = x0 + t * ld + kc;
        for (let kk = 0; kk < d; kk++) v[panel + kk * nr + j] = v[row + kk]! + v[bk + kk * step]!;
      }
    }
    // v as B [N, d]: panel p holds columns p nr .. p nr + nr, N rows of nr floats
    const v0 = (ctl[AT_V]! >>> 2) + u * sizes.v;
    for (let p = 0; p < g.dp / nr; p++) {
      const panel = v0 + p * N * nr;
      const c0 = p * nr;
      const w = Math.min(nr, d - c0);
      for (let t = 0; t < N; t++) {
        const row = x0 + t * ld + vc + c0;
        const dst = panel + t * nr;
        for (let j = 0; j < w; j++) v[dst + j] = v[row + j]! + v[bv + (c0 + j) * step]!;
        for (let j = w; j < nr; j++) v[dst + j] = 0;
      }
    }
  }
}

/** Phase 2: units (image, head, block of MC query rows) until none is left. */
export function runAttention(ctl: Int32Array, r: UnitRunner): void {
  const nr = r.nr;
  const g = dims(ctl, nr);
  const { N, W, H, d, Np } = g;
  const sizes = attentionBufferFloats(g);
  const mc = ctl[AT_MC]!;
  const blocks = Math.ceil(N / mc);
  const units = ctl[J_UNITS]!;
  const s = (ctl[AT_S]! >>> 0) + r.thread * ctl[AT_S_BYTES]!;
  const softmax = r.rows!.softmax;
  for (;;) {
    const u = Atomics.add(ctl, NEXT, 1);
    if (u >= units) return;
    const ih = Math.floor(u / blocks);
    const r0 = (u - ih * blocks) * mc;
    const rows = Math.min(mc, N - r0);
    const i = Math.floor(ih / H);
    const h = ih - i * H;
    // S [rows, Np] = q [r0 .. r0 + rows, d] x kᵀ [d, Np]
    const q = (ctl[AT_Q]! >>> 0) + (ih * sizes.q + r0 * d) * 4;
    const kT = (ctl[AT_KT]! >>> 0) + ih * sizes.kT * 4;
    panelProduct(r, q, d * 4, kT, d, 0, d, 0, Np / nr, Np, s, Np * 4, rows, 0, 0);
    if (Np > N) {
      const v = f32(r.memory);
      for (let rr = 0; rr < rows; rr++) v.fill(PAD_SCORE, s / 4 + rr * Np + N, s / 4 + (rr + 1) * Np);
    }
    softmax(s, Np * 4, rows, Np);
    // O [rows, d] = P [rows, N] x v [N, d], into the output at (image i, row r0, column h d)
    const vp = (ctl[AT_V]! >>> 0) + ih * sizes.v * 4;
    const out = (ctl[AT_OUT]! >>> 0) + ((i * N + r0) * W + h * d) * 4;
    panelProduct(r, s, Np * 4, vp, N, 0, N, 0, g.dp / nr, d, out, W * 4, rows, 0, 0);
  }
}
