import * as tf from '@tensorflow/tfjs-core';
import type { ClipConfig } from './clip-config';
import { TextTransformer, type TextForwardOptions, type TokenInput } from './text-transformer';
import { VisionTransformer, type VisionForwardOptions, type VisionForwardResult } from './vision-transformer';
import { buildOrDispose, type WeightMap } from './weight-source';
import { isInferenceOnlyWeight } from './inference-weights';

/**
 * An OpenAI-style ViT CLIP built from a typed config and weights in the OpenAI layout
 * (see `normalizeClipStateDict` for other layouts). Tensors in, tensors out; the caller owns
 * every returned tensor. Images are NHWC float32, already CLIP-normalised.
 *
 * @example
 * const { tensors, config } = normalizeClipStateDict(readSafetensors(bytes).tensors);
 * const clip = ClipModel.fromWeights(tensors, config);
 * const { pooled, tokens } = clip.encodeImage(images, { collect: [6, 12, 18, 24] });
 * clip.dispose();
 */
export class ClipModel {
  readonly visual: VisionTransformer;
  readonly text: TextTransformer | null;

  private constructor(
    readonly config: ClipConfig,
    visual: VisionTransformer,
    text: TextTransformer | null,
  ) {
    this.visual = visual;
    this.text = text;
  }

  /**
   * Builds the model; every key and shape the config implies is checked.
   *
   * With `inferenceOnly`, the blocks' linear weights (qkv, out, MLP: nearly all of a CLIP) are
   * packed for the backend's matMul as they are built; on wasm their own storage is freed, so
   * the model holds one copy of its weights instead of two (XNNPACK keeps a packed copy of
   * every matMul weight) and the build never holds more than one extra weight matrix. The
   * model then runs forward passes only: no gradients through the CLIP, no surgery branch.
   */
  static fromWeights(weights: WeightMap, config: ClipConfig, opts: { inferenceOnly?: boolean } = {}): ClipModel {
    validateClipConfig(config);
    return buildOrDispose(
      () => {
        const visual = new VisionTransformer(weights, config.vision, config.embedDim, config.activation);
        const text = config.text ? new TextTransformer(weights, config.text, config.embedDim, config.activation) : null;
        return new ClipModel(config, visual, text);
      },
      { inferenceOnly: opts.inferenceOnly },
    );
  }

  /** True when the model was built with `inferenceOnly` (forward passes only). */
  get inferenceOnly(): boolean {
    const b = this.visual.resblocks[0];
    return b ? isInferenceOnlyWeight(b.cFcT) : false;
  }

  /**
   * NHWC float32 images [B, S, S, 3] -> pooled embedding [B, E] and the sequences
   * [B, 1 + g*g, W] after the requested blocks (1-indexed, before ln_post).
   */
  encodeImage(images: tf.Tensor4D, opts: VisionForwardOptions = {}): VisionForwardResult {
    if (images.rank !== 4) throw new Error(`encodeImage: expected NHWC [B, S, S, 3], got shape [${images.shape}]`);
    if (images.dtype !== 'float32') throw new Error(`encodeImage: expected float32 images, got ${images.dtype}`);
    return this.visual.forward(images, opts);
  }

  /** Token ids [N, ctx] -> [N, E] (not normalised). */
  encodeText(tokens: TokenInput, opts: TextForwardOptions = {}): tf.Tensor2D {
    if (!this.text) throw new Error('encodeText: this model has no text tower (vision-only weights)');
    return this.text.forward(tokens, opts);
  }

  dispose(): void {
    this.visual.dispose();
    this.text?.dispose();
  }
}

/** Checks a config for values that cannot build a model; errors name the field and value. */
export function validateClipConfig(config: ClipConfig): void {
  const pos = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`ClipConfig.${name} must be a positive integer, got ${String(v)}`);
  };
  pos('embedDim', config.embedDim);
  for (const k of ['imageSize', 'patchSize', 'width', 'layers', 'heads'] as const) pos(`vision.${k}`, config.vision?.[k]);
  if (config.vision.width % config.vision.heads !== 0) {
    throw new Error(`ClipConfig.vision: width ${config.vision.width} is not divisible by heads ${config.vision.heads}`);
  }
  if (config.text) {
    for (const k of ['contextLength', 'vocabSize', 'width', 'heads', 'layers'] as const) pos(`text.${k}`, config.text[k]);
    if (config.text.width % config.text.heads !== 0) {
      throw new Error(`ClipConfig.text: width ${config.text.width} is not divisible by heads ${config.text.heads}`);
    }
  }
  if (config.activation !== 'gelu' && config.activation !== 'quick_gelu') {
    throw new Error(`ClipConfig.activation must be 'gelu' or 'quick_gelu', got ${String(config.activation)}`);
  }
}
