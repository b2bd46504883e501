import { existsSync } from 'node:fs';
import os from 'node:os';
import { checkBatchShape, preprocessBatch, stackPreprocessed, type ClipConfig, type DetectOptions, type Detection, type Detector, type DetectorImages, type Domain, type RawImage } from '@aaclip/core';
import type { NodeBackendName } from '../backend';
import { builtWorkerScript, WorkerRpc } from '../worker-rpc';
import type { AnchorData, PoolPromptOptions, WorkerDetection, WorkerInit, WorkerReadyInfo, WorkerRequest } from './protocol';

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
  /** Side of the square model input decoded images are resized to; default per the bundle (see `loadBundle`). */
  imageSize?: number;
}

/**
 * Images for {@link DetectorPool.detect}: CLIP-normalised NHWC float32, square. Either one
 * Float32Array per image (S*S*3 values each), or a batch `{ shape: [B, S, S, 3], data }`
 * (a tf.Tensor4D works: its values are read with `data()`).
 */
export type PoolImages =
  | DetectorImages
  | readonly Float32Array[]
  | { readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly shape: readonly number[]; data(): Promise<unknown>; readonly rank: number };

/** The built worker script: next to the bundle that runs this code, or dist/ when running from src/. */
function defaultWorkerFile(): string {
  return builtWorkerScript('pool-worker', 'createDetectorPool');
}

/**
 * AA-CLIP detection on several threads: N worker threads each run their own tfjs backend
 * (wasm in Node runs one thread per instance) over their own copy of the weights, loaded by
 * the worker itself (streamed from a .safetensors file). A batch is split image by image (or
 * `maxBatch` at a time) across the workers; the results are those of a single-thread
 * `Detector` over the same files, bit for bit on wasm. Worker 0 also holds the text tower and
 * computes each class's anchors once; the others receive them. See {@link createDetectorPool}.
 */
export class DetectorPool implements Detector<PoolImages> {
  private readonly anchorCache = new Map<string, Promise<AnchorData>>();
  /** Classes whose anchors each worker has (stored, sent, or computed there). */
  private readonly workerClasses: Set<string>[];
  private disposed = false;

  private constructor(
    private readonly rpc: WorkerRpc<WorkerRequest, WorkerReadyInfo>,
    private readonly opts: DetectorPoolOptions,
  ) {
    this.workerClasses = Array.from({ length: rpc.size }, (_, w) => new Set(rpc.info(w).storedClasses));
  }

  /** Number of workers. */
  get size(): number {
    return this.rpc.size;
  }

