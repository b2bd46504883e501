/*
 * GemmEngine: C [m, n] = A [m, k] B [k, n] (+ bias [n]) on one WebAssembly memory shared by the
 * calling thread and its workers. Pure (no Node or DOM APIs): the runtimes (`@aaclip/kernels/node`,
 * `@aaclip/kernels/web`) hand it a `ThreadSpawner`; without one, or without shared memory, it
 * runs on the calling thread alone.
 *
 * A call writes the job into the control block, bumps the generation the workers wait on
 * (Atomics.notify), takes units itself (the calling thread is thread 0), and waits until every
 * live worker has marked the generation done. B is packed once (weights: at load, kept in the
 * shared memory for every thread); A is read in place, row-major.
 */
import { relaxedSimdSupported, simdSupported, type KernelShape, type MicroKernel, type PackKernel } from './gemm-module';
import { Heap } from './heap';
import { CONTROL_BYTES, FAILED, GEN, J_A, J_B, J_BIAS, J_C, J_K, J_KC, J_KIND, J_LDA, J_LDC, J_M, J_MC, J_N, J_NCP, J_UNITS, KIND_GEMM, MAX_THREADS, NEXT, PENDING, QUIT, doneIndex, readMessage, stateIndex, writeMessage } from './layout';
import { packB, packedFloats } from './pack';
import { stageGemm } from './gemm-stage';
import type { GemmJob, PackedMatrix } from './gemm-types';
import type { RowKernels } from './rows-module';
import type { FusedWasmExports } from './tfjs/wasm-simd';
import { instantiateThread, runJob } from './run-job';
import { sharedMemorySupported, wasmApi, type WasmMemory } from './wasm-api';
import type { WorkerInit } from './worker-loop';

/** A worker started by a spawner. */
export interface WorkerHandle {
  terminate(): void;
}

/** How a runtime starts worker threads on the engine's shared memory. */
export interface ThreadSpawner {
  /** Starts a worker that runs `workerLoop(init)`; `onExit(message)` when it stops on its own. */
  spawn(init: WorkerInit, onExit: (message: string) => void): WorkerHandle;
  /** False where the calling thread may not block (a browser's main thread): the engine spins instead of Atomics.wait. */
  readonly canBlock: boolean;
}

export interface GemmEngineOptions {
  /** Threads, the calling one included (default 1; runtimes default to the machine's cores). */
  threads?: number;
  spawner?: ThreadSpawner;
  /** Register blocking (default: 6 x 8 with relaxed-SIMD FMA, 5 x 8 with mul + add). */
  shape?: Partial<KernelShape>;
  /** Cache blocking: rows per unit (a multiple of mr), column panels per unit, k per block. */
  blocking?: Partial<Blocking>;
  /** Where the engine says, once, that it runs on fewer threads than asked (default console.warn). */
  log?: (message: string) => void;
}

export interface Blocking {
  mc: number;
  ncp: number;
  kc: number;
}

export type { GemmJob, PackedMatrix } from './gemm-types';

const MAX_PAGES = 65536; // 4 GiB, the wasm32 ceiling
const STALL_MS = 60_000;
/** Bytes of B staged at a time while packing. */
const STAGING_BYTES = 1 << 20;

export class GemmEngine {
  readonly threads: number;
  readonly shape: KernelShape;
  readonly blocking: Blocking;
  readonly shared: boolean;
  private readonly memory: WasmMemory;
  private readonly heap: Heap;
  private readonly ctl: Int32Array;
  private readonly kernels: MicroKernel[];
  private readonly packKernel: PackKernel;
  private readonly rowKernels: RowKernels;
  private readonly fused: FusedWasmExports;
  private readonly workers: Array<WorkerHandle | null>;
  private readonly spawner: ThreadSpawner | null;
  private scratchAt = 0;
  private scratchBytes = 0;
  private stagingAt = 0;
  private stagingBytes = 0;
  private disposed = false;
  private busy = false;

