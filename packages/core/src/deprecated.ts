// Deprecated exports of '@aaclip/core', kept for one release (0.2.0; see CHANGELOG.md): names that
// moved to a subpath ('@aaclip/core/train', '/metrics', '/weights', '/parity'), and internals that
// nothing outside this package used. Each goes in the next release.

/** @deprecated renamed (0.2.0), see each name's note; these aliases go in the next release. */
export { createDetector } from './aaclip/detector';
export { orthogonalLoss } from './aaclip/disentangle-loss';
export { registerFusedKernels, unregisterFusedKernels } from './kernels/register';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export { averageMetrics, detectorHead, evaluateClass } from './eval/evaluate-class';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export type { ClassEvaluation, ClassMetrics, EvalCase, EvalDetector, EvalHead, EvalSample, OverlayRenderer } from './eval/evaluate-class';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export { OfficialMetricAccumulator } from './eval/official-eval';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export type { OfficialDomain, OfficialEvalBatch, OfficialEvalOptions, OfficialMetrics } from './eval/official-eval';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export { auroc, binaryMetrics } from './metrics/binary-metrics';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export type { BinaryMetrics } from './metrics/binary-metrics';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export { aupro, PixelMetricAccumulator } from './metrics/pixel-metric-accumulator';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export type { PixelMetricOptions, PixelMetrics } from './metrics/pixel-metric-accumulator';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export { pythonRound } from './metrics/python-round';
/** @deprecated import from '@aaclip/core/metrics' (moved in 0.2.0; this alias goes in the next release). */
export type { ScoreStoreOptions } from './metrics/score-store';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export { formatParityTable } from './parity/compare-parity';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export { computeMuscParity, isMuscFixture } from './parity/musc-parity';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export type { MuscParityExpectedJson, MuscParityInput } from './parity/musc-parity';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export { computeParityFromBytes } from './parity/parity-from-bytes';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export type { ParityFileBytes } from './parity/parity-from-bytes';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export type { ParityExpectedJson, ParityInput, ParityResult, ParityRow } from './parity/parity-types';
/** @deprecated import from '@aaclip/core/parity' (moved in 0.2.0; this alias goes in the next release). */
export { computeParity } from './parity/run-parity';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export { Adam } from './aaclip/adam';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export type { AdamOptions, AdamState } from './aaclip/adam';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export type { AugmentImage, AugmentOptions } from './aaclip/augment';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export { detCrossEntropy } from './aaclip/losses';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export { trainAAClip } from './aaclip/pipeline';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export type { PipelineOptions, PipelineResult } from './aaclip/pipeline';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export type { ClassTokens, Stage1Batch, Stage2Batch } from './aaclip/stage-losses';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export { recomputeBlocks, stage2Gradients, trainStage } from './aaclip/trainer';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export type { StageOptions, StageResult, TrainingSample, TrainingSource } from './aaclip/trainer';
/** @deprecated import from '@aaclip/core/train' (moved in 0.2.0; this alias goes in the next release). */
export { gaussianSampler, randomClipWeights } from './model/random-weights';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { CHECKPOINT_FORMAT, checkpointFromTensors, decodeCheckpoint, encodeCheckpoint } from './aaclip/checkpoint';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { AAClipCheckpoint, TrainingCheckpoint } from './aaclip/checkpoint';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { normalizeClipStateDict } from './model/clip-state-dict';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { NormalizeClipOptions, NormalizedClip } from './model/clip-state-dict';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { checkFinite } from './weights/check-finite';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { float32ToHalfBytes, halfToFloat32 } from './weights/dtype-convert';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { lazySafetensorsTensors } from './weights/lazy-safetensors';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { LazySafetensorsOptions } from './weights/lazy-safetensors';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { shapeSize } from './weights/named-tensor';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { NamedTensor, TensorDType, TensorMap } from './weights/named-tensor';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { PickleOptions } from './weights/pickle';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { detectWeightFormat, readWeightFile } from './weights/read-weights';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { WeightFileFormat, WeightReadOptions } from './weights/read-weights';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { parseSafetensorsHeader, readSafetensors, safetensorsHeaderSize } from './weights/safetensors-reader';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { SafetensorsEntry, SafetensorsHeader, SafetensorsReadOptions } from './weights/safetensors-reader';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { writeSafetensors } from './weights/safetensors-writer';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { WritableDType, WritableTensor, WriteSafetensorsOptions } from './weights/safetensors-writer';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { isSafetensorsHead, sniffWeightFormat, WEIGHT_SNIFF_BYTES } from './weights/sniff-weight-format';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { WeightContainer } from './weights/sniff-weight-format';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { TorchReadOptions } from './weights/torch-zip';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { readTorchFile } from './weights/torchscript';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export { WeightFormatError } from './weights/weight-format-error';
/** @deprecated import from '@aaclip/core/weights' (moved in 0.2.0; this alias goes in the next release). */
export type { WeightErrorContext, WeightFormatErrorCode } from './weights/weight-format-error';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { AdapterLinear, exportAdapterWeights, exportAdapterWeightsAsync, ImageAdapters, residualAdapt, rowNorm, TextAdapters } from './aaclip/aaclip-adapters';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { validateAAClipConfig } from './aaclip/aaclip-config';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { multiStepLr } from './aaclip/adam';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { levelSum } from './aaclip/anomaly-map';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { augmentPair, stageAugmentOptions } from './aaclip/augment';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { applyThresholds, f1Threshold } from './aaclip/calibrate';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { stage2GradientsCheckpointed, stage2GradientTensorsCheckpointed } from './aaclip/checkpointed-gradients';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { DISENTANGLE_WEIGHT, disentangleLoss } from './aaclip/disentangle-loss';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { diceLoss, focalLoss, segmentationLoss } from './aaclip/losses';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { bilinearAlignCornersMatrix, DOMAIN_BLUR, gaussianBlurMatrix, mapOperator, separableApply, similarity, testLevelMap, trainingSoftmaxMap } from './aaclip/maps';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { classFusedScores, fuseScores, mapMaximum, minMaxNormaliser } from './aaclip/score';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { adapterGradients, adapterGradientTensors, stage1Loss, stage2Loss, stage2LossFromFeatures } from './aaclip/stage-losses';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { epochOrder } from './aaclip/trainer';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { isSoftwareAdapter, SOFTWARE_ADAPTER_PATTERN } from './backend/software-adapter';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { bundleClipOptions, bundleImageSize, hasImageAdapters, IMAGE_SIZE_METADATA_KEY } from './bundle/bundle-defaults';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { officialMetricsEval } from './eval/official-eval';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { coresetSize, greedyCoreset } from './few-shot/coreset';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { defaultReferenceLayers } from './few-shot/normal-references';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { CLIP_WEIGHT_FILES, defaultHubFile, TOKENIZER_FILE_SETS } from './hub/hub-files';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { CLIP_ALIASES, DEFAULT_HUB_REVISION, isHubReference, MODEL_REF_FORMS, parseHubReference } from './hub/model-ref';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { maskToBinary } from './image/convert';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { CLIP_MEAN } from './image/normalize';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { resizeNearestPil } from './image/resize-nearest';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { FUSED_KERNELS_FLAG } from './kernels/fused-ops';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { averagePrecision, f1Max, ImageMetricAccumulator } from './metrics/binary-metrics';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { labelComponents8 } from './metrics/connected-components';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { anomalyClipThresholds } from './metrics/curve-pass';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { aupro200, pixelMetrics } from './metrics/pixel-metric-accumulator';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { DEFAULT_HISTOGRAM_BINS, DEFAULT_MAX_EXACT_SCORES } from './metrics/score-store';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { quickGelu } from './model/activations';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { validateClipConfig } from './model/clip-model';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { isInferenceOnlyWeight } from './model/inference-weights';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { bicubicResampleMatrix, resizePositionEmbedding } from './model/position-embedding';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { TextTransformer } from './model/text-transformer';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { VisionTransformer } from './model/vision-transformer';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { takeWeight } from './model/weight-source';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { DEFAULT_R_LIST, LNAMD_EPS, lnamdPatches } from './musc/lnamd';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { intervalAverage, msmInterval, mutualScores } from './musc/msm';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { defaultMuscLayers, divideSubsets, resolveMuscConfig } from './musc/musc-config';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { MuscScorer } from './musc/musc-scorer';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { appendMuscImage } from './musc/musc-tokens';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { RSCIN_K_LIST } from './musc/rscin';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { compareParity } from './parity/compare-parity';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { basicClean, cleanText, whitespaceClean } from './tokenizer/clean-text';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { CLIP_MERGE_COUNT, MAX_BPE_VOCAB_INFLATED_BYTES, parseMergesTxt } from './tokenizer/clip-bpe-loaders';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { ClipBpeTokenizer, END_OF_WORD, EOT_TOKEN, SOT_TOKEN } from './tokenizer/clip-bpe-tokenizer';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { DEFAULT_CONTEXT_LENGTH, MAX_CONTEXT_LENGTH } from './tokenizer/tokenizer';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { bfloat16ToFloat32 } from './weights/dtype-convert';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { MAX_TENSOR_RANK, toFloat32, toInt32 } from './weights/named-tensor';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { defaultPickleGlobals } from './weights/pickle-globals';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { PickleFunction, PickleGlobal, PickleRecord } from './weights/pickle-values';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { unpickle } from './weights/pickle';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { decodeSafetensorsEntry, DEFAULT_MAX_HEADER_BYTES } from './weights/safetensors-reader';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { FLOAT16_MAX } from './weights/safetensors-writer';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { flattenTensors } from './weights/tensor-tree';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { openTorchArchive, readTorchCheckpoint } from './weights/torch-zip';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { readTorchScriptParameters } from './weights/torchscript';
/** @deprecated internal, used by nothing outside @aaclip/core: no longer public from the next release. */
export { NonFiniteWeightError, WEIGHT_FORMAT_ERROR_CODES } from './weights/weight-format-error';
