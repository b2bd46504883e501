import * as tf from '@tensorflow/tfjs-core';
import type { ClipModel } from '../model/clip-model';
import type { WeightMap } from '../model/weight-source';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { AAClipConfig } from './aaclip-config';
import { AAClipModel } from './aaclip-model';
import { AnchorCache, type PromptOptions } from './anchors';
import { applyThresholds, type Calibration } from './calibrate';
import { anomalyMaps } from './anomaly-map';
import type { Domain } from './maps';
import { fuseScores, imageScore, mapMaximum } from './score';
import { checkBatchShape, imagesToTensor, type DetectorImages } from './image-batch';

export type { DetectorImages } from './image-batch';

/** Anchors of one class: [E, 2] row-major (column 0 normal, column 1 abnormal). */
export type AnchorInput = tf.Tensor2D | { shape: number[]; data: Float32Array };

export interface DetectorOptions {
  clip: ClipModel;
  /** Adapter weights (`text_adapter.*`, `image_adapter.*`). */
  adapters: WeightMap;
  config?: Partial<AAClipConfig>;
  /** Precomputed anchors per class; with them no text tower or tokenizer is needed. */
  anchors?: ReadonlyMap<string, AnchorInput>;
  /** Classes whose anchors are computed up front (needs `tokenizer` and a text tower). */
  classNames?: readonly string[];
  tokenizer?: Tokenizer;
  prompts?: PromptOptions;
  /** Default domain for the blur and the fused score. Default 'industrial'. */
  domain?: Domain;
  /** Take ownership of `clip` (dispose it with the detector). Default true. */
  ownsClip?: boolean;
  /** Thresholds per class (calibrate.ts; stored in model files): detections of a calibrated class get `isAnomalous` and `defectMask`. */
  calibration?: Calibration;
  /** Side of the square model input that decoded images are resized to. Default: the CLIP's native size. */
  imageSize?: number;
}

export interface DetectOptions {
  className: string;
  domain?: Domain;
  /** Also return each level's map. */
  levelMaps?: boolean;
}

export interface Detection {
  /** Side of the square maps. */
  size: number;
  /** The official test map: sum over levels of the blurred, upsampled (s1 + 1 - s0) / 2. [size*size] */
  anomalyMap: Float32Array;
  /** Mean over levels of the softmax anomaly probability (0..1), for display. [size*size] */
  probabilityMap: Float32Array;
  levelMaps?: Float32Array[];
  /** (det . a_abnormal + 1) / 2 */
  imageScore: number;
  /** Maximum of `probabilityMap`. */
  mapMax: number;
  /**
   * The fused score f(x) of this image alone (score.ts): industrial 0.5 * mapMax + 0.5 *
   * imageScore, medical mapMax, on the raw scale. It is not the score `aaclip eval` ranks by,
   * which min-max normalises both terms over a class's test set (`classFusedScores`); calibrated
   * thresholds are set on this one.
   */
  score: number;
  /** With a calibration of the class: score >= its image threshold. */
  isAnomalous?: boolean;
  /** With a calibration of the class: anomalyMap >= its pixel threshold, 0/1 [size*size]. */
  defectMask?: Uint8Array;
}

/**
 * The one detector interface, implemented by the single-thread {@link AAClipDetector}, the
 * Node worker pool and the runtimes' `createDetector` results alike: one `detect(images,
 * { className, ... })` for every runtime, one result per image, in order.
 *
 * `Images` is what `detect` takes: in core a tensor batch [B, S, S, 3] (CLIP-normalised NHWC
 * float32, square) or decoded images (`RawImage`, resized and normalised to `imageSize`
 * here); the runtime packages add file paths, URLs and DOM images.
 *
 * @example
 * const det: Detector = await createDetector({ model: 'model.safetensors' }); // @aaclip/backend-node
 * const [r] = await det.detect(rawImage, { className: 'bottle' });
 * await det.dispose();
 */
export interface Detector<Images = DetectorImages> {
  /** Classes with anchors ready (more are computed on demand with a tokenizer). */
  readonly classes: readonly string[];
  /** Side of the square model input decoded images are resized to. */
  readonly imageSize: number;
  detect(images: Images, opts: DetectOptions): Promise<Detection[]>;
  /** Frees the weights (or stops the workers). Idempotent. */
  dispose(): void | Promise<void>;
}

