/**
 * One entry point for any supported weight file: safetensors, `torch.save` zip
 * checkpoints and TorchScript archives, detected from the bytes.
 */
import { asBytes, type TensorMap } from './named-tensor';
import { readSafetensors, type SafetensorsReadOptions } from './safetensors-reader';
import { openTorchArchive, type TorchReadOptions } from './torch-zip';
import { isTorchScriptArchive, readTorchFile } from './torchscript';
import { WeightFormatError } from './weight-format-error';

export type WeightFileFormat = 'safetensors' | 'torch' | 'torchscript';

/** Options of {@link readWeightFile}: the safetensors and torch reader options together. */
export type WeightReadOptions = SafetensorsReadOptions & TorchReadOptions;

/**
 * Detects a weight file's format from its first bytes (zip archives are opened to tell
 * TorchScript from plain checkpoints). Unknown bytes are a `NOT_RECOGNIZED`
 * {@link WeightFormatError}.
 *
 * @example detectWeightFormat(bytes) // 'safetensors'
 */
export function detectWeightFormat(input: Uint8Array | ArrayBuffer, opts: { fileName?: string } = {}): WeightFileFormat {
  const bytes = asBytes(input, 'detectWeightFormat');
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    return isTorchScriptArchive(openTorchArchive(bytes, opts)) ? 'torchscript' : 'torch';
  }
  if (bytes.length >= 10 && bytes[8] === 0x7b && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new WeightFormatError('NOT_RECOGNIZED', `detectWeightFormat: not a safetensors file or torch zip archive (first bytes ${head})`, { file: opts.fileName });
}

/**
 * Reads any supported weight file into a flat TensorMap (see {@link readTorchFile} for how
 * torch files are flattened). `metadata` is the safetensors `__metadata__` (empty for torch).
 * Every failure caused by the bytes is a {@link WeightFormatError} naming `opts.fileName`.
 *
 * @example
 * const { tensors, format } = readWeightFile(bytes, { fileName: 'clip.safetensors' });
 * const { config } = normalizeClipStateDict(tensors, { visionHeads: 16, textHeads: 12 });
 */
export function readWeightFile(
  input: Uint8Array | ArrayBuffer,
  opts: WeightReadOptions = {},
): { tensors: TensorMap; format: WeightFileFormat; metadata: Record<string, string> } {
  const bytes = asBytes(input, 'readWeightFile');
  const format = detectWeightFormat(bytes, opts);
  if (format === 'safetensors') return { ...readSafetensors(bytes, opts), format };
  return { tensors: readTorchFile(bytes, opts), format, metadata: {} };
}