  constructor(opts: GemmEngineOptions = {}) {
    const api = wasmApi();
    if (!api || !simdSupported()) throw new Error('GEMM engine: this JavaScript engine lacks WebAssembly SIMD');
    const fma = opts.shape?.fma ?? relaxedSimdSupported();
    this.shape = { mr: fma ? 6 : 5, nr: 8, unroll: 4, fma, ...opts.shape };
    const mr = this.shape.mr;
    this.blocking = { mc: mr * 16, ncp: 32, kc: 1 << 30, ...opts.blocking };
    if (this.blocking.mc % mr !== 0) throw new Error(`GEMM engine: blocking.mc ${this.blocking.mc} must be a multiple of mr ${mr}`);
    const asked = opts.threads ?? 1;
    if (!Number.isInteger(asked) || asked < 1 || asked > MAX_THREADS) throw new Error(`GEMM engine: threads must be a whole number from 1 to ${MAX_THREADS}, got ${String(asked)}`);
    let threads = asked;
    this.shared = sharedMemorySupported();
    if (threads > 1 && (!this.shared || !opts.spawner)) {
      const why = !this.shared ? 'shared WebAssembly memory is unavailable here (browsers need a cross-origin isolated page)' : 'this runtime gave it no way to start threads';
      (opts.log ?? ((m: string) => console.warn(m)))(`GEMM engine: ${why}; running on one thread instead of ${threads}`);
      threads = 1;
    }
    this.threads = threads;
    this.spawner = threads > 1 ? opts.spawner! : null;
    this.memory = new api.Memory({ initial: CONTROL_BYTES / 65536 + 16, maximum: MAX_PAGES, shared: this.shared });
    this.heap = new Heap(this.memory, CONTROL_BYTES, MAX_PAGES * 65536);
    this.ctl = new Int32Array(this.memory.buffer, 0, CONTROL_BYTES / 4);
    const mine = instantiateThread(this.memory, this.shape, MAX_PAGES, this.shared);
    this.kernels = mine.kernels;
    this.packKernel = mine.pack;
    this.rowKernels = mine.rows;
    this.fused = mine.fused;
    this.workers = [];
    for (let w = 1; w < threads; w++) this.workers.push(this.start(w));
  }

  /** The engine's memory as floats (a fresh view after the memory grew). */
  f32(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }

  /** Bytes held in the engine's memory: packed weights and scratch. */
  get allocatedBytes(): number {
    return this.heap.allocatedBytes;
  }

  alloc(bytes: number, what: string): number {
    this.alive();
    return this.heap.alloc(bytes, what);
  }

  release(offset: number): void {
    this.heap.release(offset);
  }

  /** One scratch block of at least `bytes`, reused from call to call. */
  scratch(bytes: number, what: string): number {
    this.alive();
    if (bytes > this.scratchBytes) {
      if (this.scratchAt) this.heap.release(this.scratchAt);
      this.scratchAt = 0;
      const size = Math.ceil(bytes * 1.25);
      this.scratchAt = this.heap.alloc(size, what);
      this.scratchBytes = size;
    }
    return this.scratchAt;
  }

  /** Packs B [k, n] (or, with `transposed`, B^T [n, k]) from `src` into the engine's memory. */
  pack(src: Float32Array, k: number, n: number, opts: { transposed?: boolean; offset?: number; ld?: number; into?: number } = {}): PackedMatrix {
    const bytes = Math.ceil((packedFloats(k, n, this.shape.nr) * 4) / 64) * 64; // the heap's 64-byte blocks
    const offset = opts.into ?? this.alloc(bytes, `packing a [${k} x ${n}] matrix`);
    const ld = opts.ld ?? (opts.transposed ? k : n);
    this.packInto(src, opts.offset ?? 0, ld, k, n, !!opts.transposed, offset);
    return { offset, k, n, bytes };
  }

