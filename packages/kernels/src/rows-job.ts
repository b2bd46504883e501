/*
 * Row-wise work on the GEMM engine's threads (units: rows-run.ts): LayerNorm over the rows of
 * x [rows, cols], or GELU / QuickGELU of x (+ bias over the last axis). `runRowsJob` works on
 * operands in the engine's memory; `rowOp` copies JS arrays in and out.
 *
 * Measured on ViT-L-14 blocks (bench/block-profile.mjs, 2026-12-07): LayerNorm 1.0 ms and QuickGELU
 * 3.6 ms of a 318 ms block at 336 px, 1.8 and 19.8 ms of 1680 ms at 518 px (1.3-1.4 %), so
 * the model's tfjs kernels keep their in-place single-thread calls (tfjs/wasm-kernels.ts): a
 * threaded call would copy x in and out of tfjs' heap for at most 0.7 % of the forward.
 */
import type { GemmEngine } from './engine';
import { KIND_ROWS, RW_BETA, RW_BIAS, RW_CHUNK, RW_COLS, RW_EPS, RW_GAMMA, RW_OP, RW_OUT, RW_ROWS, RW_X } from './layout';
import { ROW_OPS, type RowOp } from './rows-run';

export type { RowOp } from './rows-run';

/** A row-wise job on operands in the engine's memory (byte offsets; 0 for none). */
export interface RowsJob {
  op: RowOp;
  x: number;
  out: number;
  rows: number;
  /** a multiple of 4 */
  cols: number;
  gamma?: number;
  beta?: number;
  eps?: number;
  bias?: number;
}

/** Rows per unit: ~64 KiB of x each. */
const chunkRows = (cols: number): number => Math.max(1, Math.floor(16384 / cols));

export function runRowsJob(engine: GemmEngine, job: RowsJob): void {
  const what = `${job.op} over [${job.rows} x ${job.cols}]`;
  if (!ROW_OPS.includes(job.op)) throw new Error(`rows job: unknown op '${String(job.op)}' (known: ${ROW_OPS.join(', ')})`);
  if (!Number.isInteger(job.rows) || job.rows < 1 || !Number.isInteger(job.cols) || job.cols < 4 || job.cols % 4) throw new Error(`${what}: rows must be positive and cols a positive multiple of 4`);
  if (job.op === 'layer_norm' && (!job.gamma || !job.beta)) throw new Error(`${what}: LayerNorm needs gamma and beta`);
  const chunk = chunkRows(job.cols);
  const eps = new Int32Array(new Float32Array([job.eps ?? 1e-5]).buffer)[0]!;
  engine.execute(KIND_ROWS, Math.ceil(job.rows / chunk), (c) => {
    c[RW_OP] = ROW_OPS.indexOf(job.op);
    c[RW_X] = job.x;
    c[RW_OUT] = job.out;
    c[RW_ROWS] = job.rows;
    c[RW_COLS] = job.cols;
    c[RW_GAMMA] = job.gamma ?? 0;
    c[RW_BETA] = job.beta ?? 0;
    c[RW_EPS] = eps;
    c[RW_BIAS] = job.bias ?? 0;
    c[RW_CHUNK] = chunk;
  }, what);
}

/**
 * `op` of x [rows, cols] for JS arrays on every thread: LayerNorm (`gamma`, `beta`, `eps`), or
 * GELU / QuickGELU of x + bias (`bias` optional). Returns a new array.
 */
export function rowOp(engine: GemmEngine, op: RowOp, x: Float32Array, rows: number, cols: number, p: { gamma?: Float32Array; beta?: Float32Array; eps?: number; bias?: Float32Array } = {}): Float32Array {
  const n = rows * cols;
  if (x.length < n) throw new Error(`${op} over [${rows} x ${cols}]: x holds ${x.length} floats`);
  for (const [name, v] of [['gamma', p.gamma], ['beta', p.beta], ['bias', p.bias]] as const) {
    if (v && v.length < cols) throw new Error(`${op} over [${rows} x ${cols}]: ${name} holds ${v.length} floats, not ${cols}`);
  }
  const round = (b: number): number => Math.ceil(b / 64) * 64;
  const vec = round(cols * 4);
  const base = engine.scratch(2 * round(n * 4) + 3 * vec, `${op} over [${rows} x ${cols}]`);
  const f = engine.f32();
  const at = { x: base, out: base + round(n * 4), gamma: base + 2 * round(n * 4), beta: base + 2 * round(n * 4) + vec, bias: base + 2 * round(n * 4) + 2 * vec };
  f.set(x.subarray(0, n), at.x / 4);
  if (p.gamma) f.set(p.gamma.subarray(0, cols), at.gamma / 4);
  if (p.beta) f.set(p.beta.subarray(0, cols), at.beta / 4);
  if (p.bias) f.set(p.bias.subarray(0, cols), at.bias / 4);
  runRowsJob(engine, { op, x: at.x, out: at.out, rows, cols, gamma: p.gamma ? at.gamma : 0, beta: p.beta ? at.beta : 0, eps: p.eps, bias: p.bias ? at.bias : 0 });
  return engine.f32().slice(at.out / 4, at.out / 4 + n);
}
