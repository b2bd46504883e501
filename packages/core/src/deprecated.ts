// Deprecated exports of '@aaclip/core', kept for one release (0.2.0; see CHANGELOG.md): names that
// moved to a subpath ('@aaclip/core/train', '/metrics', '/weights', '/parity') or were renamed, where
// the README, docs or examples of 0.1.0 showed them to users. Each goes in the next release; the
// internals nobody outside core used were removed outright (CHANGELOG.md lists them).

/** @deprecated renamed (0.2.0), see each name's note; these aliases go in the next release. */
export { createDetector } from './aaclip/detector';
export { orthogonalLoss } from './aaclip/disentangle-loss';
export { registerFusedKernels, unregisterFusedKernels } from './kernels/register';
export type { WeightFileFormat } from './weights/read-weights';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export { computeParity } from './parity/run-parity';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export { Adam } from './aaclip/adam';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export { stage2Gradients, trainStage } from './aaclip/trainer';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export type { TrainingSource } from './aaclip/trainer';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { checkpointFromTensors, decodeCheckpoint, encodeCheckpoint } from './aaclip/checkpoint';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { readWeightFile } from './weights/read-weights';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { parseSafetensorsHeader, readSafetensors, safetensorsHeaderSize } from './weights/safetensors-reader';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { exportAdapterWeightsAsync } from './aaclip/aaclip-adapters';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { stage2GradientsCheckpointed } from './aaclip/checkpointed-gradients';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { adapterGradientTensors } from './aaclip/stage-losses';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { RSCIN_K_LIST } from './musc/rscin';
