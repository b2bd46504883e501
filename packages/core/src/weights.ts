/**
 * @aaclip/core/weights: weight and checkpoint file formats, pure over bytes: safetensors (read,
 * lazy, write), PyTorch zip and TorchScript archives, format sniffing, OpenAI / Hugging Face /
 * open_clip state-dict normalisation, AA-CLIP checkpoints.
 *
 * @example
 * import { decodeWeightFile, normalizeClipStateDict } from '@aaclip/core/weights';
 * const { tensors } = decodeWeightFile(bytes, { fileName: 'clip.safetensors' });
 */
export { CHECKPOINT_FORMAT, checkpointFromTensors, decodeCheckpoint, encodeCheckpoint } from './aaclip/checkpoint';
export type { AAClipCheckpoint, TrainingCheckpoint } from './aaclip/checkpoint';
export { normalizeClipStateDict } from './model/clip-state-dict';
export type { NormalizeClipOptions, NormalizedClip } from './model/clip-state-dict';
export { checkFinite } from './weights/check-finite';
export { float32ToHalfBytes, halfToFloat32 } from './weights/dtype-convert';
export { lazySafetensorsTensors } from './weights/lazy-safetensors';
export type { LazySafetensorsOptions } from './weights/lazy-safetensors';
export { shapeSize } from './weights/named-tensor';
export type { NamedTensor, TensorDType, TensorMap } from './weights/named-tensor';
export type { PickleOptions } from './weights/pickle';
export { decodeWeightFile, detectWeightFormat } from './weights/read-weights';
export type { WeightFormat, WeightReadOptions } from './weights/read-weights';
export { parseSafetensorsHeader, readSafetensors, safetensorsHeaderSize } from './weights/safetensors-reader';
export type { SafetensorsEntry, SafetensorsHeader, SafetensorsReadOptions } from './weights/safetensors-reader';
export { writeSafetensors } from './weights/safetensors-writer';
export type { WritableDType, WritableTensor, WriteSafetensorsOptions } from './weights/safetensors-writer';
export { isSafetensorsHead, sniffWeightFormat, WEIGHT_SNIFF_BYTES } from './weights/sniff-weight-format';
export type { WeightContainer } from './weights/sniff-weight-format';
export type { TorchReadOptions } from './weights/torch-zip';
export { readTorchFile } from './weights/torchscript';
export { WeightFormatError } from './weights/weight-format-error';
export type { WeightErrorContext, WeightFormatErrorCode } from './weights/weight-format-error';
