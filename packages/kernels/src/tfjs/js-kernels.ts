/*
 * Plain JS bodies of the fused kernels over Float32Arrays with element offsets: the cpu
 * backend's kernels (on its own arrays) and the wasm backend's fallback (on HEAPF32) where its
 * SIMD module cannot run. Arithmetic follows the composite's order, with float32 rounding
 * (Math.fround) where the composite stores a float32 intermediate.
 */
import type { HeadSliceAttrs } from '@aaclip/core';

const fr = Math.fround;

/** A Float32Array and an element offset into it. */
export type At = readonly [Float32Array, number];

/** out[r, :] = ((x[r, :] - mean) * rsqrt(var + eps)) * gamma + beta, rows of `cols` values. */
export function layerNormJs([hx, x]: At, [hg, gamma]: At, [hb, beta]: At, [ho, out]: At, rows: number, cols: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + r * cols;
    const or = out + r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += hx[xr + c]!;
    const mean = fr(s / cols);
    let v = 0;
    for (let c = 0; c < cols; c++) {
      const d = fr(hx[xr + c]! - mean);
      v += d * d;
    }
    const inv = fr(1 / Math.sqrt(fr(fr(v / cols) + eps)));
    for (let c = 0; c < cols; c++) {
      ho[or + c] = fr(fr(fr(hx[xr + c]! - mean) * inv) * hg[gamma + c]!) + hb[beta + c]!;
    }
  }
}

// Abramowitz & Stegun 7.1.26, as tfjs' cpu and WebGPU Erf kernels compute it.
const ERF_P = 0.3275911;
const ERF_A1 = 0.254829592;
const ERF_A2 = -0.284496736;
const ERF_A3 = 1.421413741;
const ERF_A4 = -1.453152027;
const ERF_A5 = 1.061405429;

function erfAS(v: number): number {
  const z = Math.abs(v);
  const t = 1 / (1 + ERF_P * z);
  const e = 1 - ((((ERF_A5 * t + ERF_A4) * t + ERF_A3) * t + ERF_A2) * t + ERF_A1) * t * Math.exp(-z * z);
  return v < 0 ? -e : e;
}

const SQRT1_2 = fr(Math.SQRT1_2);
const QG = fr(1.702);

/** GELU or QuickGELU of x[i] (+ bias[i % cols] where a bias is given); n values. */
export function activationJs(kind: 'gelu' | 'quick_gelu', [hx, x]: At, bias: At | null, [ho, out]: At, n: number, cols: number): void {
  for (let i = 0; i < n; i++) {
    const u = bias ? fr(hx[x + i]! + bias[0][bias[1] + (i % cols)]!) : hx[x + i]!;
    if (kind === 'gelu') ho[out + i] = fr(u * 0.5) * fr(fr(erfAS(fr(u * SQRT1_2))) + 1);
    else ho[out + i] = u * fr(1 / (1 + Math.exp(-fr(u * QG))));
  }
}

/** The HEAD_SLICE block of x ([R, width] at its offset) plus bias (its offset is of bias[0]) into out. */
export function headSliceJs([hx, x]: At, width: number, bias: At | null, [ho, out]: At, a: HeadSliceAttrs): void {
  const { row, rows, col, cols, scale, transpose } = a;
  const s = fr(scale);
  for (let r = 0; r < rows; r++) {
    const src = x + (row + r) * width + col;
    for (let c = 0; c < cols; c++) {
      let v = hx[src + c]!;
      if (bias) v = fr(v + bias[0][bias[1] + col + c]!);
      if (s !== 1) v = fr(v * s);
      ho[out + (transpose ? c * rows + r : r * cols + c)] = v;
    }
  }
}
