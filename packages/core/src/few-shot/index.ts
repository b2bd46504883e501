// Few-shot normal references: per-class memory banks of normal patch tokens on a frozen CLIP.
export { NormalReferences, createNormalReferences, defaultReferenceLayers } from './normal-references';
export type { NormalReferenceOptions, NormalReferenceInfo, FewShotMap } from './normal-references';
export { greedyCoreset, coresetSize } from './coreset';
export type { CoresetOptions } from './coreset';
export { combineFewShot, fewShotClassScores } from './combine';
export type { FewShotDetection } from './combine';
