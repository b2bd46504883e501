/**
 * One entry point for any supported weight file: safetensors, `torch.save` zip
 * checkpoints and TorchScript archives, detected from the bytes.
 */
import { asBytes, type TensorMap } from './named-tensor';
import { readSafetensors, type SafetensorsReadOptions } from './safetensors-reader';
import { openTorchArchive } from './torch-zip';
import { isTorchScriptArchive, readTorchFile } from './torchscript';

export type WeightFileFormat = 'safetensors' | 'torch' | 'torchscript';

/**
 * Detects a weight file's format from its first bytes (zip archives are opened to tell
 * TorchScript from plain checkpoints).
 *
 * @example detectWeightFormat(bytes) // 'safetensors'
 */
export function detectWeightFormat(input: Uint8Array | ArrayBuffer): WeightFileFormat {
  const bytes = asBytes(input, 'detectWeightFormat');
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    return isTorchScriptArchive(openTorchArchive(bytes)) ? 'torchscript' : 'torch';
  }
  if (bytes.length >= 10 && bytes[8] === 0x7b && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`detectWeightFormat: not a safetensors file or torch zip archive (first bytes ${head})`);
}

/**
 * Reads any supported weight file into a flat TensorMap (see {@link readTorchFile} for how
 * torch files are flattened). `metadata` is the safetensors `__metadata__` (empty for torch).
 *
 * @example
 * const { tensors, format } = readWeightFile(bytes);
 * const { config } = normalizeClipStateDict(tensors, { visionHeads: 16, textHeads: 12 });
 */
export function readWeightFile(
  input: Uint8Array | ArrayBuffer,
  opts: SafetensorsReadOptions = {},
): { tensors: TensorMap; format: WeightFileFormat; metadata: Record<string, string> } {
  const bytes = asBytes(input, 'readWeightFile');
  const format = detectWeightFormat(bytes);
  if (format === 'safetensors') return { ...readSafetensors(bytes, opts), format };
  return { tensors: readTorchFile(bytes), format, metadata: {} };
}