  /**
   * Packs B from `src` (floats from `s0`, `ld` between rows; transposed: B^T [n, k]) to byte
   * offset `dst`. Row-major B: its rows are copied in (memcpy) and packed by the module's
   * v128 `pack`; the last partial panel and transposed sources by JS.
   */
  packInto(src: Float32Array, s0: number, ld: number, k: number, n: number, transposed: boolean, dst: number): void {
    const nr = this.shape.nr;
    if (transposed) {
      packB(src, s0, ld, k, n, true, this.f32(), dst / 4, nr);
      return;
    }
    const full = Math.floor(n / nr);
    if (full > 0) {
      // staged a block of rows at a time (~1 MiB): a whole-matrix staging buffer (16 MiB for
      // ViT-L's c_fc) stayed in the engine's memory, and in RSS, for its lifetime
      const kb = Math.max(1, Math.min(k, Math.floor(STAGING_BYTES / (n * 4))));
      if (kb * n * 4 > this.stagingBytes) {
        if (this.stagingAt) this.heap.release(this.stagingAt);
        this.stagingAt = 0;
        this.stagingAt = this.heap.alloc(kb * n * 4, `packing a [${k} x ${n}] matrix`);
        this.stagingBytes = kb * n * 4;
      }
      const st = this.stagingAt;
      const group = 16; // panels per pass: rows read 16 x NR floats at a time
      for (let r0 = 0; r0 < k; r0 += kb) {
        const rows = Math.min(kb, k - r0);
        const f = this.f32();
        if (ld === n) f.set(src.subarray(s0 + r0 * n, s0 + (r0 + rows) * n), st / 4);
        else for (let r = 0; r < rows; r++) f.set(src.subarray(s0 + (r0 + r) * ld, s0 + (r0 + r) * ld + n), st / 4 + r * n);
        // rows r0 .. r0 + rows of every panel: panel p's row r starts at dst + (p k + r) nr floats
        for (let g = 0; g < full; g += group) this.packKernel(st + g * nr * 4, n * 4, dst + (g * k + r0) * nr * 4, rows, Math.min(group, full - g), k * nr * 4);
      }
    }
    if (n % nr) packB(src, s0 + full * nr, ld, k, n - full * nr, false, this.f32(), dst / 4 + full * k * nr, nr);
  }

  free(p: PackedMatrix): void {
    this.heap.release(p.offset);
  }

  /** Posts a job to the workers and takes this thread's share of its units; returns this thread's error, if any. */
  private begin(kind: number, units: number, write: (ctl: Int32Array) => void): unknown {
    this.post(kind, units, write);
    try {
      runJob(this.ctl, { kernels: this.kernels, rows: this.rowKernels, fused: this.fused, nr: this.shape.nr, memory: this.memory, thread: 0 });
      return null;
    } catch (err) {
      return err;
    }
  }

  /**
   * Runs `units` units of work `kind` on every thread, its parameters written into the control
   * block by `write`; returns when all are done (`what` names the work in errors). The product
   * (`run`) and the attention jobs (attention-job.ts) go through here.
   */
  execute(kind: number, units: number, write: (ctl: Int32Array) => void, what: string): void {
    const mainError = this.begin(kind, units, write);
    const gen = Atomics.load(this.ctl, GEN);
    let last = -1;
    let since = Date.now();
    while (!this.settled(gen)) {
      const p = Atomics.load(this.ctl, PENDING);
      if (this.spawner!.canBlock) Atomics.wait(this.ctl, PENDING, p, 20);
      const progress = Atomics.load(this.ctl, NEXT) * 64 + p;
      if (progress !== last) {
        last = progress;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        this.busy = false;
        throw new Error(`GEMM engine: a worker made no progress for ${STALL_MS / 1000} s on ${what}`);
      }
    }
    this.conclude(mainError);
  }

  /** Runs `job` on every thread; returns when C is complete. */
  run(job: GemmJob): void {
    this.execute(KIND_GEMM, this.units(job), (c) => this.writeGemm(job, c), `[${job.m} x ${job.k}] x [${job.k} x ${job.n}]`);
  }

  /** `run`, waiting for the workers without blocking this thread's event loop (a worker's exit is seen at once). */
  async runAsync(job: GemmJob): Promise<void> {
    const mainError = this.begin(KIND_GEMM, this.units(job), (c) => this.writeGemm(job, c));
    const gen = Atomics.load(this.ctl, GEN);
    while (!this.settled(gen)) await new Promise((r) => setTimeout(r, 1));
    this.conclude(mainError);
  }

  /**
   * C = op(A) op(B) (+ bias) for JS arrays: A [m, k] (`transposeA`: given as [k, m]), B [k, n]
   * (`transposeB`: given as [n, k]) or a packed matrix; copies in, runs, copies C out.
   */
  gemm(a: Float32Array, b: Float32Array | PackedMatrix, m: number, k: number, n: number, opts: { transposeA?: boolean; transposeB?: boolean; bias?: Float32Array } = {}): Float32Array {
    const job = stageGemm(this, a, b, m, k, n, opts);
    this.run(job);
    return this.f32().slice(job.c / 4, job.c / 4 + m * n);
  }

  async gemmAsync(a: Float32Array, b: Float32Array | PackedMatrix, m: number, k: number, n: number, opts: { transposeA?: boolean; transposeB?: boolean; bias?: Float32Array } = {}): Promise<Float32Array> {
    const job = stageGemm(this, a, b, m, k, n, opts);
    await this.runAsync(job);
    return this.f32().slice(job.c / 4, job.c / 4 + m * n);
  }

