import type { PromptSet } from './types';

/**
 * WinCLIP's compositional prompt ensemble (Jeong et al., "WinCLIP: Zero-/Few-Shot Anomaly
 * Classification and Segmentation", CVPR 2023, supplementary lists of state-level and
 * template-level prompts; the same states are in anomalib's `winclip/prompting.py`).
 *
 * - 7 normal states, 4 anomalous states (the paper has no `'broken {}'`; that state comes from
 *   later works such as April-GAN and is part of {@link AACLIP_PROMPT_SET} as `'a broken {}'`).
 * - 22 templates as listed in the paper, with a trailing period as in anomalib. (anomalib's copy
 *   lists `'a jpeg corrupted photo of the {}.'` twice and lacks `'a cropped photo of a {}.'` and
 *   `'a jpeg corrupted photo of a {}.'`; the paper's list is used here.)
 *
 * Yields 7 x 22 = 154 normal and 4 x 22 = 88 abnormal sentences per class.
 *
 * @example
 * composePromptSentences('bottle', WINCLIP_PROMPT_SET).abnormal[0]; // 'a cropped photo of the damaged bottle.'
 */
export const WINCLIP_PROMPT_SET: PromptSet = {
  name: 'winclip',
  normalStates: [
    '{}',
    'flawless {}',
    'perfect {}',
    'unblemished {}',
    '{} without flaw',
    '{} without defect',
    '{} without damage',
  ],
  abnormalStates: ['damaged {}', '{} with flaw', '{} with defect', '{} with damage'],
  templates: [
    'a cropped photo of the {}.',
    'a cropped photo of a {}.',
    'a close-up photo of a {}.',
    'a close-up photo of the {}.',
    'a bright photo of a {}.',
    'a bright photo of the {}.',
    'a dark photo of the {}.',
    'a dark photo of a {}.',
    'a jpeg corrupted photo of a {}.',
    'a jpeg corrupted photo of the {}.',
    'a blurry photo of the {}.',
    'a blurry photo of a {}.',
    'a photo of a {}.',
    'a photo of the {}.',
    'a photo of a small {}.',
    'a photo of the small {}.',
    'a photo of a large {}.',
    'a photo of the large {}.',
    'a photo of the {} for visual inspection.',
    'a photo of a {} for visual inspection.',
    'a photo of the {} for anomaly detection.',
    'a photo of a {} for anomaly detection.',
  ],
};
