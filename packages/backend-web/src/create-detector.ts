/**
 * The one way into detection in the browser, like transformers.js' `pipeline`: a model bundle
 * (a URL, `hf:` reference, alias, or a model file's bytes) in, the one core `Detector` out.
 * The downloads (progress, Cache Storage) are this package's; the bundle's assembly, defaults
 * and the detector are core's (`assembleBundle`, `detectorFromBundle`), as on Node. Images go
 * in as DOM images, files, decoded images or a tensor batch; preprocessing and batching happen
 * in core.
 */
import {
  assembleBundle,
  detectorFromBundle,
  type AAClipConfig,
  type AAClipDetector,
  type DetectOptions,
  type Detection,
  type Detector,
  type DetectorImages,
  type Domain,
  type PromptOptions,
  type RawImage,
  type Tokenizer,
} from '@aaclip/core';
import { checkpointFromTensors, type AAClipCheckpoint } from '@aaclip/core/weights';
import { useWebBackend, webBackendReport, type WasmPaths, type WebBackendReport } from './backend';
import type { WebBackendName } from './feature-probes';
import { imageToRawImage, type ImageInput } from './image-input';
import { loadCheckpointFromUrl, loadTokenizerFromUrl, readWeightBytes, type ClipBuildOptions } from './load-model';
import { loadWeights, type FetchLike, type LoadWeightsOptions } from './load-weights';

/** Where detection runs: a backend name, 'auto' (WebGPU, WebGL on a hardware GPU, wasm), or false to keep tfjs' current one. */
export type WebDevice = WebBackendName | 'auto' | false;

/** Also every {@link LoadWeightsOptions} (progress per file, caching, abort signal), applied to each download. */
export interface CreateWebDetectorOptions extends ClipBuildOptions, LoadWeightsOptions {
  /** The model bundle: a URL, `hf:owner/name[@revision][/file]`, an alias, or a model file's bytes. */
  model: string | URL | Uint8Array | ArrayBuffer;
  /** AA-CLIP checkpoint URL(s): ours, plain adapters, or the official .pth pair. Default: adapters inside `model`. */
  adapters?: string | readonly string[];
  /** URL of `bpe_simple_vocab_16e6.txt.gz` / `tokenizer.json`, when the model stores no tokenizer of its own. */
  vocab?: string;
  /** Or: a tokenizer built by the caller. */
  tokenizer?: Tokenizer;
  /** The backend. Default: the backend already chosen by `useWebBackend` / the register entry, else 'auto'. */
  device?: WebDevice;
  wasmPaths?: WasmPaths;
  /** Side of the square model input; default: the bundle's `image_size` metadata, else the CLIP's native size. */
  imageSize?: number;
  /** Classes whose anchors are computed up front (with a tokenizer). */
  classNames?: readonly string[];
  prompts?: PromptOptions;
  /** Default domain of the maps and the fused score. Default 'industrial'. */
  domain?: Domain;
  /** AA-CLIP hyper-parameters (default: the checkpoint's, else the official ones). */
  config?: Partial<AAClipConfig>;
}

/** What a browser detector's `detect` takes: core's inputs, browser images (elements, bitmaps, canvases, ImageData, File/Blob) or image URLs. */
export type WebImages = DetectorImages | ImageInput | string | readonly (ImageInput | RawImage | string)[];

/** The browser detector: the core {@link Detector}, with browser images as inputs too. */
export interface BrowserDetector extends Detector<WebImages> {
  /** The backend selection it was built after, or null when it kept tfjs' current one. */
  readonly backend: WebBackendReport | null;
  /** The checkpoint the adapters, anchors and thresholds came from. */
  readonly checkpoint: AAClipCheckpoint;
  /** The single-thread core detector (its frozen CLIP serves MuSc and few-shot references too). */
  readonly detector: AAClipDetector;
}

/** The bundle of a browser detector: the core detector, its checkpoint and backend. @internal */
export interface LoadedWebDetector {
  detector: AAClipDetector;
  checkpoint: AAClipCheckpoint;
  backend: WebBackendReport | null;
}

function isTensorLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'rank' in v && 'dtype' in v && 'shape' in v;
}

