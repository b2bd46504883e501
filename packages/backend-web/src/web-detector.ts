// One call from URLs to a ready anomaly detector in the browser.
import * as tf from '@tensorflow/tfjs-core';
import {
  checkpointFromTensors,
  clipFromTensors,
  createDetector,
  type AAClipCheckpoint,
  type AAClipConfig,
  type Detection,
  type DetectOptions,
  type AAClipDetector,
  type Domain,
  type PromptOptions,
  type RawImage,
  type Tokenizer,
} from '@aaclip/core';
import { useWebBackend, webBackendReport, type WasmPaths, type WebBackendReport } from './backend';
import type { WebBackendName } from './feature-probes';
import { imageToTensor, type ImageInput } from './image-input';
import { loadCheckpointFromUrl, loadTokenizerFromUrl, readWeightBytes, type ClipBuildOptions } from './load-model';
import { loadWeights, type LoadWeightsOptions } from './load-weights';

/** Also every {@link LoadWeightsOptions} (progress per file, caching, abort signal), applied to each download. */
export interface WebDetectorOptions extends ClipBuildOptions, LoadWeightsOptions {
  /** CLIP weights (any format `loadClipFromUrl` reads); may also hold the adapters. */
  modelUrl: string;
  /** AA-CLIP checkpoint(s): ours, plain adapters, or the official .pth pair. Default: adapters inside `modelUrl`. */
  adapterUrl?: string | readonly string[];
  /** Computes anchors of classes the checkpoint has none for (needs the text tower). */
  tokenizer?: Tokenizer;
  /** Or: URL of `bpe_simple_vocab_16e6.txt.gz` / `tokenizer.json` to build it from. */
  tokenizerUrl?: string;
  /** Classes whose anchors are computed up front (with a tokenizer). */
  classNames?: readonly string[];
  prompts?: PromptOptions;
  /** Default domain of the maps and the fused score. Default 'industrial'. */
  domain?: Domain;
  /** AA-CLIP hyper-parameters (default: the checkpoint's, else the official ones). */
  config?: Partial<AAClipConfig>;
  /**
   * Side of the square model input in pixels. Default: the checkpoint's `image_size` metadata,
   * else the CLIP's native size (336 for ViT-L-14-336; the AA-CLIP paper runs at 518).
   */
  imageSize?: number;
  /**
   * Backend to select first: a name, 'auto', or false to keep tfjs' current one. Default: the
   * backend already chosen by `useWebBackend` / the register entry, else 'auto'.
   */
  backend?: WebBackendName | 'auto' | false;
  wasmPaths?: WasmPaths;
}

/**
 * A {@link Detector} with browser inputs: images of any kind are preprocessed to the model's
 * size. `dispose()` frees every tensor (weights, adapters, anchors) on the GPU.
 */
export class WebDetector {
  constructor(
    /** The core detector (batched tensor input). */
    readonly detector: AAClipDetector,
    /** Side of the square model input. */
    readonly imageSize: number,
    /** The checkpoint the adapters and anchors came from. */
    readonly checkpoint: AAClipCheckpoint,
    /** The backend selection this detector was built after, if it selected one. */
    readonly backend: WebBackendReport | null,
  ) {}

  /** Classes with anchors ready (more are computed on demand with a tokenizer). */
  get classes(): string[] {
    return this.detector.classes;
  }

  /**
   * Detects anomalies in one image (element, bitmap, canvas, ImageData, File/Blob or RawImage).
   *
   * @example const r = await det.detect(img, 'bottle'); // r.score, r.anomalyMap (r.size x r.size)
   */
  async detect(image: ImageInput | RawImage, opts: string | DetectOptions): Promise<Detection> {
    const o: DetectOptions = typeof opts === 'string' ? { className: opts } : opts;
    const x = await imageToTensor(image, this.imageSize);
    try {
      const [r] = await this.detector.detect(x, o);
      return r!;
    } finally {
      x.dispose();
    }
  }

  /** Detects anomalies in a preprocessed batch [B, S, S, 3] (see `imageToTensor`). */
  detectBatch(images: tf.Tensor4D, opts: string | DetectOptions): Promise<Detection[]> {
    return this.detector.detect(images, typeof opts === 'string' ? { className: opts } : opts);
  }

