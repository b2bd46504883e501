/**
 * @aaclip/core: AA-CLIP (zero-shot anomaly detection) on tfjs-core, for any backend: the
 * inference surface (models, detector, bundle, tokenizers, preprocessing, scores, MuSc and
 * few-shot heads). Pure: no Node or DOM APIs. Pick a backend with @aaclip/backend-node or
 * @aaclip/backend-web.
 *
 * Subpaths: '@aaclip/core/train' (training), '@aaclip/core/metrics' (metrics and the paper's
 * evaluation), '@aaclip/core/weights' (weight and checkpoint file formats), '@aaclip/core/parity'
 * (parity with the PyTorch reference).
 */
export const VERSION = '0.1.0';

// AA-CLIP: the model, its detector, anchors, maps and scores, calibrated decisions
export { l2Normalize } from './aaclip/aaclip-adapters';
export { defaultAAClipConfig } from './aaclip/aaclip-config';
export type { AAClipConfig } from './aaclip/aaclip-config';
export { AAClipModel, mulberry32 } from './aaclip/aaclip-model';
export type { AAClipForward, AAClipOptions } from './aaclip/aaclip-model';
export { AnchorCache, classTokens } from './aaclip/anchors';
export type { PromptOptions } from './aaclip/anchors';
export { anomalyMaps } from './aaclip/anomaly-map';
export type { AnomalyMaps } from './aaclip/anomaly-map';
export { calibrateClass, CALIBRATION_METADATA_KEY, parseCalibration, quantile } from './aaclip/calibrate';
export type { Calibration, CalibrationMethod, CalibrationSample, ClassThresholds } from './aaclip/calibrate';
export { AAClipDetector, createAAClipDetector } from './aaclip/detector';
export type { AnchorInput, Detection, DetectOptions, Detector, DetectorOptions } from './aaclip/detector';
export { checkBatchShape, preprocessBatch, stackPreprocessed } from './aaclip/image-batch';
export type { DetectorImages, ImageBatchData } from './aaclip/image-batch';
export type { Domain } from './aaclip/maps';
export { imageScore } from './aaclip/score';
export type { ClassScoreSet, Rounding } from './aaclip/score';

// GPU adapter checks the runtimes share
export { describeGpuAdapter, softwareAdapterReason } from './backend/software-adapter';
export type { GpuAdapterInfoLike, GpuAdapterLike } from './backend/software-adapter';

// The model bundle: format sniffing, checkpoint merging, defaults and assembly, pure over read bytes
export { bundleTokenizerConfig, TOKENIZER_METADATA_KEY } from './bundle/bundle-defaults';
export { mergeCheckpoints } from './bundle/checkpoint-merge';
export { assembleBundle, detectorFromBundle } from './bundle/model-bundle';
export type { AssembleBundleOptions, BundleDetectorOptions, ModelBundle, WeightSource } from './bundle/model-bundle';
export { tokenizerFilesOf } from './bundle/tokenizer-files';
export type { NamedBytes } from './bundle/tokenizer-files';

// Few-shot normal references (memory banks of normal patches per class)
export { combineFewShot, fewShotClassScores } from './few-shot/combine';
export type { FewShotDetection } from './few-shot/combine';
export type { CoresetOptions } from './few-shot/coreset';
export { createNormalReferences, NormalReferences } from './few-shot/normal-references';
export type { FewShotMap, NormalReferenceInfo, NormalReferenceOptions } from './few-shot/normal-references';

// Model references (hf:owner/name[@revision][/file], aliases, URLs), Hub URLs, file choice
export { AACLIP_BUNDLE_FILES, chooseAdapterFiles, chooseTokenizerFiles, chooseWeightFile, formatAAClipCard, parseAAClipCard, shardFilesOfIndex } from './hub/hub-files';
export type { AAClipCard, HubFileRole } from './hub/hub-files';
export { DEFAULT_HUB_ENDPOINT, hubFileUrl, hubRefFromUrl, hubRevisionApiUrl } from './hub/hub-url';
export { formatHubReference, isCommitHash, ModelRefError, parseModelRef } from './hub/model-ref';
export type { HubModelRef, ModelRef } from './hub/model-ref';
export { resolveReferenceUrl } from './hub/resolve-url';

