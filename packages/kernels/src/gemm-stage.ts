/*
 * Staging a product of JS arrays in the engine's memory (GemmEngine.gemm / gemmAsync): A copied
 * in (transposed on the way where it is given as [k, m]), B packed unless it is already, the
 * bias copied; returns the job, its operands in the engine's scratch block.
 */
import type { KernelShape } from './gemm-module';
import type { GemmJob, PackedMatrix } from './gemm-types';

/** What staging needs of the engine (structural: engine.ts imports this file). */
interface StagingEngine {
  readonly shape: KernelShape;
  scratch(bytes: number, what: string): number;
  f32(): Float32Array;
  pack(src: Float32Array, k: number, n: number, opts: { transposed?: boolean; into?: number }): PackedMatrix;
}
import { packedFloats, transposeInto } from './pack';

export function stageGemm(eng: StagingEngine, a: Float32Array, b: Float32Array | PackedMatrix, m: number, k: number, n: number, opts: { transposeA?: boolean; transposeB?: boolean; bias?: Float32Array }): GemmJob {
  const what = `the product [${m} x ${k}] x [${k} x ${n}]`;
  for (const [name, v] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`GEMM engine: ${what}: ${name} must be a positive whole number`);
  }
  if (a.length < m * k) throw new Error(`GEMM engine: ${what}: A holds ${a.length} floats, fewer than ${m} x ${k}`);
  const packed = !(b instanceof Float32Array);
  if (packed && (b.k !== k || b.n !== n)) throw new Error(`GEMM engine: ${what}: the packed B is [${b.k} x ${b.n}]`);
  if (!packed && b.length < k * n) throw new Error(`GEMM engine: ${what}: B holds ${b.length} floats, fewer than ${k} x ${n}`);
  if (opts.bias && opts.bias.length < n) throw new Error(`GEMM engine: ${what}: the bias holds ${opts.bias.length} floats, fewer than ${n}`);
  const nr = eng.shape.nr;
  const nPad = Math.ceil(n / nr) * nr;
  const aBytes = m * k * 4;
  const bBytes = packed ? 0 : packedFloats(k, n, nr) * 4;
  const cBytes = m * n * 4;
  const biasBytes = opts.bias ? nPad * 4 : 0;
  const round = (x: number): number => Math.ceil(x / 64) * 64;
  let base: number;
  try {
    base = eng.scratch(round(aBytes) + round(bBytes) + round(cBytes) + round(biasBytes), what);
  } catch (err) {
    throw new Error(`GEMM engine: ${what} does not fit: ${(err as Error).message}`);
  }
  const aAt = base;
  const bAt = aAt + round(aBytes);
  const cAt = bAt + round(bBytes);
  const biasAt = cAt + round(cBytes);
  const f = eng.f32();
  if (opts.transposeA) transposeInto(a, 0, m, k, m, f, aAt / 4);
  else f.set(a.subarray(0, m * k), aAt / 4);
  const bp = packed ? b : eng.pack(b, k, n, { transposed: !!opts.transposeB, into: bAt });
  if (opts.bias) f.set(opts.bias.subarray(0, n), biasAt / 4);
  return { m, n, k, a: aAt, lda: k * 4, b: bp, c: cAt, ldc: n * 4, bias: opts.bias ? biasAt : 0 };
}
