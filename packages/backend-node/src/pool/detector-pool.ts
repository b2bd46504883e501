import { existsSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ClipConfig, DetectOptions, Detection, Domain } from '@aaclip/core';
import type { NodeBackendName } from '../backend';
import { builtWorkerScript, startWorkers } from '../worker-script';
import type { AnchorData, PoolPromptOptions, WorkerDetection, WorkerInit, WorkerReadyInfo, WorkerReply, WorkerRequest } from './protocol';

export type { PoolPromptOptions, AnchorData } from './protocol';

export interface DetectorPoolOptions {
  /** CLIP weights or an aaclip model file (as `loadDetector`'s `model`). */
  model: string;
  /** Adapter files (ours, or the official .pth); default: the model file itself. */
  adapters?: string[];
  /** CLIP BPE vocabulary files, if the model has no tokenizer of its own. */
  vocab?: string[];
  activation?: 'gelu' | 'quick_gelu';
  /** Worker threads. Default `os.availableParallelism()`. */
  workers?: number;
  /**
   * tfjs backend of each worker. Default 'wasm' (one thread per instance in Node, so N workers
   * use N cores). 'cpu' works too; the native backends are multi-threaded already and are
   * better used through a single `loadDetector`.
   */
  backend?: NodeBackendName;
  /** Prompt set / class-name table used to compute anchors. */
  prompts?: PoolPromptOptions;
  /** Default domain of `detect`. */
  domain?: Domain;
  /**
   * Most images one worker runs in one forward pass. Default 1 (least memory, best balance);
   * results do not depend on it.
   */
  maxBatch?: number;
  /** Receives warnings of the workers (e.g. an unknown class name). Default: none. */
  onWarning?: (message: string) => void;
  /** The worker script; default `pool-worker.js` next to this package's `dist/index.js`. */
  workerFile?: string | URL;
}

/**
 * Images for {@link DetectorPool.detect}: CLIP-normalised NHWC float32, square. Either one
 * Float32Array per image (S*S*3 values each), or a batch `{ shape: [B, S, S, 3], data }`
 * (a tf.Tensor4D works: its values are read with `data()`).
 */
export type PoolImages =
  | readonly Float32Array[]
  | { readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly shape: readonly number[]; data(): Promise<unknown>; readonly rank: number };

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface Task {
  /** Required worker (anchors go to the worker with the text tower), or any. */
  worker?: number;
  build(worker: number): { req: WorkerRequest; transfer: ArrayBuffer[] };
  pending: Pending;
}

interface Slot {
  worker: Worker;
  busy: Task | null;
  busyId: number;
  /** Classes whose anchors this worker has (stored, sent, or computed there). */
  classes: Set<string>;
  info: WorkerReadyInfo | null;
}


/** The built worker script: next to the bundle that runs this code, or dist/ when running from src/. */
function defaultWorkerFile(): string {
  return builtWorkerScript('pool-worker', 'createDetectorPool');
}

