// A safetensors TensorMap whose tensor values are decoded only when read (one tensor at a time).
import { decodeSafetensorsEntry, parseSafetensorsHeader, type NamedTensor, type SafetensorsEntry, type TensorMap } from '@aaclip/core';

function lazyTensor(entry: SafetensorsEntry, bytes: Uint8Array): NamedTensor {
  // The decoded dtype, from an empty decode (no data is touched).
  const { dtype } = decodeSafetensorsEntry({ ...entry, shape: [0], byteLength: 0 }, new Uint8Array(0));
  const tensor = { dtype, shape: entry.shape.slice(), sourceDtype: entry.dtype } as NamedTensor;
  Object.defineProperty(tensor, 'data', {
    enumerable: true,
    get: () => decodeSafetensorsEntry(entry, bytes.subarray(entry.byteOffset, entry.byteOffset + entry.byteLength)).data,
  });
  return tensor;
}

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
  const tensors: TensorMap = new Map();
  for (const entry of header.entries) tensors.set(entry.name, lazyTensor(entry, bytes));
  return { tensors, metadata: header.metadata };
}