// Images: decoding (BMP), conversion, the CLIP preprocessing
export { toRgb } from './image/convert';
export { decodeBmp, isBmp } from './image/decode-bmp';
export { ImageDecodeError } from './image/image-decode-error';
export { CLIP_STD, normalizeClip } from './image/normalize';
export { preprocessImage, preprocessMask } from './image/preprocess';
export { assertRawImage, assertRawImage8 } from './image/raw-image';
export type { RawImage, RawImage8 } from './image/raw-image';
export { resizeBicubicPil } from './image/resize-bicubic';

// Fused kernels: names and op functions (the runtimes register the kernels: @aaclip/kernels/tfjs)
export { biasActivation, fusedKernelActive, fusedKernelsEnabled, headSlice, layerNorm, setFusedKernelsEnabled } from './kernels/fused-ops';
export type { FusedActivation, HeadSliceOptions } from './kernels/fused-ops';
export { FUSED_KERNEL_NAMES, GELU, HEAD_SLICE, LAYER_NORM, QUICK_GELU } from './kernels/names';
export type { FusedKernelName, HeadSliceAttrs, LayerNormAttrs } from './kernels/names';

// CLIP
export { applyActivation, gelu } from './model/activations';
export type { Activation } from './model/activations';
export { attentionModeInUse, setAttentionMode } from './model/attention-heads-batched';
export type { AttentionMode } from './model/attention-heads-batched';
export { Attention } from './model/attention';
export type { ClipConfig, TextConfig, VisionConfig } from './model/clip-config';
export { clipFromTensors } from './model/clip-from-tensors';
export type { ClipBuildOptions } from './model/clip-from-tensors';
export { ClipModel } from './model/clip-model';
export { setInferenceWeightPacker } from './model/inference-weights';
export type { InferenceWeightPacker } from './model/inference-weights';
export { LayerNorm } from './model/layer-norm';
export { frozenLinear, matMul2d } from './model/matmul-2d';
export { matMulProvider, setMatMulProvider } from './model/matmul-provider';
export type { MatMulProvider, ProvidedAttentionOptions, ProvidedMatMulOptions } from './model/matmul-provider';
export { CLIP_PRESETS } from './model/presets';
export type { ClipPresetName } from './model/presets';
export { ResidualAttentionBlock } from './model/residual-block';
export type { TextForwardOptions, TokenInput } from './model/text-transformer';
export type { BlockHook, VisionForwardOptions, VisionForwardResult } from './model/vision-transformer';
export { transpose2d } from './model/weight-source';
export type { WeightEntry, WeightMap } from './model/weight-source';

// MuSc zero-shot batch scoring
export { lnamd } from './musc/lnamd';
export { minImagesForMsm } from './musc/msm';
export type { MsmOptions } from './musc/msm';
export { DEFAULT_MUSC_CONFIG } from './musc/musc-config';
export type { MuscConfig } from './musc/musc-config';
export { createMuscScorer, scoreMuscTokens } from './musc/musc-scorer';
export type { MuscDetection, MuscScoreOptions, MuscScorerOptions, MuscScores } from './musc/musc-scorer';
export { emptyMuscTokens } from './musc/musc-tokens';
export type { MuscTokens } from './musc/musc-tokens';
export { rscin } from './musc/rscin';

// Tokenizers
export { ByteTokenizer } from './tokenizer/byte-tokenizer';
export type { ByteTokenizerConfig } from './tokenizer/byte-tokenizer';
export { createClipTokenizerFromBpeGz, createClipTokenizerFromHf } from './tokenizer/clip-bpe-loaders';
export type { ClipBpeGzOptions, ClipTokenizerBuildOptions, HfTokenizerFiles } from './tokenizer/clip-bpe-loaders';
export type { ClipBpeTokenizerInit } from './tokenizer/clip-bpe-tokenizer';
export { createTokenizerFromConfig, parseTokenizerConfig } from './tokenizer/tokenizer-config';
export type { ClipBpeTokenizerConfig, TokenizerConfig, TokenizerFiles } from './tokenizer/tokenizer-config';
export type { DecodeOptions, TokenizedTexts, TokenizeOptions, Tokenizer } from './tokenizer/tokenizer';

// Deprecated aliases, kept for one release (CHANGELOG.md): renamed names, and names that moved
// to a subpath where 0.1.0's README, docs or examples showed them
export * from './deprecated';
