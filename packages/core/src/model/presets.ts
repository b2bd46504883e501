import type { ClipConfig } from './clip-config';

const openAiText = { contextLength: 77, vocabSize: 49408, heads: 8, layers: 12 } as const;

/**
 * CLIP architecture presets as plain data (OpenAI release shapes).
 * AA-CLIP builds ViT-L-14-336 with exact GELU, so every preset defaults to `gelu`;
 * set `activation: 'quick_gelu'` to reproduce OpenAI's own zero-shot numbers.
 *
 * @example
 * const cfg = { ...CLIP_PRESETS['ViT-L-14-336'], activation: 'quick_gelu' as const };
 */
export const CLIP_PRESETS: Readonly<Record<ClipPresetName, ClipConfig>> = {
  'ViT-B-32': {
    embedDim: 512,
    vision: { imageSize: 224, patchSize: 32, width: 768, layers: 12, heads: 12 },
    text: { ...openAiText, width: 512 },
    activation: 'gelu',
  },
  'ViT-B-16': {
    embedDim: 512,
    vision: { imageSize: 224, patchSize: 16, width: 768, layers: 12, heads: 12 },
    text: { ...openAiText, width: 512 },
    activation: 'gelu',
  },
  'ViT-L-14': {
    embedDim: 768,
    vision: { imageSize: 224, patchSize: 14, width: 1024, layers: 24, heads: 16 },
    text: { ...openAiText, width: 768, heads: 12 },
    activation: 'gelu',
  },
  'ViT-L-14-336': {
    embedDim: 768,
    vision: { imageSize: 336, patchSize: 14, width: 1024, layers: 24, heads: 16 },
    text: { ...openAiText, width: 768, heads: 12 },
    activation: 'gelu',
  },
  /** The shape of the test fixtures: a 24-block ViT so that AA-CLIP's levels 6/12/18/24 exist. */
  tiny: {
    embedDim: 32,
    vision: { imageSize: 112, patchSize: 14, width: 64, layers: 24, heads: 4 },
    text: { contextLength: 77, vocabSize: 49408, width: 32, heads: 4, layers: 12 },
    activation: 'gelu',
  },
};

export type ClipPresetName = 'ViT-B-32' | 'ViT-B-16' | 'ViT-L-14' | 'ViT-L-14-336' | 'tiny';
