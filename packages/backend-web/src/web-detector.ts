// One call from URLs to a ready anomaly detector in the browser.
import * as tf from '@tensorflow/tfjs-core';
import { type AAClipCheckpoint } from '@aaclip/core/weights';
import {
  type AAClipConfig,
  type Detection,
  type DetectOptions,
  type AAClipDetector,
  type Domain,
  type PromptOptions,
  type RawImage,
  type Tokenizer,
} from '@aaclip/core';
import type { WasmPaths, WebBackendReport } from './backend';
import { loadWebDetector } from './create-detector';
import type { WebBackendName } from './feature-probes';
import { imageToRawImage, type ImageInput } from './image-input';
import type { ClipBuildOptions } from './load-model';
import type { LoadWeightsOptions } from './load-weights';

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
 * A detector with browser inputs: images of any kind are preprocessed to the model's size.
 * `dispose()` frees every tensor (weights, adapters, anchors) on the GPU.
 *
 * @deprecated Returned by the deprecated `createWebDetector`; `createDetector` returns the one
 * `Detector` interface (`BrowserDetector`) instead. This class goes in the next release.
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
    const [r] = await this.detector.detect([await imageToRawImage(image)], o); // core preprocesses to the detector's imageSize
    return r!;
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

/**
 * Selects a backend, downloads (with progress and caching) the CLIP weights, the AA-CLIP
 * checkpoint and optionally a tokenizer, and builds a {@link WebDetector}. Anchors come from the
 * checkpoint; classes without anchors need a tokenizer and a CLIP with its text tower.
 *
 * @deprecated Use `createDetector({ model, adapters, vocab, device })`, which returns the one
 * `Detector` (`detect(images, { className })`, one result per image). This name goes in the
 * next release.
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
  const { modelUrl, adapterUrl, tokenizerUrl, backend, ...rest } = opts;
  const loaded = await loadWebDetector({ ...rest, model: modelUrl, adapters: adapterUrl, vocab: tokenizerUrl, device: backend }, 'createWebDetector', 'adapterUrl');
  return new WebDetector(loaded.detector, loaded.detector.imageSize, loaded.checkpoint, loaded.backend);
}
