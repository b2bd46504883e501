/**
 * The model bundle, assembled from what the runtime read: the CLIP weights of the model file,
 * the checkpoint (adapters, anchors, MuSc/few-shot references and thresholds as stored, plus
 * metadata) and the tokenizer. Pure: the runtime packages supply only the bytes (Node from
 * files, the web from fetch and Cache Storage), and every runtime gets the same defaults
 * (bundle-defaults.ts) and the same detector (`detectorFromBundle`).
 */
import type { AAClipCheckpoint } from '../aaclip/checkpoint';
import type { AAClipConfig } from '../aaclip/aaclip-config';
import type { PromptOptions } from '../aaclip/anchors';
import { createAAClipDetector, type AAClipDetector } from '../aaclip/detector';
import type { Domain } from '../aaclip/maps';
import type { ClipConfig } from '../model/clip-config';
import { clipFromTensors, type ClipBuildOptions } from '../model/clip-from-tensors';
import type { ClipModel } from '../model/clip-model';
import { createTokenizerFromConfig, type TokenizerConfig } from '../tokenizer/tokenizer-config';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { TensorMap } from '../weights/named-tensor';
import { bundleClipOptions, bundleImageSize, bundleTokenizerConfig, hasImageAdapters } from './bundle-defaults';
import { tokenizerFilesOf, type NamedBytes } from './tokenizer-files';

/** Tensors and metadata of one read weight file; `name` (path or URL) is named in errors. */
export interface WeightSource {
  name: string;
  tensors: TensorMap;
  metadata: Record<string, string>;
}

export interface AssembleBundleOptions extends ClipBuildOptions {
  /** The model file's CLIP weights (may also hold adapters, anchors and a tokenizer description). */
  model: WeightSource;
  /** The checkpoint read from the adapter files (merged with `mergeCheckpoints`), or null. */
  checkpoint: AAClipCheckpoint | null;
  /** Names of the adapter files, for errors (default: the model's). */
  adapterNames?: string;
  /** Vocabulary files (not needed with a stored byte tokenizer, or without a text tower). */
  tokenizerFiles?: readonly NamedBytes[];
  /** A tokenizer built by the caller (replaces the stored description and the files). */
  tokenizer?: Tokenizer;
  /** Side of the square model input; default per bundle-defaults.ts. */
  imageSize?: number;
}

/** A loaded model: the CLIP on the active backend, its checkpoint, tokenizer and input size. */
export interface ModelBundle {
  clip: ClipModel;
  config: ClipConfig;
  checkpoint: AAClipCheckpoint | null;
  tokenizer: Tokenizer | null;
  tokenizerConfig: TokenizerConfig | null;
  /** The model file's metadata. */
  metadata: Record<string, string>;
  /** Side of the square model input. */
  imageSize: number;
  /** Keys of the model file the CLIP did not use (e.g. adapters of a combined file). */
  unusedKeys: string[];
}

/**
 * Builds the CLIP on the active backend and resolves the tokenizer and input size. The caller
 * owns `clip` (disposed here only when a later step fails).
 *
 * @example
 * const bundle = assembleBundle({ model: { name: 'model.safetensors', tensors, metadata }, checkpoint, inferenceOnly: true });
 */
export function assembleBundle(opts: AssembleBundleOptions): ModelBundle {
  const { model, checkpoint } = opts;
  const adapterNames = opts.adapterNames ?? model.name;
  const { clip, config, unusedKeys } = clipFromTensors(model.tensors, model.metadata, bundleClipOptions(opts, checkpoint), model.name);
  try {
    let tokenizerConfig = bundleTokenizerConfig(model.metadata, model.name, checkpoint, adapterNames);
    let tokenizer: Tokenizer | null = opts.tokenizer ?? null;
    if (!tokenizer && tokenizerConfig?.type === 'byte') tokenizer = createTokenizerFromConfig(tokenizerConfig);
    else if (!tokenizer && config.text && opts.tokenizerFiles?.length) {
      const names = opts.tokenizerFiles.map((f) => f.name).join(' + ');
      tokenizerConfig ??= { type: 'clip-bpe', contextLength: config.text.contextLength };
      try {
        tokenizer = createTokenizerFromConfig(tokenizerConfig, tokenizerFilesOf(opts.tokenizerFiles));
      } catch (e) {
        throw new Error(`tokenizer ${names}: ${(e as Error).message}`, { cause: e });
      }
    }
    const imageSize = bundleImageSize(opts.imageSize, checkpoint, model.metadata, config.vision.imageSize);
    return { clip, config, checkpoint, tokenizer, tokenizerConfig, metadata: model.metadata, imageSize, unusedKeys };
  } catch (e) {
    clip.dispose();
    throw e;
  }
}

export interface BundleDetectorOptions {
  prompts?: PromptOptions;
  /** Default domain of the maps and the fused score. Default 'industrial'. */
  domain?: Domain;
  /** AA-CLIP hyper-parameters over the checkpoint's. */
  config?: Partial<AAClipConfig>;
  /** Classes whose anchors are computed up front (with a tokenizer). */
  classNames?: readonly string[];
  /**
   * Anchors come from elsewhere (a pool worker without the text tower receives them): no
   * tokenizer is needed and none is used.
   */
  anchorsFromCaller?: boolean;
  /** Names of the model and adapter files, for errors. */
  names?: { model: string; adapters?: string };
}

/**
 * The single-thread detector of a bundle, with the checks every runtime makes: image adapters
 * present, and stored anchors or a tokenizer (with a text tower) to compute them. The detector
 * owns the bundle's CLIP; on an error the CLIP is disposed.
 *
 * @example
 * const det = detectorFromBundle(assembleBundle({ model, checkpoint }), { domain: 'industrial' });
 */
export function detectorFromBundle(bundle: ModelBundle, opts: BundleDetectorOptions = {}): AAClipDetector {
  const ck = bundle.checkpoint;
  const model = opts.names?.model ?? 'the model file';
  try {
    if (!hasImageAdapters(ck)) {
      throw new Error(`no image adapters in ${opts.names?.adapters || model}: give adapters (a stage-2 checkpoint or the official image_adapter_N.pth)`);
    }
    if (!opts.anchorsFromCaller && !bundle.tokenizer && ck.anchors.size === 0) {
      throw new Error(`createDetector: give \`anchors\`, or a \`tokenizer\` (and a text tower) to compute them from class names (${model} stores no anchors and no tokenizer; give vocab: bpe_simple_vocab_16e6.txt.gz)`);
    }
    const canCompute = Boolean(bundle.tokenizer && bundle.clip.text);
    const fromCaller = opts.anchorsFromCaller && !canCompute;
    return createAAClipDetector({
      clip: bundle.clip,
      adapters: ck.adapters,
      config: { ...ck.aaclipConfig, ...opts.config },
      // anchors the caller hands over later (setAnchors): an empty map says so
      anchors: ck.anchors.size ? ck.anchors : fromCaller ? new Map() : undefined,
      tokenizer: fromCaller ? undefined : (bundle.tokenizer ?? undefined),
      classNames: opts.classNames,
      prompts: opts.prompts,
      domain: opts.domain,
      calibration: ck.calibration, // thresholds stored under aaclip.calibration: isAnomalous and defect masks
      imageSize: bundle.imageSize,
    });
  } catch (e) {
    bundle.clip.dispose();
    throw e;
  }
}
