/*
 * The GEMM module, assembled from bytecode with core's WebAssembly assembler: register-blocked
 * SGEMM micro-kernels over one imported memory (shared between threads where the engine allows).
 *
 * A micro-kernel computes one MR x NR tile of C = A B (+ bias):
 *   k{r}(a, lda, b, c, ldc, kc, mode, bias)   r = 1..MR rows (the last rows of C take r < MR)
 *     a     byte offset of A[row, k0], row-major with `lda` bytes between rows (A is read in place)
 *     b     byte offset of a packed B micro-panel: kc steps of NR contiguous floats
 *     c     byte offset of C[row, col], `ldc` bytes between rows; NR columns are written
 *     mode  0: C = A B; 1: C += A B (the next k block); 2: C = bias + A B (bias: NR floats)
 * Per k step it loads NR / 4 vectors of B and splats one float of each A row
 * (v128.load32_splat), then MR x NR / 4 multiply-adds into v128 accumulators held in locals
 * (registers): relaxed-SIMD f32x4.relaxed_madd where the engine validates it, f32x4.mul +
 * f32x4.add otherwise. The k loop is unrolled `unroll` times with constant load offsets.
 * Each C element is summed in k order, whatever tile or thread computes it: results do not
 * depend on how the output is split.
 *
 * Measured (2-core AMD EPYC, Node 20/24, bench/gemm.mjs): see docs/gemm.md for the shape chosen.
 */
import { I32, V128, Fn, uleb, str as wasmString } from './wasm-assembler';

// opcodes beyond the ones the assembler (wasm-assembler.ts) names (WebAssembly core + SIMD + relaxed SIMD)
const OP = {
  block: 0x02,
  loop: 0x03,
  if_: 0x04,
  else_: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_lt_u: 0x49,
  i32_add: 0x6a,
  i32_sub: 0x6b,
} as const;
const SIMD_PREFIX = 0xfd;
const SIMD = {
  v128_load: 0x00,
  v128_load32_splat: 0x09,
  v128_store: 0x0b,
  v128_const: 0x0c,
  f32x4_add: 0xe4,
  f32x4_mul: 0xe6,
  f32x4_relaxed_madd: 0x105,
} as const;

/** The register blocking of the micro-kernels. */
export interface KernelShape {
  /** Rows of C per tile (A rows splatted per k step). */
  mr: number;
  /** Columns of C per tile, a multiple of 4 (B vectors loaded per k step: nr / 4). */
  nr: number;
  /** k steps per loop iteration. */
  unroll: number;
  /** f32x4.relaxed_madd instead of f32x4.mul + f32x4.add. */
  fma: boolean;
}

const simd = (f: Fn, code: number, ...imm: number[]): Fn => f.op(SIMD_PREFIX, ...uleb(code), ...imm);
/** memarg: alignment exponent 2 (4 bytes: any float offset) and a constant byte offset. */
const mem = (offset: number): number[] => [2, ...uleb(offset)];

