/*
 * The work of one GEMM job, shared by the calling thread and the workers. C [m, n] is cut into
 * units of MC rows x NCP column panels (NR columns each); each thread takes the next unit from
 * an atomic counter until none is left, and runs the whole reduction of its unit: for each k
 * block (KC), each panel, each MR-row tile, one micro-kernel call. The reduction is never
 * split, so every element of C is summed in the same order whichever thread computes it and
 * however many there are: results are bitwise identical for any thread count.
 *
 * The last panel of a C whose width is not a multiple of NR goes through this thread's
 * scratch tile (the micro-kernels always write NR columns).
 */
import type { MicroKernel } from './gemm-module';
import type { RowKernels } from './rows-module';
import type { FusedWasmExports } from './tfjs/wasm-simd';
import { J_A, J_B, J_BIAS, J_C, J_K, J_KC, J_LDA, J_LDC, J_M, J_MC, J_N, J_NCP, J_UNITS, NEXT, SCRATCH_BYTES } from './layout';

/** What a thread needs to run units: its micro-kernels (k1..kMR) and the memory they work on. */
export interface UnitRunner {
  readonly kernels: readonly MicroKernel[];
  readonly nr: number;
  readonly memory: { readonly buffer: ArrayBufferLike };
  /** 0 for the calling thread, 1.. for the workers (its scratch tile). */
  readonly thread: number;
  /** The row functions (attention's softmax). */
  readonly rows?: RowKernels;
  /** The fused kernels' functions (row-wise jobs). */
  readonly fused?: FusedWasmExports;
}

let view: Float32Array | null = null;
export function f32(memory: { readonly buffer: ArrayBufferLike }): Float32Array {
  if (!view || view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
  return view;
}

/**
 * C [rows, col p0 * nr .. p1 * nr) (+)= A [rows, pc .. pc + kk) x the packed panels p0..p1 of B
 * (each `k` rows high, from row pc): one micro-kernel call per MR-row tile and panel. Pointers and
 * strides in bytes; `mode` as the micro-kernels'. A right edge narrower than NR goes through
 * this thread's scratch tile. Each element is summed in k order whatever the tiling.
 */
export function panelProduct(r: UnitRunner, a: number, lda: number, b: number, k: number, pc: number, kk: number, p0: number, p1: number, n: number, c: number, ldc: number, rows: number, mode: number, bias: number): void {
  const { kernels, nr } = r;
  const mr = kernels.length;
  const scratch = SCRATCH_BYTES + r.thread * mr * nr * 4;
  for (let p = p0; p < p1; p++) {
    const bp = b + (p * k + pc) * nr * 4;
    const col = p * nr;
    const width = Math.min(nr, n - col);
    for (let ir = 0; ir < rows; ir += mr) {
      const tr = Math.min(mr, rows - ir);
      const ap = a + ir * lda + pc * 4;
      const cp = c + ir * ldc + col * 4;
      const kernel = kernels[tr - 1]!;
      if (width === nr) {
        kernel(ap, lda, bp, cp, ldc, kk, mode, bias + col * 4);
        continue;
      }
      // right edge: through the scratch tile (nr columns), then the valid columns back
      const v = f32(r.memory);
      const s = scratch >>> 2;
      if (mode === 1) for (let i = 0; i < tr; i++) for (let j = 0; j < width; j++) v[s + i * nr + j] = v[(cp + i * ldc) / 4 + j]!;
      kernel(ap, lda, bp, scratch, nr * 4, kk, mode, bias + col * 4);
      for (let i = 0; i < tr; i++) for (let j = 0; j < width; j++) v[(cp + i * ldc) / 4 + j] = v[s + i * nr + j]!;
    }
  }
}

/** Units of the job in `ctl` taken from the shared counter until none is left. */
export function runUnits(ctl: Int32Array, r: UnitRunner): void {
  const nr = r.nr;
  const m = ctl[J_M]!, n = ctl[J_N]!, k = ctl[J_K]!;
  const a = ctl[J_A]! >>> 0, lda = ctl[J_LDA]!, b = ctl[J_B]! >>> 0, c = ctl[J_C]! >>> 0, ldc = ctl[J_LDC]!, bias = ctl[J_BIAS]! >>> 0;
  const mc = ctl[J_MC]!, ncp = ctl[J_NCP]!, kc = ctl[J_KC]!, units = ctl[J_UNITS]!;
  const panels = Math.ceil(n / nr);
  const unitsN = Math.ceil(panels / ncp);
  for (;;) {
    const u = Atomics.add(ctl, NEXT, 1);
    if (u >= units) return;
    const ib = Math.floor(u / unitsN);
    const jb = u - ib * unitsN;
    const r0 = ib * mc;
    const rows = Math.min(mc, m - r0);
    const p0 = jb * ncp;
    const p1 = Math.min(panels, p0 + ncp);
    for (let pc = 0; pc < k; pc += kc) {
      const kk = Math.min(kc, k - pc);
      const mode = pc > 0 ? 1 : bias ? 2 : 0;
      panelProduct(r, a + r0 * lda, lda, b, k, pc, kk, p0, p1, n, c + r0 * ldc, ldc, rows, mode, bias);
    }
  }
}
