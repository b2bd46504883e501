/**
 * @aaclip/core: AA-CLIP (zero-shot anomaly detection) on tfjs-core, for any backend.
 * Pure: no Node or DOM APIs. Pick a backend with @aaclip/backend-node or @aaclip/backend-web.
 */
export const VERSION = '0.1.0';

// CLIP model
export type { ClipConfig, VisionConfig, TextConfig } from './model/clip-config';
export { CLIP_PRESETS } from './model/presets';
export type { ClipPresetName } from './model/presets';
export { ClipModel, validateClipConfig } from './model/clip-model';
export { clipFromTensors } from './model/clip-from-tensors';
export type { ClipBuildOptions } from './model/clip-from-tensors';
export { isInferenceOnlyWeight, setInferenceWeightPacker } from './model/inference-weights';
export type { InferenceWeightPacker } from './model/inference-weights';
export { VisionTransformer } from './model/vision-transformer';
export type { VisionForwardOptions, VisionForwardResult, BlockHook } from './model/vision-transformer';
export { TextTransformer } from './model/text-transformer';
export type { TextForwardOptions, TokenInput } from './model/text-transformer';
export { ResidualAttentionBlock } from './model/residual-block';
export { Attention } from './model/attention';
export { setAttentionMode, attentionModeInUse } from './model/attention-heads-batched';
export type { AttentionMode } from './model/attention-heads-batched';
export { LayerNorm } from './model/layer-norm';
export { gelu, quickGelu, applyActivation } from './model/activations';
export type { Activation } from './model/activations';
export { matMul2d, frozenLinear } from './model/matmul-2d';
export { setMatMulProvider, matMulProvider } from './model/matmul-provider';
export type { MatMulProvider, ProvidedMatMulOptions, ProvidedAttentionOptions } from './model/matmul-provider';
// Fused kernels: their names and op functions (composite ops where none is registered); the
// kernels themselves are registered by the runtimes (@aaclip/kernels/tfjs)
// (deprecated aliases, for one release: registration moved to @aaclip/kernels/tfjs)
export { registerFusedKernels, unregisterFusedKernels } from './kernels/register';
export { layerNorm, biasActivation, headSlice, setFusedKernelsEnabled, fusedKernelsEnabled, fusedKernelActive, FUSED_KERNELS_FLAG } from './kernels/fused-ops';
export type { FusedActivation, HeadSliceOptions } from './kernels/fused-ops';
export { FUSED_KERNEL_NAMES, LAYER_NORM, GELU, QUICK_GELU, HEAD_SLICE } from './kernels/names';
export type { FusedKernelName, HeadSliceAttrs, LayerNormAttrs } from './kernels/names';
export { bicubicResampleMatrix, resizePositionEmbedding } from './model/position-embedding';
export { randomClipWeights, gaussianSampler } from './model/random-weights';
export { takeWeight, transpose2d } from './model/weight-source';
export type { WeightEntry, WeightMap } from './model/weight-source';
export { describeGpuAdapter, isSoftwareAdapter, softwareAdapterReason, SOFTWARE_ADAPTER_PATTERN, type GpuAdapterInfoLike, type GpuAdapterLike } from './backend/software-adapter';