function errorOf(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/**
 * AA-CLIP detection on several threads: N worker threads each run their own tfjs backend
 * (wasm in Node runs one thread per instance) over their own copy of the weights, loaded by
 * the worker itself (streamed from a .safetensors file). A batch is split image by image (or
 * `maxBatch` at a time) across the workers; the results are those of a single-thread
 * `Detector` over the same files, bit for bit on wasm. Worker 0 also holds the text tower and
 * computes each class's anchors once; the others receive them. See {@link createDetectorPool}.
 */
export class DetectorPool {
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private readonly anchorCache = new Map<string, Promise<AnchorData>>();
  private nextId = 1;
  private failure: Error | null = null;
  private disposed = false;
  private readonly opts: DetectorPoolOptions;

  private constructor(opts: DetectorPoolOptions, slots: Slot[]) {
    this.opts = opts;
    this.slots = slots;
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** Starts the workers and waits until every one has loaded its weights. */
  static async create(opts: DetectorPoolOptions): Promise<DetectorPool> {
    if (!opts || typeof opts.model !== 'string' || !opts.model) throw new Error('createDetectorPool: `model` (a weights file path) is required');
    const n = opts.workers ?? os.availableParallelism();
    if (!Number.isInteger(n) || n < 1) throw new Error(`createDetectorPool: workers must be a positive integer, got ${String(opts.workers)}`);
    const maxBatch = opts.maxBatch ?? 1;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`createDetectorPool: maxBatch must be a positive integer, got ${String(opts.maxBatch)}`);
    if (!existsSync(opts.model)) throw new Error(`createDetectorPool: model file not found: ${opts.model}`);
    const file = opts.workerFile ?? defaultWorkerFile();
    const backend = opts.backend ?? 'wasm';
    const pool = new DetectorPool(opts, []);
    const start = (index: number): Promise<Slot> => {
      const init: WorkerInit = {
        index,
        model: opts.model,
        adapters: opts.adapters,
        vocab: opts.vocab,
        activation: opts.activation,
        backend,
        text: index === 0,
        prompts: opts.prompts,
        domain: opts.domain,
      };
      const worker = new Worker(file, { workerData: init });
      const slot: Slot = { worker, busy: null, busyId: 0, classes: new Set(), info: null };
      pool.slots.push(slot);
      return new Promise<Slot>((resolve, reject) => {
        const onExit = (code: number): void => reject(new Error(`worker ${index} exited with code ${code} while loading`));
        const onError = (e: Error): void => reject(new Error(`worker ${index}: ${e.message}`));
        worker.once('exit', onExit);
        worker.once('error', onError);
        const onMessage = (m: WorkerReply): void => {
          if (m.type === 'warning') return opts.onWarning?.(m.message);
          worker.off('message', onMessage);
          worker.off('exit', onExit);
          worker.off('error', onError);
          if (m.type === 'ready') {
            slot.info = m.info;
            for (const c of m.info.storedClasses) slot.classes.add(c);
            pool.attach(slot, index);
            resolve(slot);
          } else if (m.type === 'init-error') reject(new Error(m.message));
          else reject(new Error(`worker ${index}: unexpected first message ${m.type}`));
        };
        worker.on('message', onMessage);
      });
    };
    try {
      await startWorkers(n, start, opts.model);
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  /** Wires a loaded worker's replies to the task it is running. */
  private attach(slot: Slot, index: number): void {
    slot.worker.on('message', (m: WorkerReply) => {
      if (m.type === 'warning') {
        this.opts.onWarning?.(m.message);
        return;
      }
      if (m.type !== 'ok' && m.type !== 'error') return;
      const task = slot.busy;
      if (!task || m.id !== slot.busyId) return;
      slot.busy = null;
      if (m.type === 'ok') task.pending.resolve(m.result);
      else task.pending.reject(new Error(m.message));
      this.pump();
    });
    const fail = (why: string): void => {
      if (this.disposed) return;
      const err = new Error(`DetectorPool: worker ${index} ${why}`);
      this.failure ??= err;
      const task = slot.busy;
      slot.busy = null;
      task?.pending.reject(err);
      // nothing can run reliably any more: reject everything queued
      for (const t of this.queue.splice(0)) t.pending.reject(err);
    };
    slot.worker.on('error', (e) => fail(`failed: ${e.message}`));
    slot.worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  /** Hands queued tasks to idle workers. */
  private pump(): void {
    for (let w = 0; w < this.slots.length; w++) {
      const slot = this.slots[w]!;
      if (slot.busy) continue;
      const i = this.queue.findIndex((t) => t.worker === undefined || t.worker === w);
      if (i < 0) continue;
      const task = this.queue.splice(i, 1)[0]!;
      const id = this.nextId++;
      let built;
      try {
        built = task.build(w);
      } catch (e) {
        task.pending.reject(errorOf(e));
        w--; // this worker is still idle
        continue;
      }
      slot.busy = task;
      slot.busyId = id;
      slot.worker.postMessage({ ...built.req, id }, built.transfer);
    }
  }

  private run<T>(task: Omit<Task, 'pending'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.disposed) return reject(new Error('DetectorPool: used after dispose()'));
      if (this.failure) return reject(this.failure);
      this.queue.push({ ...task, pending: { resolve: resolve as (v: unknown) => void, reject } });
      this.pump();
    });
  }

  /** The CLIP config of the loaded model (worker 0's, text tower included when present). */
  get config(): ClipConfig {
    return this.slots[0]!.info!.config;
  }

  /** The backend the workers run. */
  get backend(): NodeBackendName {
    return this.slots[0]!.info!.backend;
  }

  /** Classes whose anchors are stored in the model/adapter files. */
  get storedClasses(): string[] {
    return [...this.slots[0]!.info!.storedClasses];
  }

  /** Seconds each worker took to select its backend and load its weights. */
  get loadSeconds(): number[] {
    return this.slots.map((s) => s.info!.loadSeconds);
  }

  /**
   * The [E, 2] anchors of a class (column 0 normal, column 1 abnormal): stored ones, or
   * computed once by worker 0 through the text tower and cached by the pool.
   */
  anchors(className: string): Promise<AnchorData> {
    if (typeof className !== 'string' || className.trim() === '') return Promise.reject(new Error(`detect: className must be a non-empty string, got ${JSON.stringify(className)}`));
    let p = this.anchorCache.get(className);
    if (!p) {
      p = this.run<AnchorData>({ worker: 0, build: () => ({ req: { type: 'anchors', id: 0, className }, transfer: [] }) });
      this.anchorCache.set(className, p);
      p.then(
        () => this.slots[0]!.classes.add(className),
        () => this.anchorCache.delete(className), // an error is not cached: a later call asks again
      );
    }
    return p;
  }

  /**
   * Detection on a batch, split across the workers; one result per image, in order, equal to
   * `Detector.detect` on the same images.
   */
  async detect(images: PoolImages, opts: DetectOptions | string): Promise<Detection[]> {
    if (this.disposed) throw new Error('DetectorPool: used after dispose()');
    if (this.failure) throw this.failure;
    const o: DetectOptions = typeof opts === 'string' ? { className: opts } : opts;
    if (!o || typeof o.className !== 'string' || o.className.trim() === '') throw new Error(`detect: className must be a non-empty string, got ${JSON.stringify(o?.className)}`);
    const domain = o.domain ?? this.opts.domain;
    if (domain !== undefined && domain !== 'industrial' && domain !== 'medical') throw new Error(`detect: domain must be 'industrial' or 'medical', got ${String(domain)}`);
    const { data, batch, size } = await readImages(images);
    const className = o.className;
    const stored = this.slots[0]!.info!.storedClasses.includes(className);
    const anchors = stored ? null : await this.anchors(className);
    const per = size * size * 3;
    const step = this.opts.maxBatch ?? 1;
    const chunks: Promise<WorkerDetection[]>[] = [];
    for (let b0 = 0; b0 < batch; b0 += step) {
      const n = Math.min(step, batch - b0);
      chunks.push(
        this.run<WorkerDetection[]>({
          build: (w) => {
            const slot = this.slots[w]!;
            const send = anchors && !slot.classes.has(className) ? anchors : undefined;
            if (send) slot.classes.add(className);
            const chunk = data(b0 * per, (b0 + n) * per);
            const req: WorkerRequest = { type: 'detect', id: 0, className, images: chunk, batch: n, size, domain, levelMaps: o.levelMaps };
            if (send) req.anchors = { shape: send.shape, data: send.data.slice() };
            return { req, transfer: [chunk.buffer as ArrayBuffer] };
          },
        }),
      );
    }
    const settled = await Promise.allSettled(chunks);
    const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) throw errorOf(failed.reason);
    return settled.flatMap((s) => (s as PromiseFulfilledResult<WorkerDetection[]>).value);
  }

  /** tfjs memory of each worker (tensor count and bytes), for leak checks. */
  memory(): Promise<{ numTensors: number; numBytes: number }[]> {
    return Promise.all(this.slots.map((_, w) => this.run<{ numTensors: number; numBytes: number }>({ worker: w, build: () => ({ req: { type: 'memory', id: 0 }, transfer: [] }) })));
  }

  /** Terminates the workers (their memory goes with them); calls still running reject. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const err = new Error('DetectorPool: disposed');
    for (const t of this.queue.splice(0)) t.pending.reject(err);
    for (const s of this.slots) {
      s.busy?.pending.reject(err);
      s.busy = null;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.anchorCache.clear();
  }
}

/**
 * Reads a batch into one NHWC Float32Array; `data(a, b)` gives a fresh copy of a range (its
 * buffer is transferred to a worker).
 */
async function readImages(images: PoolImages): Promise<{ data: (from: number, to: number) => Float32Array; batch: number; size: number }> {
  if (Array.isArray(images)) {
    const list = images as readonly Float32Array[];
    if (list.length === 0) throw new Error('detect: empty batch');
    const len = list[0]?.length ?? 0;
    const size = Math.round(Math.sqrt(len / 3));
    list.forEach((a, i) => {
      if (!(a instanceof Float32Array)) throw new Error(`detect: image ${i} is not a Float32Array (CLIP-normalised NHWC float32)`);
      if (a.length !== len || size * size * 3 !== len || size === 0) throw new Error(`detect: image ${i} has ${a.length} values; every image must be S*S*3 values of the same S`);
    });
    const per = size * size * 3;
    return {
      batch: list.length,
      size,
      data: (from, to) => {
        const out = new Float32Array(to - from);
        for (let b = from / per; b < to / per; b++) out.set(list[b]!, b * per - from);
        return out;
      },
    };
  }
  const t = images as { shape?: readonly number[]; data?: unknown };
  const shape = t?.shape;
  if (!shape || shape.length !== 4 || shape[3] !== 3) throw new Error(`detect: images must be NHWC [B, S, S, 3], got shape [${shape ?? ''}]`);
  const [B, S, S2] = shape as [number, number, number, number];
  if (B === 0 || S === 0) throw new Error(`detect: empty batch or zero-size images, shape [${shape}]`);
  if (S !== S2) throw new Error(`detect: images must be square, got ${S} x ${S2}`);
  const raw = typeof t.data === 'function' ? await (t as { data(): Promise<unknown> }).data() : t.data;
  if (!(raw instanceof Float32Array) || raw.length !== B * S * S * 3) throw new Error(`detect: images must hold ${B * S * S * 3} float32 values`);
  return { batch: B, size: S, data: (from, to) => raw.slice(from, to) };
}

/**
 * Starts a pool of detector workers; see {@link DetectorPool}.
 *
 * @example
 * import { createDetectorPool, decodeImageFile } from '@aaclip/backend-node';
 * import { preprocessImage } from '@aaclip/core';
 *
 * const pool = await createDetectorPool({ model: 'vitl14-336.safetensors', adapters: ['adapters.safetensors'],
 *   vocab: ['bpe_simple_vocab_16e6.txt.gz'], workers: 2 });       // wasm, one thread per worker
 * const images = await Promise.all(files.map(async (f) => preprocessImage(await decodeImageFile(f), 518)));
 * const results = await pool.detect(images, 'bottle');           // same maps and scores as one Detector
 * console.log(results.map((r) => r.score));
 * await pool.dispose();                                          // terminates the workers
 */
export function createDetectorPool(opts: DetectorPoolOptions): Promise<DetectorPool> {
  return DetectorPool.create(opts);
}
