// DetectEngine in this process: one model bundle loaded once (backend-node's createDetector), AA-CLIP
// requests batched dynamically across clients (batcher.ts), MuSc and few-shot requests run whole.
import * as tf from '@tensorflow/tfjs-core';
import {
  combineFewShot,
  createMuscScorer,
  createNormalReferences,
  minImagesForMsm,
  preprocessImage,
  toRgb,
  type Calibration,
  type ClipModel,
  type Detection,
  type AAClipDetector,
  type RawImage,
} from '@aaclip/core';
import { overlayHeatmap, resizeMapBilinear } from '@aaclip/render';
import { createDetector, encodePng, type NodeDetector, type NodeDevice } from '@aaclip/backend-node';
import { OFFICIAL_DATASETS } from '@aaclip/prompts';
import { Batcher } from './batcher';
import { BusyError, DETECT_METHODS, RequestError, type DetectEngine, type DetectImage, type DetectRequest, type DetectResponse, type ImageResult, type Readiness } from './engine';
import { decodeClientImage, type ImageLimits } from './image-input';

export interface LocalEngineOptions {
  /** CLIP weights or an aaclip model file (path, hf:owner/name, alias or URL, as `aaclip detect --model`). */
  model: string;
  adapters?: string[];
  vocab?: string[];
  /** tfjs backend (wasm, cpu, webgpu, tensorflow, ...); default: the one already active, else the fastest available. */
  device?: NodeDevice;
  /** Input size in pixels (default: the model's native size). */
  size?: number;
  /** Most images per AA-CLIP batch (default 8; 1 turns batching off). */
  maxBatch?: number;
  /** Longest wait for more images of the same class (default 10 ms). */
  maxWaitMs?: number;
  /** Most images in flight (decoding, waiting or running) before requests are refused with 429 (default 64). */
  maxQueue?: number;
  /** Most images in one request (default 64). */
  maxImagesPerRequest?: number;
  /** Pixel bounds of one image, checked from its header (default 4096 x 4096, sides up to 8192). */
  limits?: Partial<ImageLimits>;
  /** Class names accepted (default: the official tables' classes plus the model's stored anchors and calibrations). */
  classes?: readonly string[];
  /** Called after every batch (metrics). */
  onBatch?: (info: { method: string; size: number; ms: number }) => void;
}

export interface LocalEngine extends DetectEngine {
  /** Images waiting to run. */
  queueDepth(): number;
  /** Seconds to advertise in Retry-After. */
  retryAfterS(): number;
  /** The input size images are resized to. */
  readonly size: number;
}

interface Item {
  input: Float32Array; // [S, S, 3] CLIP-normalised
}

interface Prepared {
  raw: RawImage;
  input: Float32Array;
  name?: string;
}

const DEFAULT_LIMITS: ImageLimits = { maxPixels: 4096 * 4096, maxSide: 8192 };

/** Stacks CLIP-normalised [S, S, 3] images into one [N, S, S, 3] tensor. */
function stack(inputs: readonly Float32Array[], size: number): tf.Tensor4D {
  const all = new Float32Array(inputs.length * size * size * 3);
  inputs.forEach((x, i) => all.set(x, i * size * size * 3));
  return tf.tensor4d(all, [inputs.length, size, size, 3]); // [N, S, S, 3]
}

/** The anomaly map over the image at its own size, as a PNG (core's overlayHeatmap, as `aaclip detect` draws it). */
async function overlayPng(raw: RawImage, det: Detection): Promise<Uint8Array> {
  const S = det.size;
  const map = raw.width === S && raw.height === S ? det.anomalyMap : resizeMapBilinear(det.anomalyMap, S, S, raw.width, raw.height);
  const over = overlayHeatmap(toRgb(raw).data, map, { opacity: 0.5 });
  return encodePng({ width: raw.width, height: raw.height, channels: 3, data: over });
}

/** Loads the model once and returns the engine; see {@link LocalEngineOptions}. */
export async function createLocalEngine(o: LocalEngineOptions): Promise<LocalEngine> {
  const node = await createDetector({ model: o.model, adapters: o.adapters, vocab: o.vocab, device: o.device, imageSize: o.size });
  // one thread: the core detector's frozen CLIP serves MuSc and the few-shot references too (one copy of the weights)
  const detector = node.detector!;
  return new Local(o, node, detector, detector.model.clip, node.checkpoint?.calibration, [...(node.checkpoint?.anchors.keys() ?? [])]);
}

