import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  assembleBundle,
  bundleTokenizerConfig,
  detectorFromBundle,
  TOKENIZER_METADATA_KEY,
  type AAClipDetector,
  type Domain,
  type ModelBundle,
  type NamedBytes,
  type PromptOptions,
} from '@aaclip/core';
import { type AAClipCheckpoint } from '@aaclip/core/weights';
import { resolveBundleReferences } from './hub/resolve-references';
import type { HubOptions } from './hub/hub-options';
import { readInputFile } from './input-file';
import { isVisionKey, loadAdapters, openWeightFile } from './weights-io';

/** Metadata key of the tokenizer description inside a model file (core's, re-exported). */
export { TOKENIZER_METADATA_KEY };

/**
 * Largest tokenizer file read (64 MiB): CLIP's `tokenizer.json` is 3.6 MB, `vocab.json` 1.6 MB,
 * the gzipped merge list 1.4 MB.
 */
export const MAX_TOKENIZER_FILE_BYTES = 64 * 2 ** 20;

export interface BundleOptions {
  /** Downloads of `hf:` / https references (cache, endpoint, token, offline, progress); see docs/hub.md. */
  hub?: HubOptions;
  /** CLIP weights; our model files may also hold adapters, anchors and the tokenizer description. */
  model: string;
  /** Adapter files (our checkpoints, or the official .pth files); default: the model file itself. */
  adapters?: string[];
  /** CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz, vocab.json + merges.txt, or tokenizer.json). */
  vocab?: string[];
  activation?: 'gelu' | 'quick_gelu';
  /** Load the vision tower only (no text weights are read; anchors must come from elsewhere). */
  visionOnly?: boolean;
  /**
   * Build the CLIP for forward passes only (see `LoadClipOptions.inferenceOnly`): one copy of
   * the weights on wasm instead of two. Default false for `loadBundle`, true for `loadDetector`.
   */
  inferenceOnly?: boolean;
  /** Side of the square model input; default: the adapters' or model's `image_size` metadata, else the CLIP's native size. */
  imageSize?: number;
}

/** A loaded bundle: core's {@link ModelBundle} (CLIP, config, checkpoint, tokenizer, metadata, input size). */
export type LoadedBundle = ModelBundle;

/** CLIP tokenizer files: the paths given, else those beside the model file; their bytes, named. */
async function readTokenizerFiles(vocab: string[] | undefined, modelPath: string): Promise<NamedBytes[]> {
  const candidates = vocab?.length ? vocab : ['bpe_simple_vocab_16e6.txt.gz', 'tokenizer.json', 'vocab.json', 'merges.txt'].map((f) => join(dirname(modelPath), f)).filter((p) => existsSync(p));
  const out: NamedBytes[] = [];
  for (const p of candidates) {
    if (!existsSync(p)) throw new Error(`tokenizer file not found: ${p}`);
    out.push({ name: p, bytes: await readInputFile(p, { what: 'tokenizer file', maxBytes: MAX_TOKENIZER_FILE_BYTES }) });
  }
  return out;
}

/**
 * Loads a CLIP, its adapters/anchors and a tokenizer from files: the files are read here, the
 * bundle is assembled by core (`assembleBundle`: the same defaults as the web runtime). The
 * tokenizer comes from the model's metadata (e.g. the demo model's byte tokenizer) or from CLIP
 * BPE files (given, or found beside the model). Without a tokenizer, detection needs anchors
 * stored in the model.
 */
export async function loadBundle(opts: BundleOptions): Promise<LoadedBundle> {
  opts = await resolveBundleReferences(opts); // hf:owner/name, aliases and URLs -> files in the Hub cache
  let checkpoint: AAClipCheckpoint | null = null;
  try {
    checkpoint = await loadAdapters(opts.adapters?.length ? opts.adapters : [opts.model]);
  } catch (e) {
    if (opts.adapters?.length) throw e; // explicit adapter files must load
  }
  const file = await openWeightFile(opts.model, opts.visionOnly ? isVisionKey : undefined);
  try {
    const adapterNames = opts.adapters?.join(', ') ?? opts.model;
    const stored = bundleTokenizerConfig(file.metadata, opts.model, checkpoint, adapterNames);
    const tokenizerFiles = stored?.type === 'byte' || opts.visionOnly ? [] : await readTokenizerFiles(opts.vocab, opts.model);
    return assembleBundle({
      model: { name: opts.model, tensors: file.tensors, metadata: file.metadata },
      checkpoint,
      adapterNames,
      tokenizerFiles,
      activation: opts.activation,
      inferenceOnly: opts.inferenceOnly,
      imageSize: opts.imageSize,
    });
  } finally {
    file.close();
  }
}

/** Names of a bundle's files, for errors. */
function namesOf(opts: BundleOptions): { model: string; adapters: string } {
  return { model: opts.model, adapters: opts.adapters?.join(', ') || opts.model };
}

/**
 * A detector from files; see {@link loadBundle}.
 *
 * @deprecated Use `createDetector({ model, adapters, vocab })`, which returns the one `Detector`
 * (images, file paths or a tensor batch in, one result per image out). This name goes in the
 * next release.
 */
export async function loadDetector(opts: BundleOptions & { prompts?: PromptOptions; domain?: Domain; classNames?: readonly string[] }): Promise<{ detector: AAClipDetector; bundle: LoadedBundle }> {
  const bundle = await loadBundle({ ...opts, inferenceOnly: opts.inferenceOnly ?? true }); // a detector only runs forward passes
  const detector = detectorFromBundle(bundle, { prompts: opts.prompts, domain: opts.domain, classNames: opts.classNames, names: namesOf(opts) });
  return { detector, bundle };
}