function microKernel(rows: number, s: KernelShape): Fn {
  const f = new Fn(`k${rows}`, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, lda, b, c, ldc, kc, mode, bias] = [0, 1, 2, 3, 4, 5, 6, 7];
  const nv = s.nr / 4;
  const aRow = [a, ...Array.from({ length: rows - 1 }, () => f.local(I32))];
  const acc = Array.from({ length: rows }, () => Array.from({ length: nv }, () => f.local(V128)));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);
  const ci = f.local(I32);
  for (let i = 1; i < rows; i++) f.get(aRow[i - 1]!).get(lda).op(OP.i32_add).set(aRow[i]!);

  // accumulators: 0, C (mode 1) or the bias row (mode 2)
  const fill = (from: (i: number, j: number) => void): void => {
    for (let i = 0; i < rows; i++) for (let j = 0; j < nv; j++) {
      from(i, j);
      f.set(acc[i]![j]!);
    }
  };
  f.get(mode).i32(1).op(OP.i32_eq, OP.if_, 0x40);
  f.get(c).set(ci);
  fill((i, j) => {
    if (j === 0 && i > 0) f.get(ci).get(ldc).op(OP.i32_add).set(ci);
    simd(f.get(ci), SIMD.v128_load, ...mem(16 * j));
  });
  f.op(OP.else_);
  f.get(mode).i32(2).op(OP.i32_eq, OP.if_, 0x40);
  fill((_, j) => simd(f.get(bias), SIMD.v128_load, ...mem(16 * j)));
  f.op(OP.else_);
  fill(() => simd(f, SIMD.v128_const, ...new Array(16).fill(0)));
  f.op(OP.end, OP.end);

  const step = (u: number): void => {
    for (let j = 0; j < nv; j++) simd(f.get(b), SIMD.v128_load, ...mem(16 * (j + nv * u))).set(bv[j]!);
    for (let i = 0; i < rows; i++) {
      simd(f.get(aRow[i]!), SIMD.v128_load32_splat, ...mem(4 * u)).set(av);
      for (let j = 0; j < nv; j++) {
        if (s.fma) simd(f.get(av).get(bv[j]!).get(acc[i]![j]!), SIMD.f32x4_relaxed_madd);
        else simd(simd(f.get(acc[i]![j]!).get(av).get(bv[j]!), SIMD.f32x4_mul), SIMD.f32x4_add);
        f.set(acc[i]![j]!);
      }
    }
  };
  const advance = (steps: number): void => {
    for (let i = 0; i < rows; i++) f.inc(aRow[i]!, 4 * steps);
    f.inc(b, 16 * nv * steps);
    f.get(kc).i32(steps).op(OP.i32_sub).set(kc);
  };
  // while (kc >= unroll) { unroll steps }
  f.op(OP.block, 0x40, OP.loop, 0x40);
  f.get(kc).i32(s.unroll).op(OP.i32_lt_u, OP.br_if, 1);
  for (let u = 0; u < s.unroll; u++) step(u);
  advance(s.unroll);
  f.op(OP.br, 0, OP.end, OP.end);
  // while (kc > 0) { one step }
  f.op(OP.block, 0x40, OP.loop, 0x40);
  f.get(kc).op(OP.i32_eqz, OP.br_if, 1);
  step(0);
  advance(1);
  f.op(OP.br, 0, OP.end, OP.end);

  f.get(c).set(ci);
  for (let i = 0; i < rows; i++) {
    if (i > 0) f.get(ci).get(ldc).op(OP.i32_add).set(ci);
    for (let j = 0; j < nv; j++) simd(f.get(ci).get(acc[i]![j]!), SIMD.v128_store, ...mem(16 * j));
  }
  return f;
}

/**
 * pack(src, ldb, dst, k, panels, pstride): `panels` consecutive column panels of B into the
 * micro-kernels' layout. Row by row: NR floats of row kk of each panel (contiguous in `src`,
 * `ldb` bytes between rows) go to row kk of that panel in `dst` (`pstride` bytes between panels).
 * The caller passes groups of a few panels, so that rows are read in long runs and the panels
 * written as a few sequential streams (walking one panel down all k rows of a row-major matrix
 * touched a new cache line and page per 32 bytes: 1.8 s for ViT-B's weights).
 */
function packFn(s: KernelShape): Fn {
  const f = new Fn('pack', [I32, I32, I32, I32, I32, I32]);
  const [src, ldb, dst, k, panels, pstride] = [0, 1, 2, 3, 4, 5];
  const kk = f.local(I32);
  const p = f.local(I32);
  const sp = f.local(I32);
  const dp = f.local(I32);
  const nv = s.nr / 4;
  f.forLoop(kk, k, 1, () => {
    f.get(src).set(sp);
    f.get(dst).set(dp);
    f.forLoop(p, panels, 1, () => {
      for (let j = 0; j < nv; j++) simd(simd(f.get(dp).get(sp), SIMD.v128_load, ...mem(16 * j)), SIMD.v128_store, ...mem(16 * j));
      f.inc(sp, s.nr * 4);
      f.get(dp).get(pstride).op(OP.i32_add).set(dp);
    });
    f.get(src).get(ldb).op(OP.i32_add).set(src);
    f.inc(dst, s.nr * 4);
  });
  return f;
}

/**
 * The module's bytes: micro-kernels k1..k{mr} and `pack`. It imports `env.memory`; a shared
 * memory must declare its maximum (`maxPages`).
 */
