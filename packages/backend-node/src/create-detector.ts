/**
 * The one way into detection on Node, like transformers.js' `pipeline`: a model bundle (a
 * path, `hf:` reference, alias, URL, or the bytes of a model file) in, the one core `Detector`
 * out, on a single thread or, with `workers > 1`, on a pool of worker threads behind the same
 * interface. Images go in as file paths, URLs, decoded images or a tensor batch; preprocessing and
 * batching happen in core (`preprocessBatch`).
 */
import {
  assembleBundle,
  detectorFromBundle,
  type AAClipDetector,
  type ClipConfig,
  type DetectOptions,
  type Detection,
  type Detector,
  type DetectorImages,
  type Domain,
  type PromptOptions,
  type RawImage,
} from '@aaclip/core';
import { checkpointFromTensors, decodeWeightFile, type AAClipCheckpoint } from '@aaclip/core/weights';
import { backendReport, useBackend, type NodeBackendName } from './backend';
import type { HubOptions } from './hub/hub-options';
import { resolveBundleReferences } from './hub/resolve-references';
import { decodeImage, decodeImageFile, DEFAULT_MAX_IMAGE_FILE_BYTES } from './image-io';
import { loadBundle } from './model-bundle';
import { createDetectorPool, type DetectorPool } from './pool/detector-pool';
import { loadAdapters } from './weights-io';

/** Where detection runs: a backend name, or 'auto' (cuda, webgpu, native-cpu, wasm, cpu: the first that works). */
export type NodeDevice = 'auto' | NodeBackendName;

export interface CreateDetectorOptions {
  /** The model bundle: a file path, `hf:owner/name[@revision][/file]`, an alias, an https URL, or a model file's bytes. */
  model: string | Uint8Array;
  /** Adapter files (our checkpoints, or the official .pth pair); default: the model file itself. */
  adapters?: string | readonly string[];
  /** CLIP BPE vocabulary files, when the model stores no tokenizer of its own. */
  vocab?: string | readonly string[];
  /**
   * The tfjs backend. Default: the backend already selected (`useBackend`), else $AACLIP_BACKEND,
   * else 'auto'. With `workers > 1`: each worker's backend, default 'wasm'.
   */
  device?: NodeDevice;
  /** Threads of the wasm matrix-product engine (single-thread detector only); default: the machine's cores. */
  threads?: number;
  /** Worker threads; more than 1 returns a pool (each worker holds its own copy of the weights). Default 1. */
  workers?: number;
  /** Side of the square model input; default: the bundle's `image_size` metadata, else the CLIP's native size. */
  imageSize?: number;
  activation?: 'gelu' | 'quick_gelu';
  /** Prompt set and class-name table of computed anchors (with workers: data only, no registry). */
  prompts?: PromptOptions;
  /** Default domain of the maps and the fused score. Default 'industrial'. */
  domain?: Domain;
  /** Classes whose anchors are computed up front (single thread). */
  classNames?: readonly string[];
  /** Downloads of `hf:` and https references (cache, token, offline, progress); see docs/hub.md. */
  hub?: HubOptions;
  /** With workers: most images one worker runs in one forward pass (default 1). */
  maxBatch?: number;
  /** With workers: receives the workers' warnings (default: `prompts.onWarning`). */
  onWarning?: (message: string) => void;
}

/** What a Node detector's `detect` takes: core's inputs, or image file paths and http(s) URLs (PNG, JPEG, ...). */
export type NodeImages = DetectorImages | string | readonly (string | RawImage)[];

/** The Node detector: the core {@link Detector}, with file paths as inputs too. */
export interface NodeDetector extends Detector<NodeImages> {
  /** The tfjs backend detection runs on. */
  readonly backend: NodeBackendName;
  /** Worker threads (1: this thread). */
  readonly workers: number;
  /** The CLIP's config (sizes, heads). */
  readonly config: ClipConfig;
  /** The checkpoint the adapters, anchors and thresholds came from (null with workers: each worker holds its own). */
  readonly checkpoint: AAClipCheckpoint | null;
  /** The single-thread core detector (its frozen CLIP serves MuSc and few-shot references too); null with workers. */
  readonly detector: AAClipDetector | null;
  /** The model file's metadata (empty with workers). */
  readonly metadata: Record<string, string>;
}

const list = (v: string | readonly string[] | undefined): string[] | undefined => (v === undefined ? undefined : typeof v === 'string' ? [v] : [...v]);

