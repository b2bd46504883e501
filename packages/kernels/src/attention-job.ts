/*
 * Multi-head self-attention on the GEMM engine's threads (the units: attention-run.ts):
 *
 *   out [B*N, W] = [O_1 | ... | O_H],  O_h = softmax((q_h + b_q) s (k_h + b_k)ᵀ) (v_h + b_v)
 *
 * for qkv [B*N, 3W] = [q | k | v] (the unbiased in-projection, bias [3W] added here) and
 * s = 1 / sqrt(d) unless given. `runAttentionJob` works on operands already in the engine's memory
 * (the tfjs provider copies qkv in from tfjs' heap); `attention` copies JS arrays in and out.
 */
import { attentionBufferFloats, attentionDims } from './attention-run';
import type { GemmEngine } from './engine';
import { AT_BIAS, AT_HEADS, AT_KT, AT_MC, AT_N, AT_OUT, AT_Q, AT_S, AT_S_BYTES, AT_SCALE, AT_V, AT_W, AT_X, KIND_ATTN, KIND_ATTN_PREP } from './layout';

export interface AttentionShape {
  batch: number;
  tokens: number;
  heads: number;
  /** W: qkv is [batch * tokens, 3W], the output [batch * tokens, W] */
  width: number;
  /** The logits' scale (default 1 / sqrt(W / heads)). */
  scale?: number;
}

/** One attention on operands in the engine's memory (byte offsets). */
export interface AttentionJob extends AttentionShape {
  x: number;
  /** [3W] or 0 */
  bias: number;
  out: number;
  /** A work area of `attentionWorkBytes` bytes. */
  work: number;
}

/** Query rows per unit: a thread's scores block is MC x N (264 KiB at 518 px). */
const MC = 48;
const round = (x: number): number => Math.ceil(x / 64) * 64;

function layout(engine: GemmEngine, s: AttentionShape): { q: number; kT: number; v: number; sBytes: number; total: number } {
  const g = attentionDims(s.tokens, s.width, s.heads, engine.shape.nr);
  const f = attentionBufferFloats(g);
  const bh = s.batch * s.heads;
  const q = round(bh * f.q * 4);
  const kT = round(bh * f.kT * 4);
  const v = round(bh * f.v * 4);
  const sBytes = round(MC * g.Np * 4);
  return { q, kT, v, sBytes, total: q + kT + v + sBytes * engine.threads };
}

/** Checks the shape; the error names it. */
export function checkAttentionShape(s: AttentionShape, what = 'attention'): void {
  for (const [name, v] of [['batch', s.batch], ['tokens', s.tokens], ['heads', s.heads], ['width', s.width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: ${name} must be a positive whole number, got ${String(v)}`);
  }
  if (s.width % s.heads !== 0) throw new Error(`${what}: width ${s.width} is not divisible by ${s.heads} heads`);
}

/** Bytes of the work area of an attention of this shape (per-head q, kᵀ, v; a scores block per thread). */
export function attentionWorkBytes(engine: GemmEngine, s: AttentionShape): number {
  return layout(engine, s).total;
}

/** Runs the two phases of the attention `job` on every thread of `engine`. */
export function runAttentionJob(engine: GemmEngine, job: AttentionJob): void {
  checkAttentionShape(job);
  const l = layout(engine, job);
  const scale = job.scale ?? 1 / Math.sqrt(job.width / job.heads);
  const scaleBits = new Int32Array(new Float32Array([scale]).buffer)[0]!;
  const write = (c: Int32Array): void => {
    c[AT_X] = job.x;
    c[AT_BIAS] = job.bias;
    c[AT_N] = job.tokens;
    c[AT_W] = job.width;
    c[AT_HEADS] = job.heads;
    c[AT_SCALE] = scaleBits;
    c[AT_Q] = job.work;
    c[AT_KT] = job.work + l.q;
    c[AT_V] = job.work + l.q + l.kT;
    c[AT_S] = job.work + l.q + l.kT + l.v;
    c[AT_S_BYTES] = l.sBytes;
    c[AT_MC] = MC;
    c[AT_OUT] = job.out;
  };
  const what = `attention over [${job.batch} x ${job.tokens}] tokens, ${job.heads} heads of width ${job.width}`;
  const bh = job.batch * job.heads;
  engine.execute(KIND_ATTN_PREP, bh, write, what);
  engine.execute(KIND_ATTN, bh * Math.ceil(job.tokens / MC), write, what);
}

/**
 * The attention of qkv [batch * tokens, 3W] (+ bias [3W]) for JS arrays: copies them into the
 * engine's memory, runs, and returns the heads' outputs side by side, [batch * tokens, W].
 */
export function attention(engine: GemmEngine, qkv: Float32Array, bias: Float32Array | null, s: AttentionShape): Float32Array {
  checkAttentionShape(s);
  const rows = s.batch * s.tokens;
  const what = `attention over qkv [${rows} x ${3 * s.width}]`;
  if (qkv.length < rows * 3 * s.width) throw new Error(`${what}: qkv holds ${qkv.length} floats`);
  if (bias && bias.length < 3 * s.width) throw new Error(`${what}: the bias holds ${bias.length} floats, not ${3 * s.width}`);
  const xBytes = round(rows * 3 * s.width * 4);
  const bBytes = round(3 * s.width * 4);
  const oBytes = round(rows * s.width * 4);
  const base = engine.scratch(xBytes + bBytes + oBytes + attentionWorkBytes(engine, s), what);
  const f = engine.f32();
  f.set(qkv.subarray(0, rows * 3 * s.width), base / 4);
  if (bias) f.set(bias.subarray(0, 3 * s.width), (base + xBytes) / 4);
  const out = base + xBytes + bBytes;
  runAttentionJob(engine, { ...s, x: base, bias: bias ? base + xBytes : 0, out, work: out + oBytes });
  return engine.f32().slice(out / 4, out / 4 + rows * s.width);
}