/**
 * The inference runtime of AA-CLIP over a loaded CLIP: class anchors (precomputed or from
 * prompts), per-image anomaly maps and scores. Images are NHWC float32, CLIP-normalised,
 * square, or decoded images (resized and normalised to `imageSize`). `dispose()` frees the
 * adapters, the anchors and (by default) the CLIP model.
 *
 * @example
 * const det = createAAClipDetector({ clip, adapters, tokenizer, classNames: ['bottle'] });
 * const [r] = await det.detect(images, { className: 'bottle' });
 * det.dispose();
 */
export class AAClipDetector implements Detector {
  private readonly fixedAnchors = new Map<string, tf.Tensor2D>();
  private readonly cache: AnchorCache | null;
  private disposed = false;
  /** The options detection reads later; not the adapter and anchor arrays (the model's and the anchors' tensors hold those: ~40 MB of JS copies for ViT-L). */
  private readonly opts: Pick<DetectorOptions, 'prompts' | 'domain' | 'ownsClip'>;
  /** Thresholds per class; replace with `setCalibration`. */
  calibration: Calibration | undefined;
  /** Side of the square model input decoded images are resized to. */
  readonly imageSize: number;

  constructor(
    readonly model: AAClipModel,
    opts: DetectorOptions,
  ) {
    this.opts = { prompts: opts.prompts, domain: opts.domain, ownsClip: opts.ownsClip };
    this.calibration = opts.calibration;
    this.imageSize = opts.imageSize ?? model.clip.config.vision.imageSize;
    for (const [c, a] of opts.anchors ?? []) this.fixedAnchors.set(c, toAnchorTensor(c, a, model.clip.config.embedDim));
    this.cache = opts.tokenizer && model.clip.text ? new AnchorCache(model, opts.tokenizer) : null;
    for (const c of opts.classNames ?? []) this.anchors(c);
  }

  /** Classes with anchors ready. */
  get classes(): string[] {
    return [...this.fixedAnchors.keys()];
  }

  /** The [E, 2] anchors of a class (owned by the detector). */
  anchors(className: string): tf.Tensor2D {
    this.assertLive();
    if (typeof className !== 'string' || className.trim() === '') throw new Error(`detect: className must be a non-empty string, got ${JSON.stringify(className)}`);
    const fixed = this.fixedAnchors.get(className);
    if (fixed) return fixed;
    if (!this.cache) {
      throw new Error(`detect: no anchors for class "${className}" (known: ${this.classes.join(', ') || 'none'}) and no tokenizer/text tower to compute them`);
    }
    const a = this.cache.get(className, this.opts.prompts ?? {});
    this.fixedAnchors.set(className, tf.keep(a.clone()));
    return this.fixedAnchors.get(className)!;
  }

  /**
   * Sets (or replaces) the [E, 2] anchors of a class, e.g. anchors computed by another detector
   * over the same weights (a worker pool computes them once and hands them to every worker).
   */
  setAnchors(className: string, anchors: AnchorInput): void {
    this.assertLive();
    if (typeof className !== 'string' || className.trim() === '') throw new Error(`setAnchors: className must be a non-empty string, got ${JSON.stringify(className)}`);
    const t = toAnchorTensor(className, anchors, this.model.clip.config.embedDim);
    this.fixedAnchors.get(className)?.dispose();
    this.fixedAnchors.set(className, t);
  }

  /**
   * Runs detection on a batch [B, S, S, 3], or on decoded images (preprocessed to `imageSize`
   * here, the caller's images untouched); returns one result per image.
   */
  async detect(input: DetectorImages, opts: DetectOptions): Promise<Detection[]> {
    this.assertLive();
    const { tensor, owned } = imagesToTensor(input, this.imageSize);
    try {
      return await this.detectTensor(tensor, opts);
    } finally {
      if (owned) tensor.dispose();
    }
  }