  /** Stops the workers and drops the memory; the engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctl, QUIT, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) w?.terminate();
    this.workers.length = 0;
    this.heap.release(this.scratchAt);
    this.heap.release(this.stagingAt);
    this.scratchAt = this.stagingAt = 0;
    this.scratchBytes = this.stagingBytes = 0;
    (this as unknown as { memory: WasmMemory | null }).memory = null;
    (this as unknown as { heap: Heap | null }).heap = null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Workers currently running (diagnostics and tests). */
  get liveWorkers(): number {
    if (this.disposed) return 0;
    let n = 0;
    for (let w = 1; w < this.threads; w++) if (Atomics.load(this.ctl, stateIndex(w)) === 0 && this.workers[w - 1]) n++;
    return n;
  }

  /** The handle of worker `w` (1-based; diagnostics and tests). */
  worker(w: number): WorkerHandle | null {
    return this.workers[w - 1] ?? null;
  }

  // ---- internals ----

  private alive(): void {
    if (this.disposed) throw new Error('GEMM engine: used after dispose()');
  }

  private start(w: number): WorkerHandle {
    Atomics.store(this.ctl, stateIndex(w), 0);
    Atomics.store(this.ctl, doneIndex(w), Atomics.load(this.ctl, GEN));
    const init: WorkerInit = { memory: this.memory, shape: this.shape, maxPages: MAX_PAGES, thread: w, gen: Atomics.load(this.ctl, GEN) };
    const handle = this.spawner!.spawn(init, (message) => {
      if (this.disposed || this.workers[w - 1] !== handle) return;
      if (Atomics.load(this.ctl, stateIndex(w)) === 0) {
        writeMessage(this.ctl, w, message);
        Atomics.store(this.ctl, stateIndex(w), 1);
      }
      Atomics.notify(this.ctl, PENDING);
    });
    return handle;
  }



  private units(job: GemmJob): number {
    return Math.ceil(job.m / this.blocking.mc) * Math.ceil(Math.ceil(job.n / this.shape.nr) / this.blocking.ncp);
  }

  private writeGemm(job: GemmJob, c: Int32Array): void {
    c[J_M] = job.m;
    c[J_N] = job.n;
    c[J_K] = job.k;
    c[J_A] = job.a;
    c[J_LDA] = job.lda;
    c[J_B] = job.b.offset;
    c[J_C] = job.c;
    c[J_LDC] = job.ldc;
    c[J_BIAS] = job.bias ?? 0;
    c[J_MC] = this.blocking.mc;
    c[J_NCP] = this.blocking.ncp;
    c[J_KC] = Math.max(1, Math.min(this.blocking.kc, job.k));
  }

  private post(kind: number, units: number, write: (ctl: Int32Array) => void): void {
    this.alive();
    if (this.busy) throw new Error('GEMM engine: a product is already running on this engine (calls must not overlap)');
    this.busy = true;
    const c = this.ctl;
    write(c);
    c[J_KIND] = kind;
    c[J_UNITS] = units;
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, FAILED, 0);
    Atomics.store(c, PENDING, this.workers.length);
    if (this.workers.length) {
      Atomics.add(c, GEN, 1);
      Atomics.notify(c, GEN);
    }
  }

  /** Every worker is done with generation `gen`, or dead. */
  private settled(gen: number): boolean {
    for (let w = 1; w < this.threads; w++) {
      if (Atomics.load(this.ctl, doneIndex(w)) !== gen && Atomics.load(this.ctl, stateIndex(w)) === 0) return false;
    }
    return true;
  }

  private conclude(mainError: unknown): void {
    this.busy = false;
    const dead: string[] = [];
    for (let w = 1; w < this.threads; w++) {
      if (Atomics.load(this.ctl, stateIndex(w)) === 0) continue;
      dead.push(`worker ${w} stopped: ${readMessage(this.ctl, w) || 'no message'}`);
      this.workers[w - 1]?.terminate();
      this.workers[w - 1] = null;
      this.workers[w - 1] = this.start(w);
    }
    if (dead.length) throw new Error(`GEMM engine: ${dead.join('; ')} (restarted; the product was not completed)`);
    const failed = Atomics.load(this.ctl, FAILED);
    if (failed) throw new Error(`GEMM engine: worker ${failed} failed: ${readMessage(this.ctl, failed)}`);
    if (mainError) throw mainError;
  }
}