class Local implements LocalEngine {
  readonly size: number;
  private readonly limits: ImageLimits;
  private readonly batcher: Batcher<Item, Detection>;
  private readonly known: readonly string[];
  private readonly knownSet: Set<string>;
  private closed = false;
  private inflight = 0; // images admitted and not finished
  private preparing = 0; // images admitted, being decoded
  private readonly idle: (() => void)[] = [];
  private readonly maxQueue: number;
  private readonly maxImages: number;

  constructor(
    private readonly o: LocalEngineOptions,
    private readonly node: NodeDetector,
    private readonly detector: AAClipDetector,
    private readonly clip: ClipModel,
    private readonly calibration: Calibration | undefined,
    anchorClasses: string[],
  ) {
    this.size = node.imageSize;
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.maxImages = o.maxImagesPerRequest ?? 64;
    this.maxQueue = o.maxQueue ?? 64;
    const names = o.classes ?? [...OFFICIAL_DATASETS.flatMap((d) => d.classes.map((c) => c.name)), ...anchorClasses, ...Object.keys(calibration?.classes ?? {})];
    this.known = [...new Set(names)].sort();
    this.knownSet = new Set(this.known);
    this.batcher = new Batcher<Item, Detection>({
      maxBatch: o.maxBatch ?? 8,
      maxWaitMs: o.maxWaitMs ?? 10,
      maxQueue: Number.MAX_SAFE_INTEGER, // bounded by detect's admission (inflight)
      run: (key, items) => this.runBatch(key, items),
      preparing: () => this.preparing,
      onRun: ({ key, size, ms }) => o.onBatch?.({ method: key === 'exclusive' ? 'whole-request' : 'aaclip', size, ms }),
    });
  }

  classes(): readonly string[] {
    return this.known;
  }

  ready(): Readiness {
    return this.closed ? { ok: false, reason: 'shutting down' } : { ok: true };
  }

  backend(): string {
    return this.node.backend;
  }

  queueDepth(): number {
    return this.batcher.depth;
  }

  retryAfterS(): number {
    return this.batcher.retryAfterS();
  }

  private async runBatch(key: string, items: Item[]): Promise<Detection[]> {
    const [className, domain] = JSON.parse(key) as [string, 'industrial' | 'medical'];
    const t = stack(items.map((i) => i.input), this.size); // [B, S, S, 3]
    try {
      return await this.detector.detect(t, { className, domain });
    } finally {
      t.dispose();
    }
  }

  private check(req: DetectRequest): void {
    if (this.closed) throw new RequestError(503, 'shutting_down', 'the server is shutting down');
    if (typeof req.className !== 'string' || req.className.trim() === '') throw new RequestError(400, 'missing_class', 'className is required');
    if (!this.knownSet.has(req.className)) throw new RequestError(404, 'unknown_class', `unknown className "${req.className}" (GET /v1/classes lists the ${this.known.length} classes)`);
    if (!DETECT_METHODS.includes(req.method)) throw new RequestError(400, 'bad_method', `method must be one of ${DETECT_METHODS.join(', ')}, got "${String(req.method)}"`);
    const n = req.images?.length ?? 0;
    if (n === 0) throw new RequestError(400, 'no_images', 'the request has no image');
    if (n > this.maxImages) throw new RequestError(413, 'too_many_images', `${n} images in one request; the limit is ${this.maxImages}`);
    const th = req.options?.threshold;
    if (th !== undefined && !(typeof th === 'number' && th >= 0 && th <= 1)) throw new RequestError(400, 'bad_threshold', `threshold must be a number in [0, 1], got ${String(th)}`);
    const dom = req.options?.domain;
    if (dom !== undefined && dom !== 'industrial' && dom !== 'medical') throw new RequestError(400, 'bad_domain', `domain must be industrial or medical, got "${String(dom)}"`);
    if (req.method === 'musc') {
      const min = minImagesForMsm(0, 0.3);
      if (n < min) throw new RequestError(422, 'too_few_images', `method musc scores images against each other: send at least ${min} images of the class in one request (POST /v1/detect/batch), got ${n}`);
    }
    if (req.method === 'few-shot' && !req.normals?.length) throw new RequestError(422, 'no_normals', 'method few-shot needs known-good images of the class (the "normal" field)');
    if ((req.normals?.length ?? 0) > this.maxImages) throw new RequestError(413, 'too_many_images', `${req.normals!.length} normal images; the limit is ${this.maxImages}`);
  }

