// CLIP weights, AA-CLIP checkpoints and tokenizers from URLs.
import { checkpointFromTensors, decodeWeightFile, detectWeightFormat, type AAClipCheckpoint, type TensorMap, type WeightFormat } from '@aaclip/core/weights';
import {
  clipFromTensors,
  ClipModel,
  createClipTokenizerFromBpeGz,
  createClipTokenizerFromHf,
  mergeCheckpoints,
  tokenizerFilesOf,
  resolveReferenceUrl,
  type ClipBuildOptions,
  type ClipConfig,
  type ClipTokenizerBuildOptions,
  type Tokenizer,
} from '@aaclip/core';
import { readSafetensorsLazy } from './lazy-safetensors';
import { loadWeights, type LoadWeightsOptions } from './load-weights';

export type { ClipBuildOptions };

export interface LoadClipFromUrlOptions extends LoadWeightsOptions, ClipBuildOptions {}

export interface LoadedClip {
  clip: ClipModel;
  config: ClipConfig;
  /** Keys of the file that the CLIP did not use (e.g. adapters of a combined file). */
  unusedKeys: string[];
  metadata: Record<string, string>;
  format: WeightFormat;
}

/**
 * Reads any supported weight file, naming `url` in errors. Safetensors tensors are decoded
 * lazily (see `readSafetensorsLazy`), so fp16 files are widened one tensor at a time.
 */
export function readWeightBytes(bytes: Uint8Array, url: string): { tensors: TensorMap; metadata: Record<string, string>; format: WeightFormat } {
  try {
    if (detectWeightFormat(bytes) === 'safetensors') return { ...readSafetensorsLazy(bytes), format: 'safetensors' };
    return decodeWeightFile(bytes);
  } catch (e) {
    throw new Error(`${url}: ${(e as Error).message}`);
  }
}

/**
 * Downloads CLIP weights (safetensors in fp32/fp16/bf16, `torch.save` checkpoints, or OpenAI's
 * TorchScript `.pt` releases; OpenAI, open_clip or Hugging Face names) and builds the model on
 * the active backend. The file is cached like {@link loadWeights}.
 *
 * @example
 * const { clip, config } = await loadClipFromUrl('/models/ViT-L-14-336.safetensors', { onProgress });
 * clip.dispose();
 */
export async function loadClipFromUrl(url: string, opts: LoadClipFromUrlOptions = {}): Promise<LoadedClip> {
  const bytes = await loadWeights(resolveReferenceUrl(url, 'model', opts.hubEndpoint), opts); // hf:owner/name -> its model.safetensors
  const { tensors, metadata, format } = readWeightBytes(bytes, url);
  return { ...clipFromTensors(tensors, metadata, opts, url), metadata, format };
}

/**
 * Downloads AA-CLIP adapters: our checkpoint (.safetensors with configs and anchors), a plain
 * adapters .safetensors, or the official `text_adapter.pth` / `image_adapter_N.pth` files.
 * Several URLs are merged into one checkpoint.
 *
 * @example
 * const ckpt = await loadCheckpointFromUrl(['/models/text_adapter.pth', '/models/image_adapter_20.pth']);
 */
export async function loadCheckpointFromUrl(urls: string | readonly string[], opts: LoadWeightsOptions = {}): Promise<AAClipCheckpoint> {
  const list = typeof urls === 'string' ? [urls] : [...urls];
  if (list.length === 0) throw new Error('loadCheckpointFromUrl: no URL given');
  const read: AAClipCheckpoint[] = [];
  for (const url of list) {
    const { tensors, metadata } = readWeightBytes(await loadWeights(resolveReferenceUrl(url, 'adapters', opts.hubEndpoint), opts), url); // hf:user/repo -> its adapters.safetensors
    read.push(checkpointFromTensors(tensors, metadata, url));
  }
  return mergeCheckpoints(read); // core's one merge rule
}

/**
 * Downloads a CLIP tokenizer vocabulary: OpenAI's `bpe_simple_vocab_16e6.txt.gz` (gzip bytes)
 * or a Hugging Face `tokenizer.json`, told apart by content. Cached like {@link loadWeights}.
 *
 * @example
 * const tokenizer = await loadTokenizerFromUrl('/models/bpe_simple_vocab_16e6.txt.gz');
 */
export async function loadTokenizerFromUrl(url: string, opts: LoadWeightsOptions & ClipTokenizerBuildOptions = {}): Promise<Tokenizer> {
  const bytes = await loadWeights(resolveReferenceUrl(url, 'tokenizer', opts.hubEndpoint), opts); // hf:owner/name -> its tokenizer.json
  const build: ClipTokenizerBuildOptions = { contextLength: opts.contextLength, padTokenId: opts.padTokenId };
  const files = tokenizerFilesOf([{ name: url, bytes }]); // core's one rule (told apart by content); errors name the URL
  try {
    if (files.bpeVocabGz) return createClipTokenizerFromBpeGz(files.bpeVocabGz, build);
    return createClipTokenizerFromHf({ tokenizerJson: (files.tokenizerJson ?? files.vocabJson)! }, build);
  } catch (e) {
    throw new Error(`${url}: ${(e as Error).message}`);
  }
}
