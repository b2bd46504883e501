/**
 * The defaults of a model bundle, one set of rules for every runtime:
 * - image size: the caller's, else `image_size` of the adapters' metadata, else of the model
 *   file, else the CLIP's native size;
 * - CLIP heads and activation: the caller's, else the adapters' `clip_config`, else the model
 *   file's `clip_config` (read by `clipFromTensors`), else width / 64 and 'gelu';
 * - tokenizer: the `tokenizer` description of the model file's metadata, else of the
 *   adapters', else CLIP's BPE with the text tower's context length (vocabulary files needed).
 */
import type { AAClipCheckpoint } from '../aaclip/checkpoint';
import type { ClipBuildOptions } from '../model/clip-from-tensors';
import { parseTokenizerConfig, type TokenizerConfig } from '../tokenizer/tokenizer-config';

/** Metadata key of the tokenizer description inside a model file. */
export const TOKENIZER_METADATA_KEY = 'tokenizer';
/** Metadata key of the side of the square model input the adapters were trained at. */
export const IMAGE_SIZE_METADATA_KEY = 'image_size';

/** True when a checkpoint holds image adapters (what detection needs: a stage-2 checkpoint). */
export function hasImageAdapters(ck: AAClipCheckpoint | null | undefined): ck is AAClipCheckpoint {
  return Boolean(ck && [...ck.adapters.keys()].some((k) => k.startsWith('image_adapter.')));
}

function positiveInt(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * The side of the square model input (see the file comment for the order). A requested size
 * that is not a positive integer is a RangeError naming `imageSize`.
 */
export function bundleImageSize(requested: number | undefined, checkpoint: AAClipCheckpoint | null, modelMetadata: Record<string, string>, nativeSize: number): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested <= 0) throw new RangeError(`imageSize must be a positive integer, got ${String(requested)}`);
    return requested;
  }
  return positiveInt(checkpoint?.extra?.[IMAGE_SIZE_METADATA_KEY]) ?? positiveInt(modelMetadata[IMAGE_SIZE_METADATA_KEY]) ?? nativeSize;
}

/** CLIP build options: the caller's, else the adapters' `clip_config` (the model file's is read by `clipFromTensors`). */
export function bundleClipOptions(opts: ClipBuildOptions, checkpoint: AAClipCheckpoint | null): ClipBuildOptions {
  const c = checkpoint?.clipConfig;
  return {
    visionHeads: opts.visionHeads ?? c?.vision?.heads,
    textHeads: opts.textHeads ?? c?.text?.heads,
    activation: opts.activation ?? c?.activation,
    inferenceOnly: opts.inferenceOnly,
  };
}

/** Parses a stored tokenizer description; errors name the file and the key. */
function parseStored(text: string, file: string): TokenizerConfig {
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
 * The tokenizer description stored in the model file (`modelName`), else in the adapters
 * (`adapterNames`), or null. Errors name the file and the key.
 */
export function bundleTokenizerConfig(modelMetadata: Record<string, string>, modelName: string, checkpoint: AAClipCheckpoint | null, adapterNames: string): TokenizerConfig | null {
  const own = modelMetadata[TOKENIZER_METADATA_KEY];
  if (own !== undefined) return parseStored(own, modelName);
  const fromAdapters = checkpoint?.extra?.[TOKENIZER_METADATA_KEY];
  return fromAdapters !== undefined ? parseStored(fromAdapters, adapterNames) : null;
}
