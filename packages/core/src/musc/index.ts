// MuSc (Li et al., ICLR 2024): zero-shot anomaly scoring of an unlabeled batch, with no training,
// adapters or text (its parity check against the official code's outputs: parity/musc-parity.ts).
export { lnamd, lnamdPatches, LNAMD_EPS, DEFAULT_R_LIST } from './lnamd';
export { mutualScores, intervalAverage, msmInterval, minImagesForMsm } from './msm';
export type { MsmOptions } from './msm';
export { rscin, RSCIN_K_LIST } from './rscin';
export { DEFAULT_MUSC_CONFIG, defaultMuscLayers, resolveMuscConfig, divideSubsets } from './musc-config';
export type { MuscConfig } from './musc-config';
export { emptyMuscTokens, appendMuscImage } from './musc-tokens';
export type { MuscTokens } from './musc-tokens';
export { MuscScorer, createMuscScorer, scoreMuscTokens } from './musc-scorer';
export type { MuscDetection, MuscScorerOptions, MuscScoreOptions, MuscScores } from './musc-scorer';