// AA-CLIP
export type { AAClipConfig } from './aaclip/aaclip-config';
export { defaultAAClipConfig, validateAAClipConfig } from './aaclip/aaclip-config';
export { AAClipModel, mulberry32 } from './aaclip/aaclip-model';
export type { AAClipForward, AAClipOptions } from './aaclip/aaclip-model';
export { AdapterLinear, TextAdapters, ImageAdapters, residualAdapt, exportAdapterWeights, exportAdapterWeightsAsync, l2Normalize, rowNorm } from './aaclip/aaclip-adapters';
export {
  similarity,
  trainingSoftmaxMap,
  testLevelMap,
  separableApply,
  bilinearAlignCornersMatrix,
  gaussianBlurMatrix,
  mapOperator,
  DOMAIN_BLUR,
} from './aaclip/maps';
export type { Domain } from './aaclip/maps';
export { focalLoss, diceLoss, segmentationLoss, detCrossEntropy } from './aaclip/losses';
export { disentangleLoss, DISENTANGLE_WEIGHT, orthogonalLoss } from './aaclip/disentangle-loss';
export { Adam, multiStepLr } from './aaclip/adam';
export type { AdamOptions, AdamState } from './aaclip/adam';
export { stage1Loss, stage2Loss, stage2LossFromFeatures, adapterGradients, adapterGradientTensors } from './aaclip/stage-losses';
export { stage2GradientsCheckpointed, stage2GradientTensorsCheckpointed } from './aaclip/checkpointed-gradients';
export type { ClassTokens, Stage1Batch, Stage2Batch } from './aaclip/stage-losses';
export { augmentPair, stageAugmentOptions } from './aaclip/augment';
export type { AugmentImage, AugmentOptions } from './aaclip/augment';
export { trainStage, epochOrder, recomputeBlocks, stage2Gradients } from './aaclip/trainer';
export { trainAAClip } from './aaclip/pipeline';
export type { PipelineOptions, PipelineResult } from './aaclip/pipeline';
export type { TrainingSample, TrainingSource, StageOptions, StageResult } from './aaclip/trainer';
export { encodeCheckpoint, decodeCheckpoint, checkpointFromTensors, CHECKPOINT_FORMAT } from './aaclip/checkpoint';
export type { TrainingCheckpoint, AAClipCheckpoint } from './aaclip/checkpoint';
export { AnchorCache, classTokens } from './aaclip/anchors';
export type { PromptOptions } from './aaclip/anchors';
export { AAClipDetector, createAAClipDetector, createDetector } from './aaclip/detector';
export type { Detector, DetectorOptions, DetectOptions, Detection, AnchorInput, DetectorImages } from './aaclip/detector';
export { preprocessBatch, checkBatchShape } from './aaclip/image-batch';
export type { ImageBatchData } from './aaclip/image-batch';
// The model bundle: format sniffing, checkpoint merging, defaults and assembly, pure over read bytes
export * from './bundle/index';
export { imageScore, mapMaximum, fuseScores, minMaxNormaliser, classFusedScores } from './aaclip/score';
export { anomalyMaps, levelSum } from './aaclip/anomaly-map';
export type { AnomalyMaps } from './aaclip/anomaly-map';
export type { Rounding, ClassScoreSet } from './aaclip/score';
export { CALIBRATION_METADATA_KEY, quantile, f1Threshold, calibrateClass, parseCalibration, applyThresholds } from './aaclip/calibrate';
export type { Calibration, ClassThresholds, CalibrationSample, CalibrationMethod } from './aaclip/calibrate';

// Tokenizer
export {
  ByteTokenizer,
  ClipBpeTokenizer,
  CLIP_MERGE_COUNT,
  DEFAULT_CONTEXT_LENGTH,
  MAX_BPE_VOCAB_INFLATED_BYTES,
  MAX_CONTEXT_LENGTH,
  END_OF_WORD,
  EOT_TOKEN,
  SOT_TOKEN,
  basicClean,
  cleanText,
  createClipTokenizerFromBpeGz,
  createClipTokenizerFromHf,
  createTokenizerFromConfig,
  parseMergesTxt,
  parseTokenizerConfig,
  whitespaceClean,
} from './tokenizer/index';
export type {
  ByteTokenizerConfig,
  ClipBpeGzOptions,
  ClipBpeTokenizerConfig,
  ClipBpeTokenizerInit,
  ClipTokenizerBuildOptions,
  DecodeOptions,
  HfTokenizerFiles,
  TokenizedTexts,
  Tokenizer,
  TokenizerConfig,
  TokenizerFiles,
  TokenizeOptions,
} from './tokenizer/index';