  private async detectTensor(images: tf.Tensor4D, opts: DetectOptions): Promise<Detection[]> {
    const { batch: B, size: S } = checkBatchShape(images?.shape); // [B, S, S, 3]
    const domain = opts.domain ?? this.opts.domain ?? 'industrial';
    if (domain !== 'industrial' && domain !== 'medical') throw new Error(`detect: domain must be 'industrial' or 'medical', got ${String(domain)}`);
    const A = this.anchors(opts.className);
    const out = tf.tidy(() => {
      const f = this.model.forward(images);
      const maps = anomalyMaps(f.seg, A, f.grid, S, domain, { probability: true }); // [B, S, S] each
      return {
        anomaly: maps.anomaly,
        prob: maps.probability!,
        level: opts.levelMaps ? tf.stack(maps.levels, 1) : tf.zeros([0]), // [B, L, S, S]
        score: imageScore(f.det, A),
      };
    });
    try {
      const [anomaly, prob, level, score] = await Promise.all([out.anomaly.data(), out.prob.data(), out.level.data(), out.score.data()]);
      const n = S * S;
      const L = this.model.config.levels.length;
      return Array.from({ length: B }, (_, b) => {
        const probabilityMap = (prob as Float32Array).slice(b * n, (b + 1) * n);
        const mapMax = mapMaximum(probabilityMap);
        const s = score[b]!;
        const det: Detection = {
          size: S,
          anomalyMap: (anomaly as Float32Array).slice(b * n, (b + 1) * n),
          probabilityMap,
          imageScore: s,
          mapMax,
          score: fuseScores(mapMax, s, domain),
        };
        const t = this.thresholds(opts.className);
        if (t) Object.assign(det, applyThresholds(t, det.score, det.anomalyMap));
        if (opts.levelMaps) det.levelMaps = Array.from({ length: L }, (_, l) => (level as Float32Array).slice((b * L + l) * n, (b * L + l + 1) * n));
        return det;
      });
    } finally {
      tf.dispose(out);
    }
  }

  /** The calibrated thresholds of a class, if any. */
  thresholds(className: string): { image: number; pixel: number } | undefined {
    const c = this.calibration?.classes;
    return c && Object.hasOwn(c, className) ? c[className] : undefined;
  }

  /**
   * Anchors of every known class, for export (checkpoint layout [E, 2]).
   * @deprecated read with `exportAnchorsAsync` (synchronous reads fail on webgpu in Node); this sync twin goes in the next release.
   */
  exportAnchors(): Map<string, { shape: number[]; data: Float32Array }> {
    const m = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [c, a] of this.fixedAnchors) m.set(c, { shape: [...a.shape], data: a.dataSync() as Float32Array });
    return m;
  }

  /** `exportAnchors` read asynchronously (webgpu in Node has no synchronous read). */
  async exportAnchorsAsync(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const m = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [c, a] of this.fixedAnchors) m.set(c, { shape: [...a.shape], data: (await a.data()) as Float32Array });
    return m;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const a of this.fixedAnchors.values()) a.dispose();
    this.fixedAnchors.clear();
    this.cache?.dispose();
    this.model.dispose();
    if (this.opts.ownsClip ?? true) this.model.clip.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('Detector: used after dispose()');
  }
}

function toAnchorTensor(className: string, a: AnchorInput, embedDim: number): tf.Tensor2D {
  const shape = a instanceof tf.Tensor ? a.shape : a.shape;
  if (shape.length !== 2 || shape[0] !== embedDim || shape[1] !== 2) {
    throw new Error(`anchors for "${className}" have shape [${shape.join(', ')}], expected [${embedDim}, 2]`);
  }
  return a instanceof tf.Tensor ? tf.keep(a.clone()) : tf.tensor2d(a.data, [embedDim, 2]);
}

/** Builds the single-thread detector over a loaded CLIP; see {@link DetectorOptions}. */
export function createAAClipDetector(opts: DetectorOptions): AAClipDetector {
  if (!opts || !opts.clip) throw new Error('createDetector: `clip` is required');
  if (!opts.adapters) throw new Error('createDetector: `adapters` is required');
  if (![...opts.adapters.keys()].some((k) => k.startsWith('image_adapter.'))) {
    throw new Error('createDetector: `adapters` has no image_adapter.* weights (a stage-2 checkpoint is needed for detection)');
  }
  if (!opts.anchors && !opts.tokenizer) throw new Error('createDetector: give `anchors`, or a `tokenizer` (and a text tower) to compute them from class names');
  const model = AAClipModel.create({ clip: opts.clip, adapters: opts.adapters, config: opts.config });
  try {
    return new AAClipDetector(model, opts);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * @deprecated Renamed {@link createAAClipDetector} (the runtimes' `createDetector` loads a model
 * bundle and returns a {@link Detector}); this name goes in the next release.
 */
export const createDetector: (opts: DetectorOptions) => AAClipDetector = createAAClipDetector;
