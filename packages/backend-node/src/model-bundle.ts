import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  createDetector,
  createTokenizerFromConfig,
  parseTokenizerConfig,
  type AAClipCheckpoint,
  type ClipConfig,
  type ClipModel,
  type Detector,
  type Domain,
  type PromptOptions,
  type Tokenizer,
  type TokenizerConfig,
} from '@aaclip/core';
import { resolveBundleReferences } from './hub/resolve-references';
import type { HubOptions } from './hub/hub-options';
import { readInputFile } from './input-file';
import { loadAdapters, loadClip } from './weights-io';

/** Metadata key of the tokenizer description inside a model file. */
export const TOKENIZER_METADATA_KEY = 'tokenizer';

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
}

export interface LoadedBundle {
  clip: ClipModel;
  config: ClipConfig;
  checkpoint: AAClipCheckpoint | null;
  tokenizer: Tokenizer | null;
  tokenizerConfig: TokenizerConfig | null;
  metadata: Record<string, string>;
}

/** Finds CLIP tokenizer files: explicit paths, else beside the model file. */
async function readTokenizerFiles(vocab: string[] | undefined, modelPath: string): Promise<{ files: NonNullable<Parameters<typeof createTokenizerFromConfig>[1]>; paths: string[] } | null> {
  const candidates = vocab?.length ? vocab : ['bpe_simple_vocab_16e6.txt.gz', 'tokenizer.json', 'vocab.json', 'merges.txt'].map((f) => join(dirname(modelPath), f)).filter((p) => existsSync(p));
  if (!candidates.length) return null;
  const files: NonNullable<Parameters<typeof createTokenizerFromConfig>[1]> = {};
  for (const p of candidates) {
    if (!existsSync(p)) throw new Error(`tokenizer file not found: ${p}`);
    const bytes = await readInputFile(p, { what: 'tokenizer file', maxBytes: MAX_TOKENIZER_FILE_BYTES });
    if (p.endsWith('.gz')) files.bpeVocabGz = bytes;
    else if (p.endsWith('tokenizer.json')) files.tokenizerJson = bytes;
    else if (p.endsWith('vocab.json')) files.vocabJson = bytes;
    else if (p.endsWith('merges.txt')) files.mergesTxt = bytes;
    else throw new Error(`unrecognised tokenizer file ${p} (expected bpe_simple_vocab_16e6.txt.gz, tokenizer.json, vocab.json or merges.txt)`);
  }
  return { files, paths: candidates };
}

/** The tokenizer description stored in a model file's metadata; errors name the file and key. */
function tokenizerConfigFromMetadata(text: string, file: string): TokenizerConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: metadata key "${TOKENIZER_METADATA_KEY}" is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  try {
    return parseTokenizerConfig(value);
  } catch (e) {
    throw new Error(`${file}: metadata key "${TOKENIZER_METADATA_KEY}": ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Loads a CLIP, its adapters/anchors and a tokenizer from files. The tokenizer comes from the
 * model's metadata (e.g. the demo model's byte tokenizer) or from CLIP BPE files (given, or
 * found beside the model). Without a tokenizer, detection needs anchors stored in the model.
 */
export async function loadBundle(opts: BundleOptions): Promise<LoadedBundle> {
  opts = await resolveBundleReferences(opts); // hf:owner/name, aliases and URLs -> files in the Hub cache
  const { clip, config, metadata } = await loadClip(opts.model, { activation: opts.activation, visionOnly: opts.visionOnly, inferenceOnly: opts.inferenceOnly });
  try {
    let checkpoint: AAClipCheckpoint | null = null;
    try {
      checkpoint = await loadAdapters(opts.adapters?.length ? opts.adapters : [opts.model]);
    } catch (e) {
      if (opts.adapters?.length) throw e; // explicit adapter files must load
    }
    let tokenizerConfig: TokenizerConfig | null = null;
    const metaTok = metadata[TOKENIZER_METADATA_KEY] ?? checkpoint?.extra?.[TOKENIZER_METADATA_KEY];
    if (metaTok) tokenizerConfig = tokenizerConfigFromMetadata(metaTok, metadata[TOKENIZER_METADATA_KEY] ? opts.model : (opts.adapters?.join(', ') ?? opts.model));
    let tokenizer: Tokenizer | null = null;
    if (tokenizerConfig?.type === 'byte') tokenizer = createTokenizerFromConfig(tokenizerConfig);
    else if (config.text) {
      const found = await readTokenizerFiles(opts.vocab, opts.model);
      if (found) {
        tokenizerConfig ??= { type: 'clip-bpe', contextLength: config.text.contextLength };
        try {
          tokenizer = createTokenizerFromConfig(tokenizerConfig, found.files);
        } catch (e) {
          throw new Error(`tokenizer ${found.paths.join(' + ')}: ${(e as Error).message}`, { cause: e });
        }
      }
    }
    return { clip, config, checkpoint, tokenizer, tokenizerConfig, metadata };
  } catch (e) {
    clip.dispose();
    throw e;
  }
}

/** A detector from files; see {@link loadBundle}. */
export async function loadDetector(opts: BundleOptions & { prompts?: PromptOptions; domain?: Domain }): Promise<{ detector: Detector; bundle: LoadedBundle }> {
  const bundle = await loadBundle({ ...opts, inferenceOnly: opts.inferenceOnly ?? true }); // a detector only runs forward passes
  const ck = bundle.checkpoint;
  if (!ck || ![...ck.adapters.keys()].some((k) => k.startsWith('image_adapter.'))) {
    bundle.clip.dispose();
    throw new Error(`no image adapters in ${opts.adapters?.join(', ') || opts.model}: pass --adapters (a stage-2 checkpoint or the official image_adapter_N.pth)`);
  }
  if (!bundle.tokenizer && ck.anchors.size === 0) {
    bundle.clip.dispose();
    throw new Error(`${opts.model}: no tokenizer (pass --vocab bpe_simple_vocab_16e6.txt.gz) and no stored anchors`);
  }
  const detector = createDetector({
    clip: bundle.clip,
    adapters: ck.adapters,
    config: ck.aaclipConfig,
    anchors: ck.anchors.size ? ck.anchors : undefined,
    tokenizer: bundle.tokenizer ?? undefined,
    prompts: opts.prompts,
    domain: opts.domain,
    calibration: ck.calibration, // thresholds stored under aaclip.calibration: isAnomalous and defect masks
  });
  return { detector, bundle };
}
