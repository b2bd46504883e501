/**
 * @aaclip/core/train: AA-CLIP's two-stage training (the paper's Sec. 3: stage 1 text adapters,
 * stage 2 image adapters), Adam, the losses the runtimes need, random CLIP weights for tests and
 * demos. One gradient entry point for the adapters: `stage2Gradients` (a training pool's workers
 * call it; `trainStage` uses it).
 *
 * @example
 * import { trainStage } from '@aaclip/core/train';
 */
export { Adam } from './aaclip/adam';
export type { AdamOptions, AdamState } from './aaclip/adam';
export type { AugmentImage, AugmentOptions } from './aaclip/augment';
export { detCrossEntropy } from './aaclip/losses';
export { trainAAClip } from './aaclip/pipeline';
export type { PipelineOptions, PipelineResult } from './aaclip/pipeline';
export type { ClassTokens, Stage1Batch, Stage2Batch } from './aaclip/stage-losses';
export { recomputeBlocks, stage2Gradients, trainStage } from './aaclip/trainer';
export type { StageOptions, StageResult, TrainingSample, TrainingSource } from './aaclip/trainer';
export { gaussianSampler, randomClipWeights } from './model/random-weights';
