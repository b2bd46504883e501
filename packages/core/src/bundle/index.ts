// The model bundle as pure functions over read bytes: format sniffing, checkpoint merging, defaults, assembly.
export { sniffWeightFormat, isSafetensorsHead, WEIGHT_SNIFF_BYTES } from '../weights/sniff-weight-format';
export type { WeightContainer } from '../weights/sniff-weight-format';
export { lazySafetensorsTensors } from '../weights/lazy-safetensors';
export type { LazySafetensorsOptions } from '../weights/lazy-safetensors';
export { mergeCheckpoints } from './checkpoint-merge';
export { TOKENIZER_METADATA_KEY, IMAGE_SIZE_METADATA_KEY, hasImageAdapters, bundleImageSize, bundleClipOptions, bundleTokenizerConfig } from './bundle-defaults';
export { tokenizerFilesOf } from './tokenizer-files';
export type { NamedBytes } from './tokenizer-files';
export { assembleBundle, detectorFromBundle } from './model-bundle';
export type { WeightSource, AssembleBundleOptions, ModelBundle, BundleDetectorOptions } from './model-bundle';
