import type { TensorMap } from '../weights/named-tensor';
import { normalizeClipStateDict } from './clip-state-dict';
import type { ClipConfig } from './clip-config';
import { ClipModel } from './clip-model';
import { parseMetadataJson } from '../weights/metadata-json';

export interface ClipBuildOptions {
  /** Attention heads of the vision tower (default: the file's `clip_config` metadata, else width / 64). */
  visionHeads?: number;
  /** Attention heads of the text tower (default: the file's `clip_config` metadata, else width / 64). */
  textHeads?: number;
  /** MLP activation (default: the file's `clip_config` metadata, else 'gelu', what AA-CLIP builds); 'quick_gelu' for OpenAI's own numbers. */
  activation?: 'gelu' | 'quick_gelu';
  /**
   * Build for forward passes only (`ClipModel.fromWeights`' `inferenceOnly`): on wasm each
   * linear weight lives only in the packed form the matMul uses, one copy instead of two. No
   * gradients through the CLIP, no surgery branch. Default false.
   */
  inferenceOnly?: boolean;
}

/**
 * Builds a CLIP from read tensors in any supported layout (OpenAI, open_clip, Hugging Face,
 * torch trees). Head counts and activation come from the options, else from the `clip_config`
 * metadata our files carry, else width / 64 and 'gelu'. `name` (a file or URL) prefixes errors.
 *
 * @example
 * const { tensors, metadata } = decodeWeightFile(bytes);
 * const { clip, config } = clipFromTensors(tensors, metadata, { inferenceOnly: true }, 'ViT-L-14-336.safetensors');
 */
export function clipFromTensors(tensors: TensorMap, metadata: Record<string, string>, opts: ClipBuildOptions, name: string): { clip: ClipModel; config: ClipConfig; unusedKeys: string[] } {
  const meta = parseMetadataJson<ClipConfig>(metadata, 'clip_config', name);
  let norm;
  try {
    norm = normalizeClipStateDict(tensors, {
      visionHeads: opts.visionHeads ?? meta?.vision?.heads,
      textHeads: opts.textHeads ?? meta?.text?.heads,
      activation: opts.activation ?? meta?.activation,
    });
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
  const clip = ClipModel.fromWeights(norm.tensors, norm.config, { inferenceOnly: opts.inferenceOnly });
  return { clip, config: norm.config, unusedKeys: norm.unusedKeys };
}