  /** Starts the workers and waits until every one has loaded its weights. */
  static async create(opts: DetectorPoolOptions): Promise<DetectorPool> {
    if (!opts || typeof opts.model !== 'string' || !opts.model) throw new Error('createDetectorPool: `model` (a weights file path) is required');
    const n = opts.workers ?? os.availableParallelism();
    if (!Number.isInteger(n) || n < 1) throw new Error(`createDetectorPool: workers must be a positive integer, got ${String(opts.workers)}`);
    const maxBatch = opts.maxBatch ?? 1;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`createDetectorPool: maxBatch must be a positive integer, got ${String(opts.maxBatch)}`);
    if (!existsSync(opts.model)) throw new Error(`createDetectorPool: model file not found: ${opts.model}`);
    const backend = opts.backend ?? 'wasm';
    const rpc = await WorkerRpc.start<WorkerRequest, WorkerReadyInfo>({
      file: opts.workerFile ?? defaultWorkerFile(),
      count: n,
      name: 'DetectorPool',
      weightsFile: opts.model,
      onWarning: opts.onWarning,
      workerData: (index): WorkerInit => ({
        index,
        model: opts.model,
        adapters: opts.adapters,
        vocab: opts.vocab,
        activation: opts.activation,
        backend,
        text: index === 0,
        prompts: opts.prompts,
        domain: opts.domain,
        imageSize: opts.imageSize,
      }),
    });
    return new DetectorPool(rpc, opts);
  }

  /** The CLIP config of the loaded model (worker 0's, text tower included when present). */
  get config(): ClipConfig {
    return this.rpc.info(0).config;
  }

  /** Side of the square model input decoded images are resized to. */
  get imageSize(): number {
    return this.rpc.info(0).imageSize;
  }

  /** Classes with anchors ready (stored in the files, or computed by this pool). */
  get classes(): string[] {
    return [...this.workerClasses[0]!];
  }

  /** The backend the workers run. */
  get backend(): NodeBackendName {
    return this.rpc.info(0).backend;
  }

  /** Classes whose anchors are stored in the model/adapter files. */
  get storedClasses(): string[] {
    return [...this.rpc.info(0).storedClasses];
  }

  /** Seconds each worker took to select its backend and load its weights. */
  get loadSeconds(): number[] {
    return Array.from({ length: this.rpc.size }, (_, w) => this.rpc.info(w).loadSeconds);
  }

  /**
   * The [E, 2] anchors of a class (column 0 normal, column 1 abnormal): stored ones, or
   * computed once by worker 0 through the text tower and cached by the pool.
   */
  anchors(className: string): Promise<AnchorData> {
    if (typeof className !== 'string' || className.trim() === '') return Promise.reject(new Error(`detect: className must be a non-empty string, got ${JSON.stringify(className)}`));
    let p = this.anchorCache.get(className);
    if (!p) {
      p = this.rpc.call<AnchorData>(() => ({ req: { type: 'anchors', className } }), 0);
      this.anchorCache.set(className, p);
      p.then(
        () => this.workerClasses[0]!.add(className),
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
    if (this.rpc.failed) throw this.rpc.failed;
    const o: DetectOptions = typeof opts === 'string' ? { className: opts } : opts;
    if (!o || typeof o.className !== 'string' || o.className.trim() === '') throw new Error(`detect: className must be a non-empty string, got ${JSON.stringify(o?.className)}`);
    const domain = o.domain ?? this.opts.domain;
    if (domain !== undefined && domain !== 'industrial' && domain !== 'medical') throw new Error(`detect: domain must be 'industrial' or 'medical', got ${String(domain)}`);
    const { data, batch, size } = await readImages(images, this.imageSize);
    const className = o.className;
    const stored = this.rpc.info(0).storedClasses.includes(className);
    const anchors = stored ? null : await this.anchors(className);
    const per = size * size * 3;
    const step = this.opts.maxBatch ?? 1;
    const chunks: Promise<WorkerDetection[]>[] = [];
    for (let b0 = 0; b0 < batch; b0 += step) {
      const n = Math.min(step, batch - b0);
      chunks.push(
        this.rpc.call<WorkerDetection[]>((w) => {
          const has = this.workerClasses[w]!;
          const send = anchors && !has.has(className) ? anchors : undefined;
          if (send) has.add(className);
          const chunk = data(b0 * per, (b0 + n) * per); // [n, size, size, 3]
          const req: WorkerRequest = { type: 'detect', className, images: chunk, batch: n, size, domain, levelMaps: o.levelMaps };
          if (send) req.anchors = { shape: send.shape, data: send.data.slice() };
          return { req, transfer: [chunk.buffer as ArrayBuffer] };
        }),
      );
    }
    const settled = await Promise.allSettled(chunks);
    const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    return settled.flatMap((s) => (s as PromiseFulfilledResult<WorkerDetection[]>).value);
  }

  /** tfjs memory of each worker (tensor count and bytes), for leak checks. */
  memory(): Promise<{ numTensors: number; numBytes: number }[]> {
    return Promise.all(Array.from({ length: this.rpc.size }, (_, w) => this.rpc.call<{ numTensors: number; numBytes: number }>(() => ({ req: { type: 'memory' } }), w)));
  }

  /** Terminates the workers (their memory goes with them); calls still running reject. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.rpc.dispose();
    this.anchorCache.clear();
  }
}

/** Decoded images (one `RawImage` or a list of them), or null for preprocessed input. */
function isDecoded(images: PoolImages): RawImage | readonly RawImage[] | null {
  const one = (v: unknown): boolean => typeof v === 'object' && v !== null && !(v instanceof Float32Array) && 'channels' in v && 'width' in v && 'height' in v && 'data' in v;
  if (Array.isArray(images)) return images.length > 0 && images.every(one) ? (images as readonly RawImage[]) : null;
  return one(images) ? (images as RawImage) : null;
}

/**
 * Reads a batch into one NHWC Float32Array; `data(a, b)` gives a fresh copy of a range (its
 * buffer is transferred to a worker).
 */
async function readImages(images: PoolImages, imageSize: number): Promise<{ data: (from: number, to: number) => Float32Array; batch: number; size: number }> {
  const decoded = isDecoded(images);
  if (decoded) {
    const b = preprocessBatch(decoded, imageSize); // core's one preprocessing: [B, S, S, 3]
    return { batch: b.batch, size: b.size, data: (from, to) => b.data.slice(from, to) };
  }
  if (Array.isArray(images)) {
    const b = stackPreprocessed(images as readonly Float32Array[]); // core's checks: [B, S, S, 3]
    return { batch: b.batch, size: b.size, data: (from, to) => b.data.slice(from, to) };
  }
  const t = images as { shape?: readonly number[]; data?: unknown };
  const { batch: B, size: S } = checkBatchShape(t?.shape); // [B, S, S, 3]
  const raw = typeof t.data === 'function' ? await (t as { data(): Promise<unknown> }).data() : t.data;
  if (!(raw instanceof Float32Array) || raw.length !== B * S * S * 3) throw new Error(`detect: images must hold ${B * S * S * 3} float32 values`);
  return { batch: B, size: S, data: (from, to) => raw.slice(from, to) };
}

/**
 * Starts a pool of detector workers; see {@link DetectorPool}.
 *
 * @deprecated Use `createDetector({ model, workers: N })`, which returns this pool behind the one
 * `Detector` interface (file paths and decoded images in too). This name goes in the next release.
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
