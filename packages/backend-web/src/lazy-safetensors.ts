// A safetensors TensorMap whose tensor values are decoded only when read (one tensor at a time).
import { lazySafetensorsTensors, parseSafetensorsHeader, type TensorMap } from '@aaclip/core/weights';

/**
 * Reads a safetensors file like `readSafetensors`, but each tensor's `data` is decoded when it is
 * read, and not kept: while a model is built from an fp16 file, the widened float32 arrays live
 * only in the tensors handed to tfjs, not also in a map of every decoded tensor. F32 data stays
 * a zero-copy view. Read `data` once per use (each read decodes again).
 *
 * @example
 * const { tensors } = readSafetensorsLazy(bytes);
 * const clip = ClipModel.fromWeights(normalizeClipStateDict(tensors).tensors, config);
 */
export function readSafetensorsLazy(bytes: Uint8Array): { tensors: TensorMap; metadata: Record<string, string> } {
  const header = parseSafetensorsHeader(bytes);
  const tensors = lazySafetensorsTensors(header.entries, (e) => bytes.subarray(e.byteOffset, e.byteOffset + e.byteLength)); // core's lazy map, as Node's files use it
  return { tensors, metadata: header.metadata };
}