  /** Frees the GPU memory of the model, adapters and anchors. Idempotent. */
  dispose(): void {
    this.detector.dispose();
  }
}

function imageSizeOf(opts: WebDetectorOptions, ckpt: AAClipCheckpoint, native: number): number {
  if (opts.imageSize !== undefined) {
    if (!Number.isInteger(opts.imageSize) || opts.imageSize <= 0) throw new RangeError(`createWebDetector: imageSize must be a positive integer, got ${String(opts.imageSize)}`);
    return opts.imageSize;
  }
  const meta = Number(ckpt.extra?.image_size);
  return Number.isInteger(meta) && meta > 0 ? meta : native;
}

/**
 * Selects a backend, downloads (with progress and caching) the CLIP weights, the AA-CLIP
 * checkpoint and optionally a tokenizer, and builds a {@link WebDetector}. Anchors come from the
 * checkpoint; classes without anchors need a tokenizer and a CLIP with its text tower.
 *
 * @example
 * const det = await createWebDetector({
 *   modelUrl: '/models/ViT-L-14-336.safetensors',
 *   adapterUrl: '/models/aaclip-mvtec.safetensors',
 *   wasmPaths: '/assets/tfjs-wasm/',
 *   imageSize: 518,
 *   onProgress: (loaded, total, url) => console.log(url, loaded, total),
 * });
 * const r = await det.detect(document.querySelector('img')!, 'bottle');
 * det.dispose();
 */
export async function createWebDetector(opts: WebDetectorOptions): Promise<WebDetector> {
  if (!opts || typeof opts.modelUrl !== 'string' || opts.modelUrl.trim() === '') {
    throw new Error(`createWebDetector: modelUrl must be a non-empty string, got ${JSON.stringify(opts?.modelUrl)}`);
  }
  let backend: WebBackendReport | null = null;
  if (opts.backend !== false) {
    backend = opts.backend === undefined && webBackendReport() ? webBackendReport() : await useWebBackend(opts.backend ?? 'auto', { wasmPaths: opts.wasmPaths });
  }
  const tokenizerUrl = opts.tokenizer ? undefined : opts.tokenizerUrl;
  const [modelBytes, adapterCkpt, tokenizer] = await Promise.all([
    loadWeights(opts.modelUrl, opts),
    opts.adapterUrl !== undefined ? loadCheckpointFromUrl(opts.adapterUrl, opts) : Promise.resolve(null),
    tokenizerUrl !== undefined ? loadTokenizerFromUrl(tokenizerUrl, opts) : Promise.resolve(opts.tokenizer),
  ]);
  const { tensors, metadata } = readWeightBytes(modelBytes, opts.modelUrl);
  let ckpt = adapterCkpt;
  if (!ckpt) {
    if (![...tensors.keys()].some((k) => k.startsWith('image_adapter.'))) {
      throw new Error(`createWebDetector: ${opts.modelUrl} holds no image_adapter.* weights; give adapterUrl (an AA-CLIP checkpoint)`);
    }
    ckpt = checkpointFromTensors(tensors, metadata, opts.modelUrl);
  }
  const { clip, config } = clipFromTensors(
    tensors,
    metadata,
    {
      visionHeads: opts.visionHeads ?? ckpt.clipConfig?.vision?.heads,
      textHeads: opts.textHeads ?? ckpt.clipConfig?.text?.heads,
      activation: opts.activation ?? ckpt.clipConfig?.activation,
      inferenceOnly: true, // detection only: one packed copy of the weights on wasm, not two
    },
    opts.modelUrl,
  );
  try {
    const imageSize = imageSizeOf(opts, ckpt, config.vision.imageSize);
    const detector = createDetector({
      clip,
      adapters: ckpt.adapters,
      config: { ...ckpt.aaclipConfig, ...opts.config },
      anchors: ckpt.anchors.size > 0 ? ckpt.anchors : undefined,
      classNames: opts.classNames,
      tokenizer: tokenizer ?? undefined,
      prompts: opts.prompts,
      domain: opts.domain,
    });
    return new WebDetector(detector, imageSize, ckpt, backend);
  } catch (e) {
    clip.dispose();
    throw e;
  }
}