/** An image URL fetched (errors name it) and decoded by the browser. */
async function fetchImage(url: string, fetchFn: FetchLike | undefined): Promise<RawImage> {
  if (typeof fetchFn !== 'function') throw new Error(`image ${url}: no fetch function available`);
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new Error(`image ${url}: ${(e as Error)?.message ?? String(e)}`);
  }
  if (!res.ok) throw new Error(`image ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return imageToRawImage(await res.blob());
}

/** Browser images and URLs read into decoded images; core inputs passed on as they are. */
async function toCoreImages(images: WebImages, fetchFn: FetchLike | undefined): Promise<DetectorImages> {
  if (isTensorLike(images)) return images as DetectorImages;
  const one = (i: ImageInput | RawImage | string | Float32Array): Promise<RawImage> | RawImage | Float32Array =>
    typeof i === 'string' ? fetchImage(i, fetchFn) : i instanceof Float32Array ? i : imageToRawImage(i);
  if (Array.isArray(images)) return (await Promise.all((images as readonly (ImageInput | RawImage | string | Float32Array)[]).map(one))) as DetectorImages;
  return [(await one(images as ImageInput | RawImage | string)) as RawImage];
}

class BrowserDetectorImpl implements BrowserDetector {
  constructor(
    readonly detector: AAClipDetector,
    readonly checkpoint: AAClipCheckpoint,
    readonly backend: WebBackendReport | null,
    private readonly fetchFn: FetchLike | undefined,
  ) {}

  get classes(): readonly string[] {
    return this.detector.classes;
  }

  get imageSize(): number {
    return this.detector.imageSize;
  }

  async detect(images: WebImages, opts: DetectOptions): Promise<Detection[]> {
    return this.detector.detect(await toCoreImages(images, this.fetchFn), opts);
  }

  dispose(): void {
    this.detector.dispose();
  }
}

function modelName(model: CreateWebDetectorOptions['model']): string {
  return typeof model === 'string' || model instanceof URL ? String(model) : 'model (bytes)';
}

/**
 * Selects the backend, downloads (or takes) the files and builds the core detector. `who` names
 * the public entry in errors, `adaptersOption` its adapters option. @internal
 */
export async function loadWebDetector(opts: CreateWebDetectorOptions, who: string, adaptersOption = 'adapters'): Promise<LoadedWebDetector> {
  const { model } = opts;
  const isBytes = model instanceof Uint8Array || model instanceof ArrayBuffer;
  if (!isBytes && (typeof model !== 'string' && !(model instanceof URL) || String(model).trim() === '')) {
    throw new Error(`${who}: model must be a URL, hf: reference or the bytes of a model file, got ${JSON.stringify(model)}`);
  }
  if (opts.imageSize !== undefined && (!Number.isInteger(opts.imageSize) || opts.imageSize <= 0)) throw new RangeError(`${who}: imageSize must be a positive integer, got ${String(opts.imageSize)}`);
  let backend: WebBackendReport | null = null;
  if (opts.device !== false) {
    backend = opts.device === undefined && webBackendReport() ? webBackendReport() : await useWebBackend(opts.device ?? 'auto', { wasmPaths: opts.wasmPaths });
  }
  const name = modelName(model);
  const vocab = opts.tokenizer ? undefined : opts.vocab;
  const [modelBytes, adapterCkpt, tokenizer] = await Promise.all([
    isBytes ? Promise.resolve(model instanceof ArrayBuffer ? new Uint8Array(model) : model) : loadWeights(String(model), opts),
    opts.adapters !== undefined ? loadCheckpointFromUrl(opts.adapters, opts) : Promise.resolve(null),
    vocab !== undefined ? loadTokenizerFromUrl(vocab, opts) : Promise.resolve(opts.tokenizer),
  ]);
  const { tensors, metadata } = readWeightBytes(modelBytes, name);
  let checkpoint = adapterCkpt;
  if (!checkpoint) {
    if (![...tensors.keys()].some((k) => k.startsWith('image_adapter.'))) throw new Error(`${who}: ${name} holds no image_adapter.* weights; give ${adaptersOption} (an AA-CLIP checkpoint)`);
    checkpoint = checkpointFromTensors(tensors, metadata, name);
  }
  const adapterNames = typeof opts.adapters === 'string' ? opts.adapters : (opts.adapters?.join(', ') ?? name);
  const bundle = assembleBundle({
    model: { name, tensors, metadata },
    checkpoint,
    adapterNames,
    tokenizer: tokenizer ?? undefined,
    visionHeads: opts.visionHeads,
    textHeads: opts.textHeads,
    activation: opts.activation,
    inferenceOnly: true, // detection only: one packed copy of the weights on wasm, not two
    imageSize: opts.imageSize,
  });
  const detector = detectorFromBundle(bundle, {
    prompts: opts.prompts,
    domain: opts.domain,
    config: opts.config,
    classNames: opts.classNames,
    names: { model: name, adapters: adapterNames },
  });
  return { detector, checkpoint, backend };
}

/**
 * Selects a backend, downloads (with progress and caching) the model bundle and builds the one
 * {@link Detector}: one `detect(images, { className })` for browser images, decoded images or a
 * tensor batch, one result per image.
 *
 * @example
 * const det = await createDetector({ model: '/models/aaclip-demo.safetensors', device: 'auto', wasmPaths: '/assets/tfjs-wasm/' });
 * const [r] = await det.detect(document.querySelector('img')!, { className: 'carpet' });
 * det.dispose();
 */
export async function createDetector(opts: CreateWebDetectorOptions): Promise<BrowserDetector> {
  if (!opts) throw new Error('createDetector: options are required ({ model })');
  const { detector, checkpoint, backend } = await loadWebDetector(opts, 'createDetector');
  return new BrowserDetectorImpl(detector, checkpoint, backend, opts.fetch ?? (globalThis as { fetch?: FetchLike }).fetch);
}
