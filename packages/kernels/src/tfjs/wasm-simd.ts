/*
 * A small WebAssembly SIMD module, assembled here from bytecode at run time, that works on the
 * tfjs-wasm backend's own linear memory (it imports that `WebAssembly.Memory`). Its functions
 * take byte offsets into the heap (`backend.dataIdMap.get(dataId).memoryOffset`), so a fused
 * kernel reads its inputs and writes its output in place: one pass, no copy, no allocation
 * beyond the output.
 *
 * Why bytecode and not JS: a JS loop over `HEAPF32` runs at scalar speed. Measured on
 * [577, 4096], a JS QuickGELU took twice the time of tfjs-wasm's three SIMD kernels it replaces,
 * and a JS LayerNorm no less than the composite. The functions below use 128-bit SIMD (f32x4),
 * like tfjs-wasm; the activations work on four vectors per iteration so that their polynomial
 * chains overlap.
 *
 * Exports (all pointers are byte offsets, all counts in floats):
 *   layer_norm(x, gamma, beta, out, rows, cols, eps)         cols % 4 == 0
 *   gelu(x, bias, out, rows, cols) / gelu_nb(x, out, n)       cols % 4 == 0 / n % 4 == 0
 *   quick_gelu(x, bias, out, rows, cols) / quick_gelu_nb(...) as gelu
 *   block(src, srcStride, bias, dst, rows, cols, scale, hasBias)        cols % 4 == 0
 *   block_t(src, srcStride, bias, dst, rows, cols, hasBias)   dst = transpose of the block
 */

import { I32, F32, V128, Op, Simd, uleb, str, Fn } from '../wasm-assembler';

// ---- element functions (operate on the v128 on top of the stack, via a scratch local) ----

/**
 * erf(v) for a v128 local, float32-accurate (max abs error 3e-7 in float32 arithmetic): the
 * rational minimax approximation used by Eigen/XLA on [-4, 4] (|erf| rounds to 1 beyond).
 * Leaves the result on the stack.
 */
export function emitErf(f: Fn, v: number, x2: number, p: number, x: number): void {
  const alpha = [-2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2];
  const beta = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];
  // x = clamp(v, -4, 4); x2 = x * x
  f.get(v).vconst(4).simd(Simd.f32x4_pmin).vconst(-4).simd(Simd.f32x4_pmax).set(x);
  f.get(x).get(x).simd(Simd.f32x4_mul).set(x2);
  // p = x * poly_odd(x2)
  f.vconst(alpha[0]!);
  for (let i = 1; i < alpha.length; i++) f.get(x2).simd(Simd.f32x4_mul).vconst(alpha[i]!).simd(Simd.f32x4_add);
  f.get(x).simd(Simd.f32x4_mul).set(p);
  // q = poly_even(x2); erf = p / q
  f.get(p).vconst(beta[0]!);
  for (let i = 1; i < beta.length; i++) f.get(x2).simd(Simd.f32x4_mul).vconst(beta[i]!).simd(Simd.f32x4_add);
  f.simd(Simd.f32x4_div);
}

/**
 * exp(v) for a v128 local (Cephes expf: range reduction by ln 2, degree-6 polynomial, 2^n built
 * in the exponent bits; about 1 ulp). Inputs are clamped to [-87.3, 88]. Leaves it on the stack.
 */
export function emitExp(f: Fn, v: number, fx: number, r: number): void {
  // r = clamp(v); fx = floor(r * log2(e) + 0.5)
  f.get(v).vconst(88).simd(Simd.f32x4_pmin).vconst(-87.33654).simd(Simd.f32x4_pmax).set(r);
  f.get(r).vconst(Math.LOG2E).simd(Simd.f32x4_mul).vconst(0.5).simd(Simd.f32x4_add).simd(Simd.f32x4_floor).set(fx);
  // r = r - fx * C1 - fx * C2  (C1 + C2 = ln 2, C1 exact in few bits)
  f.get(r).get(fx).vconst(0.693359375).simd(Simd.f32x4_mul).simd(Simd.f32x4_sub);
  f.get(fx).vconst(-2.12194440e-4).simd(Simd.f32x4_mul).simd(Simd.f32x4_sub).set(r);
  // y = ((((p0 r + p1) r + p2) r + p3) r + p4) r + p5; y = y r^2 + r + 1
  const pc = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  f.vconst(pc[0]!);
  for (let i = 1; i < pc.length; i++) f.get(r).simd(Simd.f32x4_mul).vconst(pc[i]!).simd(Simd.f32x4_add);
  f.get(r).simd(Simd.f32x4_mul).get(r).simd(Simd.f32x4_mul).get(r).simd(Simd.f32x4_add).vconst(1).simd(Simd.f32x4_add);
  // * 2^fx: ((int(fx) + 127) << 23) reinterpreted as float. int(fx) without a conversion: the
  // bits of fx + 1.5 * 2^23 are 0x4b400000 + int(fx), and the shift drops the 0x4b400000.
  f.get(fx).vconst(12582912).simd(Simd.f32x4_add).iconst(127).simd(Simd.i32x4_add).i32(23).simd(Simd.i32x4_shl);
  f.simd(Simd.f32x4_mul);
}