  private async prepare(images: DetectImage[], label: string): Promise<Prepared[]> {
    const out: Prepared[] = [];
    for (let i = 0; i < images.length; i++) {
      const raw = await decodeClientImage(images[i]!, `${label} #${i + 1}`, this.limits);
      out.push({ raw, input: preprocessImage(raw, this.size), name: images[i]!.name });
    }
    return out;
  }

  async detect(req: DetectRequest, signal?: AbortSignal): Promise<DetectResponse> {
    const t0 = performance.now();
    this.check(req);
    // admission before decoding: every image in flight (decoding, waiting or running) counts
    const cost = req.images.length + (req.normals?.length ?? 0);
    if (this.inflight + cost > this.maxQueue) {
      throw new BusyError(`the server is busy: ${this.inflight} images are in flight (limit ${this.maxQueue}); retry later`, this.batcher.retryAfterS());
    }
    this.inflight += cost;
    this.preparing += cost;
    const prepared = { done: false };
    try {
      return await this.detectAdmitted(req, t0, prepared, signal);
    } finally {
      if (!prepared.done) this.preparing -= cost;
      this.inflight -= cost;
      if (this.inflight === 0) for (const r of this.idle.splice(0)) r();
    }
  }

  private async detectAdmitted(req: DetectRequest, t0: number, prepared: { done: boolean }, signal?: AbortSignal): Promise<DetectResponse> {
    const domain = req.options?.domain ?? 'industrial';
    const images = await this.prepare(req.images, 'image');
    const normals = req.method === 'few-shot' ? await this.prepare(req.normals!, 'normal image') : [];
    const cost = images.length + normals.length;
    this.preparing -= cost; // decoded: now queued
    prepared.done = true;
    let dets: Detection[];
    if (req.method === 'aaclip') {
      dets = await this.batcher.submit(JSON.stringify([req.className, domain]), images.map((p) => ({ input: p.input })), signal);
    } else if (req.method === 'musc') {
      dets = await this.batcher.exclusive(images.length, () => this.runMusc(images));
    } else {
      dets = await this.batcher.exclusive(images.length + normals.length, () => this.runFewShot(req.className, domain, images, normals));
    }
    // thresholds: the request's, else (AA-CLIP only) the class's calibration stored in the model
    const stored = req.method === 'aaclip' && this.calibration && Object.hasOwn(this.calibration.classes, req.className) ? this.calibration.classes[req.className]!.image : undefined;
    const threshold = req.options?.threshold ?? stored;
    const maps = req.options?.maps !== false;
    const results: ImageResult[] = [];
    for (let i = 0; i < images.length; i++) {
      const d = dets[i]!;
      const p = images[i]!;
      results.push({
        ...(p.name !== undefined ? { name: p.name } : {}),
        score: d.score,
        imageScore: d.imageScore,
        mapMax: d.mapMax,
        ...(threshold !== undefined ? { threshold, isAnomalous: d.score >= threshold } : {}),
        size: d.size,
        width: p.raw.width,
        height: p.raw.height,
        ...(maps ? { mapPng: await overlayPng(p.raw, d) } : {}),
      });
    }
    return { className: req.className, method: req.method, results, backend: this.backend(), ms: performance.now() - t0 };
  }

  private async runMusc(images: Prepared[]): Promise<Detection[]> {
    const musc = createMuscScorer({ clip: this.clip });
    const t = stack(images.map((p) => p.input), this.size); // [N, S, S, 3]
    try {
      return await musc.scoreBatch(t);
    } finally {
      t.dispose();
      musc.dispose();
    }
  }

  private async runFewShot(className: string, domain: 'industrial' | 'medical', images: Prepared[], normals: Prepared[]): Promise<Detection[]> {
    const refs = createNormalReferences({ clip: this.clip });
    const n = stack(normals.map((p) => p.input), this.size); // [K, S, S, 3]
    const t = stack(images.map((p) => p.input), this.size); // [N, S, S, 3]
    try {
      await refs.addNormalReferences(className, n);
      const zs = await this.detector.detect(t, { className, domain });
      const fs = await refs.score(className, t);
      return zs.map((d, i) => combineFewShot(d, fs[i]!));
    } finally {
      n.dispose();
      t.dispose();
      refs.dispose();
    }
  }

  /** Stops taking requests, finishes those admitted (queued batches run at once), frees the model. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.flush();
    if (this.inflight > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.batcher.drain();
    await this.node.dispose();
  }
}