// Weights
export type { TensorDType, NamedTensor, TensorMap } from './weights/named-tensor';
export { toFloat32, toInt32, shapeSize } from './weights/named-tensor';
export { halfToFloat32, bfloat16ToFloat32, float32ToHalfBytes } from './weights/dtype-convert';
export { flattenTensors } from './weights/tensor-tree';
export { readSafetensors, parseSafetensorsHeader, safetensorsHeaderSize, decodeSafetensorsEntry, DEFAULT_MAX_HEADER_BYTES } from './weights/safetensors-reader';
export type { SafetensorsEntry, SafetensorsHeader, SafetensorsReadOptions } from './weights/safetensors-reader';
export { writeSafetensors, FLOAT16_MAX } from './weights/safetensors-writer';
export type { WritableTensor, WritableDType, WriteSafetensorsOptions } from './weights/safetensors-writer';
export { unpickle, defaultPickleGlobals, PickleGlobal, PickleRecord, PickleFunction } from './weights/pickle';
export type { PickleOptions } from './weights/pickle';
export { readTorchCheckpoint, openTorchArchive } from './weights/torch-zip';
export { readTorchScriptParameters, readTorchFile } from './weights/torchscript';
export { readWeightFile, detectWeightFormat } from './weights/read-weights';
export type { WeightFileFormat } from './weights/read-weights';
export { normalizeClipStateDict } from './model/clip-state-dict';
export type { NormalizeClipOptions, NormalizedClip } from './model/clip-state-dict';

// Images
export type { RawImage, RawImage8 } from './image/raw-image';
export { assertRawImage, assertRawImage8 } from './image/raw-image';
export { resizeBicubicPil } from './image/resize-bicubic';
export { resizeNearestPil } from './image/resize-nearest';
export { toRgb, maskToBinary } from './image/convert';
export { CLIP_MEAN, CLIP_STD, normalizeClip } from './image/normalize';
export { preprocessImage, preprocessMask } from './image/preprocess';
export { decodeBmp, isBmp } from './image/decode-bmp';
export { ImageDecodeError } from './image/image-decode-error';

// Metrics
export {
  auroc,
  averagePrecision,
  f1Max,
  binaryMetrics,
  ImageMetricAccumulator,
  PixelMetricAccumulator,
  pixelMetrics,
  aupro,
  aupro200,
  labelComponents8,
  pythonRound,
  anomalyClipThresholds,
  DEFAULT_MAX_EXACT_SCORES,
  DEFAULT_HISTOGRAM_BINS,
} from './metrics/index';
export type { BinaryMetrics, PixelMetrics, PixelMetricOptions, ScoreStoreOptions } from './metrics/index';
// The paper's evaluation protocol (per-class normalisation and fused score), over the metrics
export { OfficialMetricAccumulator, officialMetricsEval } from './eval/official-eval';
export type { OfficialMetrics, OfficialDomain, OfficialEvalOptions, OfficialEvalBatch } from './eval/official-eval';
export { evaluateClass, averageMetrics, detectorHead } from './eval/evaluate-class';
export type { ClassEvaluation, ClassMetrics, EvalCase, EvalDetector, EvalHead, EvalSample, OverlayRenderer } from './eval/evaluate-class';

// Map pictures: moved to @aaclip/render; deprecated aliases for one release
export * from './deprecated-render';


// Typed reader errors and weight checks
export { WeightFormatError, NonFiniteWeightError, WEIGHT_FORMAT_ERROR_CODES } from './weights/weight-format-error';
export type { WeightFormatErrorCode, WeightErrorContext } from './weights/weight-format-error';
export { checkFinite } from './weights/check-finite';
export { MAX_TENSOR_RANK } from './weights/named-tensor';
export type { WeightReadOptions } from './weights/read-weights';
export type { TorchReadOptions } from './weights/torch-zip';

// Parity with the PyTorch reference fixture (computation and comparison; the caller reads the files)
export { computeParity } from './parity/run-parity';
export { computeParityFromBytes } from './parity/parity-from-bytes';
export type { ParityFileBytes } from './parity/parity-from-bytes';
export { compareParity, formatParityTable } from './parity/compare-parity';
export type { ParityExpectedJson, ParityInput, ParityResult, ParityRow } from './parity/parity-types';

// MuSc zero-shot batch scoring (and its parity check)
export * from './musc/index';
export { computeMuscParity, isMuscFixture } from './parity/musc-parity';
export type { MuscParityExpectedJson, MuscParityInput } from './parity/musc-parity';

// Model references (hf:owner/name[@revision][/file], aliases, URLs), Hub URLs, file choice
export * from './hub/index';
// Few-shot normal references (memory banks of normal patches per class)
export * from './few-shot/index';