type Activation = 'gelu' | 'quick_gelu';

/** Activation of the v128 local `u`, result on the stack; the order of operations is the composite's. */
function emitActivation(f: Fn, kind: Activation, u: number, t: number[]): void {
  const [a, b, c, d] = t as [number, number, number, number];
  if (kind === 'gelu') {
    // 0.5 x * (erf(x * SQRT1_2) + 1)
    f.get(u).vconst(Math.SQRT1_2).simd(Simd.f32x4_mul).set(a);
    emitErf(f, a, b, c, d);
    f.vconst(1).simd(Simd.f32x4_add).set(a);
    f.get(u).vconst(0.5).simd(Simd.f32x4_mul).get(a).simd(Simd.f32x4_mul);
  } else {
    // x * sigmoid(1.702 x), sigmoid(v) = 1 / (1 + exp(-v))
    f.get(u).vconst(1.702).simd(Simd.f32x4_mul).simd(Simd.f32x4_neg).set(a);
    emitExp(f, a, b, c);
    f.set(a).vconst(1).vconst(1).get(a).simd(Simd.f32x4_add).simd(Simd.f32x4_div).set(a);
    f.get(u).get(a).simd(Simd.f32x4_mul);
  }
}

function layerNormFn(): Fn {
  // (x, gamma, beta, out, rows, cols, eps)
  const f = new Fn('layer_norm', [I32, I32, I32, I32, I32, I32, F32]);
  const [x, gamma, beta, out, rows, cols, eps] = [0, 1, 2, 3, 4, 5, 6];
  const r = f.local(I32);
  const c = f.local(I32);
  const cb = f.local(I32);
  const acc = f.local(V128);
  const t = f.local(V128);
  const mean = f.local(V128);
  const inv = f.local(V128);
  const n = f.local(F32);
  f.get(cols).i32(2).op(Op.i32_shl).set(cb);
  f.get(cols).op(Op.f32_convert_i32_u).set(n);
  f.forLoop(r, rows, 1, () => {
    // mean
    f.vconst(0).set(acc);
    f.forLoop(c, cb, 16, () => {
      f.get(acc).get(x).get(c).op(Op.i32_add).vload().simd(Simd.f32x4_add).set(acc);
    });
    f.hsum(acc).get(n).op(Op.f32_div).simd(Simd.f32x4_splat).set(mean);
    // variance = mean((x - mean)^2)
    f.vconst(0).set(acc);
    f.forLoop(c, cb, 16, () => {
      f.get(x).get(c).op(Op.i32_add).vload().get(mean).simd(Simd.f32x4_sub).set(t);
      f.get(acc).get(t).get(t).simd(Simd.f32x4_mul).simd(Simd.f32x4_add).set(acc);
    });
    // inv = 1 / sqrt(var + eps)
    f.f32(1).hsum(acc).get(n).op(Op.f32_div).get(eps).op(Op.f32_add).op(Op.f32_sqrt).op(Op.f32_div).simd(Simd.f32x4_splat).set(inv);
    // out = ((x - mean) * inv) * gamma + beta
    f.forLoop(c, cb, 16, () => {
      f.get(out).get(c).op(Op.i32_add);
      f.get(x).get(c).op(Op.i32_add).vload().get(mean).simd(Simd.f32x4_sub).get(inv).simd(Simd.f32x4_mul);
      f.get(gamma).get(c).op(Op.i32_add).vload().simd(Simd.f32x4_mul);
      f.get(beta).get(c).op(Op.i32_add).vload().simd(Simd.f32x4_add);
      f.vstore();
    });
    f.get(x).get(cb).op(Op.i32_add).set(x);
    f.get(out).get(cb).op(Op.i32_add).set(out);
  });
  return f;
}

