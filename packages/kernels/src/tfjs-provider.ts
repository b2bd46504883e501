/*
 * The GEMM engine as core's matrix-product provider on tfjs-wasm (see core's matmul-provider.ts).
 *
 * tfjs-wasm's heap is a memory of its own, not shared (Node cannot start its threaded build), so
 * a product copies A from that heap into the engine's shared memory, runs there, and copies C
 * back into a tfjs output: two memcpys (TypedArray.set), or a transposing copy for transposeA.
 * Measured (bench/gemm.mjs, copyInMs / copyOutMs; docs/gemm.md): [1370 x 1024] in ~0.3 ms,
 * [1370 x 4096] out ~1.5 ms, against ~60-120 ms for the product: 1-2% of it.
 * B, when it is a frozen weight, is packed once (at load for inference-only weights, whose tfjs
 * upload is then freed; at first use otherwise) and stays in the engine's memory for every thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MatMulProvider, ProvidedAttentionOptions, ProvidedMatMulOptions } from '@aaclip/core';
import { attentionWorkBytes, runAttentionJob } from './attention-job';
import type { GemmEngine, PackedMatrix } from './engine';
import { packedFloats, transposeInto } from './pack';

interface WasmBackendLike {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

export class TfjsGemmProvider implements MatMulProvider {
  private readonly weights = new Map<tf.Tensor, PackedMatrix>();

  constructor(readonly engine: GemmEngine) {}

  /** Bytes of packed weights held in the engine's memory. */
  get weightBytes(): number {
    let s = 0;
    for (const p of this.weights.values()) s += p.bytes;
    return s;
  }

  matMul(a: tf.Tensor2D, b: tf.Tensor2D, opts: ProvidedMatMulOptions = {}): tf.Tensor2D | null {
    const be = this.backend();
    if (!be || a.dtype !== 'float32' || b.dtype !== 'float32' || (opts.bias && opts.bias.dtype !== 'float32')) return null;
    const ta = !!opts.transposeA;
    const tb = !!opts.transposeB;
    const [m, k] = ta ? [a.shape[1], a.shape[0]] : a.shape;
    const [kb, n] = tb ? [b.shape[1], b.shape[0]] : b.shape;
    const what = `the product [${a.shape}]${ta ? 'ᵀ' : ''} x [${b.shape}]${tb ? 'ᵀ' : ''}`;
    if (k !== kb) throw new Error(`matMul: ${what} has mismatched inner sizes ${k} and ${kb}`);
    if (opts.bias && opts.bias.size !== n) throw new Error(`matMul: the bias of ${what} has ${opts.bias.size} values, not ${n}`);
    if (m === 0 || n === 0 || k === 0) return null;
    const aOff = this.offset(be, a);
    const bOff = this.offset(be, b);
    let packed = opts.weight && !tb ? this.weights.get(b) : undefined;
    if (aOff === null || (!packed && bOff === null)) return null; // storage tfjs no longer has (an XNNPACK-packed weight): its own path
    if (opts.weight && !tb && !packed) packed = this.packWeight(be, b);

    const eng = this.engine;
    const nr = eng.shape.nr;
    const round = (x: number): number => Math.ceil(x / 64) * 64;
    const aBytes = round(m * k * 4);
    const bBytes = packed ? 0 : round(packedFloats(k, n, nr) * 4);
    const cBytes = round(m * n * 4);
    const biasBytes = opts.bias ? round(Math.ceil(n / nr) * nr * 4) : 0;
    let base: number;
    try {
      base = eng.scratch(aBytes + bBytes + cBytes + biasBytes, what);
    } catch (err) {
      throw new Error(`matMul: ${what} does not fit the GEMM engine's memory: ${(err as Error).message}`);
    }
    const [aAt, bAt, cAt, biasAt] = [base, base + aBytes, base + aBytes + bBytes, base + aBytes + bBytes + cBytes];
    const f = eng.f32();
    const heap = be.wasm.HEAPF32;
    // A in: [m, k] row-major, transposed on the way where it is given as [k, m]
    if (ta) transposeInto(heap, aOff! / 4, m, k, m, f, aAt / 4);
    else f.set(heap.subarray(aOff! / 4, aOff! / 4 + m * k), aAt / 4);
    if (!packed) packed = { offset: bAt, k, n, bytes: bBytes };
    if (bBytes) eng.packInto(heap, bOff! / 4, tb ? k : n, k, n, tb, bAt);
    if (opts.bias) {
      const bo = this.offset(be, opts.bias);
      if (bo === null) return null;
      f.set(heap.subarray(bo / 4, bo / 4 + n), biasAt / 4);
    }
    eng.run({ m, n, k, a: aAt, lda: k * 4, b: packed, c: cAt, ldc: n * 4, bias: opts.bias ? biasAt : 0 });
    // C out: into a tfjs output made on the heap (read HEAPF32 again: making it may grow the heap)
    const out = be.makeOutput([m, n], 'float32');
    const outOff = this.offset(be, out as tf.Tensor)!;
    be.wasm.HEAPF32.set(eng.f32().subarray(cAt / 4, cAt / 4 + m * n), outOff / 4);
    return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
  }

  /**
   * Every head of every image at once on the engine's threads (attention-job.ts): qkv and the
   * bias copied in from tfjs' heap, the heads' outputs [B*N, W] copied out; the [N, N] scores
   * stay in the engine's memory.
   */
  attention(qkv: tf.Tensor2D, bias: tf.Tensor1D, opts: ProvidedAttentionOptions): tf.Tensor2D | null {
    const be = this.backend();
    if (!be || qkv.dtype !== 'float32' || bias.dtype !== 'float32') return null;
    const [rows, cols] = qkv.shape;
    const W = cols / 3;
    const shape = { batch: opts.batch, tokens: opts.tokens, heads: opts.heads, width: W, scale: opts.scale };
    if (!Number.isInteger(W) || W % opts.heads !== 0 || rows !== opts.batch * opts.tokens || bias.size !== cols) return null;
    const xOff = this.offset(be, qkv);
    const bOff = this.offset(be, bias);
    if (xOff === null || bOff === null) return null;
    const eng = this.engine;
    const round = (x: number): number => Math.ceil(x / 64) * 64;
    const [xBytes, bBytes, oBytes] = [round(rows * cols * 4), round(cols * 4), round(rows * W * 4)];
    const what = `attention over qkv [${rows} x ${cols}], ${opts.heads} heads`;
    let base: number;
    try {
      base = eng.scratch(xBytes + bBytes + oBytes + attentionWorkBytes(eng, shape), what);
    } catch (err) {
      throw new Error(`${what} does not fit the GEMM engine's memory: ${(err as Error).message}`);
    }
    const f = eng.f32();
    const heap = be.wasm.HEAPF32;
    f.set(heap.subarray(xOff / 4, xOff / 4 + rows * cols), base / 4); // [B*N, 3W]
    f.set(heap.subarray(bOff / 4, bOff / 4 + cols), (base + xBytes) / 4); // [3W]
    const outAt = base + xBytes + bBytes;
    runAttentionJob(eng, { ...shape, x: base, bias: base + xBytes, out: outAt, work: outAt + oBytes });
    const out = be.makeOutput([rows, W], 'float32');
    const outOff = this.offset(be, out as tf.Tensor)!;
    be.wasm.HEAPF32.set(eng.f32().subarray(outAt / 4, outAt / 4 + rows * W), outOff / 4); // [B*N, W]
    return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
  }

  adoptWeight(w: tf.Tensor2D): boolean {
    const be = this.backend();
    if (!be || w.dtype !== 'float32' || this.offset(be, w) === null) return false;
    this.packWeight(be, w);
    return true;
  }

  /** Frees the packed copies of weights that have been disposed (done on every new weight too). */
  sweep(): void {
    for (const [t, p] of this.weights) {
      if (!t.isDisposed) continue;
      this.engine.free(p);
      this.weights.delete(t);
    }
  }

  /** Frees every packed weight (the engine itself is the caller's). */
  dispose(): void {
    if (!this.engine.isDisposed) for (const p of this.weights.values()) this.engine.free(p);
    this.weights.clear();
  }

  private packWeight(be: WasmBackendLike, w: tf.Tensor2D): PackedMatrix {
    this.sweep();
    const [k, n] = w.shape;
    const off = this.offset(be, w)!;
    let p: PackedMatrix;
    try {
      p = this.engine.pack(be.wasm.HEAPF32, k, n, { offset: off / 4 });
    } catch (err) {
      throw new Error(`a [${k} x ${n}] weight does not fit the GEMM engine's memory: ${(err as Error).message}`);
    }
    this.weights.set(w, p);
    return p;
  }

  private backend(): WasmBackendLike | null {
    if (tf.getBackend() !== 'wasm' || this.engine.isDisposed) return null;
    const b = tf.backend() as unknown as Partial<WasmBackendLike>;
    return b.dataIdMap && b.wasm?.HEAPF32 && typeof b.makeOutput === 'function' ? (b as WasmBackendLike) : null;
  }

  /** Byte offset of a tensor on the wasm heap; null when it has no storage there. */
  private offset(be: WasmBackendLike, t: tf.TensorInfo): number | null {
    const d = be.dataIdMap.get(t.dataId);
    return d && d.memoryOffset ? d.memoryOffset >>> 0 : null;
  }
}
