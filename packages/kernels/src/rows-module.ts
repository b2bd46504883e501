/*
 * Row-wise WebAssembly SIMD functions of the GEMM engine, run by every thread on the engine's
 * shared memory (the attention job's softmax):
 *
 *   softmax(s, ld, rows, cols):  s[r, :] = exp(s[r, :] - max_r) / sum_r exp(s[r, :] - max_r)
 *
 * in place, row by row (`ld` bytes between rows, `cols` a multiple of 4; pad columns hold a
 * very negative value and come out ~0). A row's max and sum are reduced in one fixed order
 * (four lanes, then lanes 0 + 1 + 2 + 3), so a row's result does not depend on which thread
 * computes it. exp is the fused kernels' Cephes expf (tfjs/wasm-simd.ts, about 1 ulp).
 */
import { emitExp } from './tfjs/wasm-simd';
import { F32, Fn, I32, Op, Simd, V128, str, uleb } from './wasm-assembler';

const F32_MAX = 0x97; // f32.max

function softmaxFn(): Fn {
  const f = new Fn('softmax', [I32, I32, I32, I32]);
  const [s, ld, rows, cols] = [0, 1, 2, 3];
  const r = f.local(I32);
  const c = f.local(I32);
  const cb = f.local(I32);
  const m = f.local(V128);
  const acc = f.local(V128);
  const v = f.local(V128);
  const fx = f.local(V128);
  const t = f.local(V128);
  const e = f.local(V128);
  const mx = f.local(F32);
  f.get(cols).i32(2).op(Op.i32_shl).set(cb);
  f.forLoop(r, rows, 1, () => {
    // m = the row's max, lane-wise, then over the lanes
    f.vconst(-3.4e38).set(m);
    f.forLoop(c, cb, 16, () => {
      f.get(m).get(s).get(c).op(Op.i32_add).vload().simd(Simd.f32x4_max).set(m);
    });
    f.get(m).simd(Simd.f32x4_extract_lane, 0);
    for (let lane = 1; lane < 4; lane++) f.get(m).simd(Simd.f32x4_extract_lane, lane).op(F32_MAX);
    f.set(mx);
    f.get(mx).simd(Simd.f32x4_splat).set(m);
    // e = exp(x - m), stored in place; acc += e
    f.vconst(0).set(acc);
    f.forLoop(c, cb, 16, () => {
      f.get(s).get(c).op(Op.i32_add).vload().get(m).simd(Simd.f32x4_sub).set(v);
      emitExp(f, v, fx, t);
      f.set(e);
      f.get(s).get(c).op(Op.i32_add).get(e).vstore();
      f.get(acc).get(e).simd(Simd.f32x4_add).set(acc);
    });
    // s *= 1 / sum
    f.f32(1).hsum(acc).op(Op.f32_div).simd(Simd.f32x4_splat).set(v);
    f.forLoop(c, cb, 16, () => {
      f.get(s).get(c).op(Op.i32_add);
      f.get(s).get(c).op(Op.i32_add).vload().get(v).simd(Simd.f32x4_mul);
      f.vstore();
    });
    f.get(s).get(ld).op(Op.i32_add).set(s);
  });
  return f;
}

/** The module's bytes; it imports `env.memory` (shared: declared with `maxPages`). */
export function rowsModuleBytes(memory: { shared: boolean; maxPages: number }): Uint8Array {
  const fns = [softmaxFn()];
  const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const types = vec(fns.map((fn) => [0x60, ...uleb(fn.params.length), ...fn.params, 0]));
  const limits = memory.shared ? [0x03, ...uleb(0), ...uleb(memory.maxPages)] : [0x00, ...uleb(0)];
  const imports = vec([[...str('env'), ...str('memory'), 0x02, ...limits]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((fn, i) => [...str(fn.name), 0x00, ...uleb(i)]));
  const code = vec(fns.map((fn) => fn.bytes()));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code)]);
}

/** The functions of the module, pointers and strides in bytes. */
export interface RowKernels {
  softmax(s: number, ld: number, rows: number, cols: number): void;
}