function activationFn(kind: Activation, withBias: boolean): Fn {
  // with bias: (x, bias, out, rows, cols); without: (x, out, n)
  const f = new Fn(withBias ? kind : `${kind}_nb`, withBias ? [I32, I32, I32, I32, I32] : [I32, I32, I32]);
  const [x, bias, out, rows, cols] = withBias ? [0, 1, 2, 3, 4] : [0, -1, 1, -1, 2];
  const r = f.local(I32);
  const c = f.local(I32);
  const cb = f.local(I32);
  const UNROLL = 4; // independent vectors per iteration: the polynomial chains overlap
  const lanes = Array.from({ length: UNROLL }, () => ({ u: f.local(V128), t: [f.local(V128), f.local(V128), f.local(V128), f.local(V128)] }));
  const one = f.local(I32);
  const step = (count: number): void => {
    for (let k = 0; k < count; k++) {
      const { u } = lanes[k]!;
      f.get(x).get(c).op(Op.i32_add).vload(16 * k);
      if (withBias) f.get(bias).get(c).op(Op.i32_add).vload(16 * k).simd(Simd.f32x4_add);
      f.set(u);
    }
    for (let k = 0; k < count; k++) {
      const { u, t } = lanes[k]!;
      f.get(out).get(c).op(Op.i32_add);
      emitActivation(f, kind, u, t);
      f.vstore(16 * k);
    }
  };
  f.get(cols).i32(2).op(Op.i32_shl).set(cb);
  if (!withBias) f.i32(1).set(one);
  f.forLoop(r, withBias ? rows : one, 1, () => {
    // c = 0; while (c + 64 <= cb) { 4 vectors; c += 64 }; while (c < cb) { 1 vector; c += 16 }
    f.i32(0).set(c);
    f.op(Op.block, 0x40, Op.loop, 0x40);
    f.get(c).i32(16 * UNROLL).op(Op.i32_add).get(cb).op(Op.i32_gt_u, Op.br_if, 1);
    step(UNROLL);
    f.inc(c, 16 * UNROLL);
    f.op(Op.br, 0, Op.end, Op.end);
    f.op(Op.block, 0x40, Op.loop, 0x40);
    f.get(c).get(cb).op(Op.i32_ge_u, Op.br_if, 1);
    step(1);
    f.inc(c, 16);
    f.op(Op.br, 0, Op.end, Op.end);
    f.get(x).get(cb).op(Op.i32_add).set(x);
    f.get(out).get(cb).op(Op.i32_add).set(out);
  });
  return f;
}

function blockFn(): Fn {
  // dst[r, c] = (src[r * stride + c] + bias[c]) * scale; (src, srcStride, bias, dst, rows, cols, scale, hasBias)
  const f = new Fn('block', [I32, I32, I32, I32, I32, I32, F32, I32]);
  const [src, stride, bias, dst, rows, cols, scale, hasBias] = [0, 1, 2, 3, 4, 5, 6, 7];
  const r = f.local(I32);
  const c = f.local(I32);
  const cb = f.local(I32);
  const sb = f.local(I32);
  const s = f.local(V128);
  const v = f.local(V128);
  f.get(cols).i32(2).op(Op.i32_shl).set(cb);
  f.get(stride).i32(2).op(Op.i32_shl).set(sb);
  f.get(scale).simd(Simd.f32x4_splat).set(s);
  f.forLoop(r, rows, 1, () => {
    f.forLoop(c, cb, 16, () => {
      f.get(src).get(c).op(Op.i32_add).vload().set(v);
      f.get(hasBias).op(Op.if_, 0x40);
      f.get(v).get(bias).get(c).op(Op.i32_add).vload().simd(Simd.f32x4_add).set(v);
      f.op(Op.end);
      f.get(dst).get(c).op(Op.i32_add).get(v).get(s).simd(Simd.f32x4_mul).vstore();
    });
    f.get(src).get(sb).op(Op.i32_add).set(src);
    f.get(dst).get(cb).op(Op.i32_add).set(dst);
  });
  return f;
}

