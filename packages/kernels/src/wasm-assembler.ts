/*
 * A minimal WebAssembly assembler for this package's generated modules (the GEMM engine's
 * micro-kernels, gemm-module.ts; the fused tfjs-wasm kernels, tfjs/wasm-simd.ts): value types,
 * the opcodes used (core and SIMD), LEB128 / float encoding, and `Fn`, a function-body builder
 * with the loop and vector helpers the kernels share.
 *
 * Kept by hand rather than taken from a library: the modules use ~40 opcodes, built at run time
 * (relaxed SIMD or not, shared memory or not, tile shapes); an assembler package (wabt's
 * wat2wasm, binaryen) would ship a text parser and a wasm binary of its own to every browser
 * page to emit the bytes these ~190 lines emit directly.
 */

// ---- value types and opcodes ----
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export const enum Op {
  block = 0x02,
  loop = 0x03,
  if_ = 0x04,
  else_ = 0x05,
  end = 0x0b,
  br = 0x0c,
  br_if = 0x0d,
  local_get = 0x20,
  local_set = 0x21,
  local_tee = 0x22,
  f32_load = 0x2a,
  f32_store = 0x38,
  i32_const = 0x41,
  f32_const = 0x43,
  i32_eqz = 0x45,
  i32_gt_u = 0x4b,
  i32_ge_u = 0x4f,
  f32_sqrt = 0x91,
  f32_add = 0x92,
  f32_mul = 0x94,
  f32_div = 0x95,
  i32_add = 0x6a,
  i32_mul = 0x6c,
  i32_shl = 0x74,
  f32_convert_i32_u = 0xb3,
}

export const enum Simd {
  v128_load = 0x00,
  v128_store = 0x0b,
  v128_const = 0x0c,
  f32x4_splat = 0x13,
  f32x4_extract_lane = 0x1f,
  v128_and = 0x4e,
  v128_or = 0x50,
  f32x4_floor = 0x68,
  i32x4_shl = 0xab,
  i32x4_add = 0xae,
  f32x4_abs = 0xe0,
  f32x4_neg = 0xe1,
  f32x4_add = 0xe4,
  f32x4_sub = 0xe5,
  f32x4_mul = 0xe6,
  f32x4_div = 0xe7,
  f32x4_min = 0xe8,
  f32x4_max = 0xe9,
  f32x4_pmin = 0xea,
  f32x4_pmax = 0xeb,
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function f32Bytes(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
}

export function str(s: string): number[] {
  const b = [...s].map((c) => c.charCodeAt(0));
  return [...uleb(b.length), ...b];
}

/** One function body: locals are numbered after the parameters. */
export class Fn {
  readonly code: number[] = [];
  private readonly locals: number[] = [];

  constructor(
    readonly name: string,
    readonly params: number[],
  ) {}

  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this {
    return this.op(Op.local_get, ...uleb(i));
  }
  set(i: number): this {
    return this.op(Op.local_set, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(Op.i32_const, ...sleb(v | 0));
  }
  f32(v: number): this {
    return this.op(Op.f32_const, ...f32Bytes(v));
  }
  simd(code: Simd, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(code), ...imm);
  }
  /** v128.load from the address on the stack + offset (align 2^2: tfjs tensors are 4-byte aligned). */
  vload(offset = 0): this {
    return this.simd(Simd.v128_load, 2, ...uleb(offset));
  }
  vstore(offset = 0): this {
    return this.simd(Simd.v128_store, 2, ...uleb(offset));
  }
  /** Pushes a v128 constant with c in all four float lanes. */
  vconst(c: number): this {
    const b = f32Bytes(c);
    return this.simd(Simd.v128_const, ...b, ...b, ...b, ...b);
  }
  /** Pushes a v128 constant with the int c in all four i32 lanes. */
  iconst(c: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, c, true);
    return this.simd(Simd.v128_const, ...b, ...b, ...b, ...b);
  }
  /** local += step (i32) */
  inc(i: number, step: number): this {
    return this.get(i).i32(step).op(Op.i32_add).set(i);
  }
  /**
   * for (counter = 0; counter < limit; counter += step) body(); limit is a local.
   */
  forLoop(counter: number, limit: number, step: number, body: () => void): this {
    this.i32(0).set(counter);
    this.op(Op.block, 0x40, Op.loop, 0x40);
    this.get(counter).get(limit).op(Op.i32_ge_u, Op.br_if, 1);
    body();
    this.inc(counter, step);
    this.op(Op.br, 0, Op.end, Op.end);
    return this;
  }
  /** Horizontal sum of a v128 local (lanes 0 + 1 + 2 + 3, in that order). */
  hsum(v: number): this {
    this.get(v).simd(Simd.f32x4_extract_lane, 0);
    for (let lane = 1; lane < 4; lane++) this.get(v).simd(Simd.f32x4_extract_lane, lane).op(Op.f32_add);
    return this;
  }

  bytes(): number[] {
    const groups: number[] = [];
    for (const t of this.locals) groups.push(...uleb(1), t);
    const body = [...uleb(this.locals.length), ...groups, ...this.code, Op.end];
    return [...uleb(body.length), ...body];
  }
}