/** An image file, or an http(s) URL (read with fetch, bounded like a file); errors name it. */
async function readImage(ref: string): Promise<RawImage> {
  if (!/^https?:\/\//i.test(ref)) return decodeImageFile(ref);
  let res: Response;
  try {
    res = await fetch(ref);
  } catch (e) {
    throw new Error(`image ${ref}: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) throw new Error(`image ${ref}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  const declared = Number(res.headers.get('content-length'));
  if (declared > DEFAULT_MAX_IMAGE_FILE_BYTES) throw new Error(`image ${ref}: ${declared} bytes, more than the ${DEFAULT_MAX_IMAGE_FILE_BYTES} an image may have`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > DEFAULT_MAX_IMAGE_FILE_BYTES) throw new Error(`image ${ref}: ${bytes.length} bytes, more than the ${DEFAULT_MAX_IMAGE_FILE_BYTES} an image may have`);
  return decodeImage(bytes, ref);
}

/** File paths and URLs decoded; other inputs passed on as they are. */
async function decodePaths(images: NodeImages): Promise<DetectorImages> {
  if (typeof images === 'string') return [await readImage(images)];
  if (Array.isArray(images) && images.some((i) => typeof i === 'string')) {
    return Promise.all((images as readonly (string | RawImage)[]).map((i) => (typeof i === 'string' ? readImage(i) : i)));
  }
  return images as DetectorImages;
}

class NodeDetectorImpl implements NodeDetector {
  constructor(
    private readonly inner: Detector<DetectorImages>,
    readonly backend: NodeBackendName,
    readonly workers: number,
    readonly config: ClipConfig,
    readonly checkpoint: AAClipCheckpoint | null,
    readonly detector: AAClipDetector | null,
    readonly metadata: Record<string, string>,
  ) {}

  get classes(): readonly string[] {
    return this.inner.classes;
  }

  get imageSize(): number {
    return this.inner.imageSize;
  }

  async detect(images: NodeImages, opts: DetectOptions): Promise<Detection[]> {
    return this.inner.detect(await decodePaths(images), opts);
  }

  async dispose(): Promise<void> {
    await this.inner.dispose();
  }
}

function checkCount(v: number | undefined, what: string, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new RangeError(`createDetector: ${what} must be an integer >= ${min}, got ${String(v)}`);
}

/** A single-thread bundle from a model file's bytes (adapters, if any, from files). */
async function bundleFromBytes(bytes: Uint8Array, opts: CreateDetectorOptions, adapters: string[] | undefined) {
  const name = 'model (bytes)';
  const { tensors, metadata } = decodeWeightFile(bytes, { fileName: name });
  let checkpoint: AAClipCheckpoint | null = null;
  if (adapters?.length) checkpoint = await loadAdapters(adapters);
  else checkpoint = checkpointFromTensors(tensors, metadata, name);
  return assembleBundle({ model: { name, tensors, metadata }, checkpoint, adapterNames: adapters?.join(', ') ?? name, activation: opts.activation, inferenceOnly: true, imageSize: opts.imageSize });
}

/**
 * Loads a model bundle and returns the one {@link Detector} (see the file comment).
 *
 * @example
 * import { createDetector, demoModelPath } from '@aaclip/backend-node';
 * const det = await createDetector({ model: demoModelPath(), device: 'wasm' });
 * const results = await det.detect(['examples/images/carpet-hole.png'], { className: 'carpet' });
 * console.log(results[0].score, results[0].anomalyMap.length);
 * await det.dispose();
 */
export async function createDetector(opts: CreateDetectorOptions): Promise<NodeDetector> {
  if (!opts || (typeof opts.model !== 'string' && !(opts.model instanceof Uint8Array)) || opts.model.length === 0) {
    throw new Error(`createDetector: model must be a file path, hf: reference, URL or the bytes of a model file, got ${JSON.stringify(opts?.model)}`);
  }
  checkCount(opts.workers, 'workers', 1);
  checkCount(opts.threads, 'threads', 1);
  const adapters = list(opts.adapters);
  const vocab = list(opts.vocab);
  const workers = opts.workers ?? 1;
  if (workers > 1) {
    if (typeof opts.model !== 'string') throw new Error('createDetector: workers > 1 needs model as a file path or reference (each worker reads the file itself)');
    const files = await resolveBundleReferences({ model: opts.model, adapters, vocab, hub: opts.hub });
    const backend = opts.device === undefined || opts.device === 'auto' ? 'wasm' : opts.device;
    const { dataset, promptSet } = opts.prompts ?? {};
    const pool: DetectorPool = await createDetectorPool({
      model: files.model,
      adapters: files.adapters,
      vocab: files.vocab,
      activation: opts.activation,
      workers,
      backend,
      prompts: { dataset, promptSet },
      domain: opts.domain,
      maxBatch: opts.maxBatch,
      onWarning: opts.onWarning ?? (opts.prompts?.onWarning ? (message) => opts.prompts!.onWarning!({ message }) : undefined),
      imageSize: opts.imageSize,
    });
    return new NodeDetectorImpl(pool, pool.backend, workers, pool.config, null, null, {});
  }
  // the backend already selected is kept unless a device (or a thread count) is asked for
  const current = backendReport();
  const report =
    opts.device === undefined && current && opts.threads === undefined ? current : await useBackend(opts.device ?? current?.active, { threads: opts.threads });
  const names = { model: typeof opts.model === 'string' ? opts.model : 'model (bytes)', adapters: adapters?.join(', ') };
  const bundle =
    typeof opts.model === 'string'
      ? await loadBundle({ model: opts.model, adapters, vocab, activation: opts.activation, hub: opts.hub, imageSize: opts.imageSize, inferenceOnly: true })
      : await bundleFromBytes(opts.model, opts, adapters);
  const detector = detectorFromBundle(bundle, { prompts: opts.prompts, domain: opts.domain, classNames: opts.classNames, names: { model: names.model, adapters: names.adapters || names.model } });
  return new NodeDetectorImpl(detector, report.active, 1, bundle.config, bundle.checkpoint, detector, bundle.metadata);
}