export function gemmModuleBytes(s: KernelShape, memory: { shared: boolean; maxPages: number }): Uint8Array {
  if (s.nr % 4 !== 0 || s.nr < 4 || s.mr < 1 || s.unroll < 1) throw new Error(`GEMM kernel shape ${s.mr}x${s.nr} (unroll ${s.unroll}) is not supported: nr must be a positive multiple of 4`);
  const fns = [...Array.from({ length: s.mr }, (_, i) => microKernel(i + 1, s)), packFn(s)];
  const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const sigs = [...new Set(fns.map((f) => f.params.join(',')))];
  const types = vec(sigs.map((sig) => { const ps = sig.split(',').map(Number); return [0x60, ...uleb(ps.length), ...ps, 0]; }));
  const limits = memory.shared ? [0x03, ...uleb(0), ...uleb(memory.maxPages)] : [0x00, ...uleb(0)];
  const imports = vec([[...wasmString('env'), ...wasmString('memory'), 0x02, ...limits]]);
  const funcs = vec(fns.map((f) => uleb(sigs.indexOf(f.params.join(',')))));
  const exports = vec(fns.map((f, i) => [...wasmString(f.name), 0x00, ...uleb(i)]));
  const code = vec(fns.map((f) => f.bytes()));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code)]);
}

/** The module's `pack`: (src, ldb, dst, k, panels, pstride), pointers and strides in bytes. */
export type PackKernel = (src: number, ldb: number, dst: number, k: number, panels: number, pstride: number) => void;

/** One micro-kernel: (a, lda, b, c, ldc, kc, mode, bias), all pointers in bytes. */
export type MicroKernel = (a: number, lda: number, b: number, c: number, ldc: number, kc: number, mode: number, bias: number) => void;

// Structural view of the WebAssembly global (this file is typed without DOM or Node libs).
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
}

let relaxed: boolean | null = null;

/** Whether this engine runs relaxed SIMD (a one-kernel module using f32x4.relaxed_madd validates). */
export function relaxedSimdSupported(): boolean {
  if (relaxed === null) {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      relaxed = !!api && api.validate(gemmModuleBytes({ mr: 1, nr: 4, unroll: 1, fma: true }, { shared: false, maxPages: 1 }));
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}

/** Whether this engine runs WebAssembly SIMD at all. */
export function simdSupported(): boolean {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    return !!api && api.validate(gemmModuleBytes({ mr: 1, nr: 4, unroll: 1, fma: false }, { shared: false, maxPages: 1 }));
  } catch {
    return false;
  }
}

/**
 * A pure-arithmetic loop for the benchmark's peak figure: `peak(iters)` runs `iters` iterations of
 * `acc` independent multiply-adds (acc_i = acc_i * x + y on v128, fused or not), no memory traffic.
 * FLOPs: iters * acc * 8.
 */
export function peakModuleBytes(fma: boolean, acc = 12): Uint8Array {
  const f = new Fn('peak', [I32]);
  const accs = Array.from({ length: acc }, () => f.local(V128));
  const x = f.local(V128);
  const y = f.local(V128);
  f.vconst(0.999).set(x).vconst(1e-3).set(y);
  for (let i = 0; i < acc; i++) f.vconst(i).set(accs[i]!);
  f.op(OP.block, 0x40, OP.loop, 0x40);
  f.get(0).op(OP.i32_eqz, OP.br_if, 1);
  for (const a of accs) {
    if (fma) simd(f.get(a).get(x).get(y), SIMD.f32x4_relaxed_madd);
    else simd(simd(f.get(a).get(x), SIMD.f32x4_mul).get(y), SIMD.f32x4_add);
    f.set(a);
  }
  f.get(0).i32(1).op(OP.i32_sub).set(0);
  f.op(OP.br, 0, OP.end, OP.end);
  // keep the accumulators alive: their sum, lane 0
  f.get(accs[0]!);
  for (let i = 1; i < acc; i++) simd(f.get(accs[i]!), SIMD.f32x4_add);
  f.op(SIMD_PREFIX, 0x1f, 0); // f32x4.extract_lane 0
  const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const body = f.bytes();
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 1, I32, 1, 0x7d]])), ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...wasmString('peak'), 0x00, 0]])), ...section(10, vec([body]))]);
}