function blockTransposedFn(): Fn {
  // dst[c, r] = src[r * stride + c] + bias[c]; (src, srcStride, bias, dst, rows, cols, hasBias)
  const f = new Fn('block_t', [I32, I32, I32, I32, I32, I32, I32]);
  const [src, stride, bias, dst, rows, cols, hasBias] = [0, 1, 2, 3, 4, 5, 6];
  const r = f.local(I32);
  const c = f.local(I32);
  const rb = f.local(I32);
  const sb = f.local(I32);
  const d = f.local(I32);
  const v = f.local(F32);
  f.get(rows).i32(2).op(Op.i32_shl).set(rb);
  f.get(stride).i32(2).op(Op.i32_shl).set(sb);
  f.forLoop(c, cols, 1, () => {
    // d = dst + c * rows * 4; walk src down column c
    f.get(dst).get(c).get(rb).op(Op.i32_mul).op(Op.i32_add).set(d);
    f.forLoop(r, rows, 1, () => {
      f.get(src).get(r).get(sb).op(Op.i32_mul).op(Op.i32_add).get(c).i32(2).op(Op.i32_shl).op(Op.i32_add).op(Op.f32_load, 2, 0).set(v);
      f.get(hasBias).op(Op.if_, 0x40);
      f.get(v).get(bias).get(c).i32(2).op(Op.i32_shl).op(Op.i32_add).op(Op.f32_load, 2, 0).op(Op.f32_add).set(v);
      f.op(Op.end);
      f.get(d).get(v).op(Op.f32_store, 2, 0);
      f.inc(d, 4);
    });
  });
  return f;
}

function buildModule(shared: boolean): Uint8Array {
  const fns = [
    layerNormFn(),
    activationFn('gelu', true),
    activationFn('gelu', false),
    activationFn('quick_gelu', true),
    activationFn('quick_gelu', false),
    blockFn(),
    blockTransposedFn(),
  ];
  const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const types = vec(fns.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0]));
  // import env.memory: shared memories must declare a maximum (4 GiB covers any wasm32 heap)
  const limits = shared ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  const imports = vec([[...str('env'), ...str('memory'), 0x02, ...limits]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]));
  const code = vec(fns.map((f) => f.bytes()));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

/** The exported functions; pointers are byte offsets into the imported memory. */
export interface FusedWasmExports {
  layer_norm(x: number, gamma: number, beta: number, out: number, rows: number, cols: number, eps: number): void;
  gelu(x: number, bias: number, out: number, rows: number, cols: number): void;
  gelu_nb(x: number, out: number, n: number): void;
  quick_gelu(x: number, bias: number, out: number, rows: number, cols: number): void;
  quick_gelu_nb(x: number, out: number, n: number): void;
  block(src: number, srcStride: number, bias: number, dst: number, rows: number, cols: number, scale: number, hasBias: number): void;
  block_t(src: number, srcStride: number, bias: number, dst: number, rows: number, cols: number, hasBias: number): void;
}

// Structural view of the WebAssembly global (core is typed without DOM or Node libs).
interface WasmMemoryLike {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemoryLike;
}

function wasmApi(): WasmApi | null {
  const w = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return w && typeof w.validate === 'function' ? w : null;
}

/** The module's bytes (exposed for tests and for a disassembler). */
export function fusedWasmModuleBytes(shared = false): Uint8Array {
  return buildModule(shared);
}

let simdSupported: boolean | null = null;

/** Whether this engine runs WebAssembly SIMD (the module validates). */
export function wasmSimdSupported(): boolean {
  if (simdSupported === null) {
    const api = wasmApi();
    try {
      simdSupported = !!api && api.validate(buildModule(false));
    } catch {
      simdSupported = false;
    }
  }
  return simdSupported;
}

const instances = new WeakMap<object, FusedWasmExports | null>();

/**
 * Instantiates the module on `memory` (tfjs-wasm's `backend.wasm.asm.memory`), once per memory.
 * Null where the engine lacks SIMD or the memory is not a WebAssembly.Memory.
 */
export function fusedWasmFor(memory: unknown): FusedWasmExports | null {
  if (!memory || typeof memory !== 'object') return null;
  if (instances.has(memory)) return instances.get(memory)!;
  let result: FusedWasmExports | null = null;
  const api = wasmApi();
  if (api && wasmSimdSupported()) {
    try {
      const buf = (memory as WasmMemoryLike).buffer;
      const shared = typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer;
      const inst = new api.Instance(new api.Module(buildModule(shared)), { env: { memory } });
      result = inst.exports as unknown as FusedWasmExports;
    } catch {
      result = null;
    }
  }
  instances.set(memory, result);
  return result;
}
