/**
 * One entry point for any supported weight file: safetensors, `torch.save` zip
 * checkpoints and TorchScript archives, detected from the bytes.
 */
import { asBytes, type TensorMap } from './named-tensor';
import { readSafetensors, type SafetensorsReadOptions } from './safetensors-reader';
import { openTorchArchive, type TorchReadOptions } from './torch-zip';
import { isTorchScriptArchive, readTorchFile } from './torchscript';
import { sniffWeightFormat } from './sniff-weight-format';
import { rewrapWeightError } from './weight-format-error';

export type WeightFormat = 'safetensors' | 'torch' | 'torchscript';
/** @deprecated renamed {@link WeightFormat} (0.2.0): @aaclip/backend-node's `WeightFileFormat` was another thing. */
export type WeightFileFormat = WeightFormat;

/** Options of {@link decodeWeightFile}: the safetensors and torch reader options together. */
export type WeightReadOptions = SafetensorsReadOptions & TorchReadOptions;

/**
 * Detects a weight file's format from its first bytes (zip archives are opened to tell
 * TorchScript from plain checkpoints). Unknown bytes are a `NOT_RECOGNIZED`
 * {@link WeightFormatError}.
 *
 * @example detectWeightFormat(bytes) // 'safetensors'
 */
export function detectWeightFormat(input: Uint8Array | ArrayBuffer, opts: { fileName?: string } = {}): WeightFormat {
  const bytes = asBytes(input, 'detectWeightFormat');
  let container;
  try {
    container = sniffWeightFormat(bytes); // the one sniffer (sniff-weight-format.ts)
  } catch (e) {
    throw rewrapWeightError(e, 'NOT_RECOGNIZED', 'detectWeightFormat', { file: opts.fileName });
  }
  if (container === 'safetensors') return 'safetensors';
  return isTorchScriptArchive(openTorchArchive(bytes, opts)) ? 'torchscript' : 'torch';
}

/**
 * Reads any supported weight file into a flat TensorMap (see {@link readTorchFile} for how
 * torch files are flattened). `metadata` is the safetensors `__metadata__` (empty for torch).
 * Every failure caused by the bytes is a {@link WeightFormatError} naming `opts.fileName`.
 *
 * @example
 * const { tensors, format } = decodeWeightFile(bytes, { fileName: 'clip.safetensors' });
 * const { config } = normalizeClipStateDict(tensors, { visionHeads: 16, textHeads: 12 });
 */
export function decodeWeightFile(
  input: Uint8Array | ArrayBuffer,
  opts: WeightReadOptions = {},
): { tensors: TensorMap; format: WeightFormat; metadata: Record<string, string> } {
  const bytes = asBytes(input, 'decodeWeightFile');
  const format = detectWeightFormat(bytes, opts);
  if (format === 'safetensors') return { ...readSafetensors(bytes, opts), format };
  return { tensors: readTorchFile(bytes, opts), format, metadata: {} };
}

/**
 * @deprecated renamed {@link decodeWeightFile} (0.2.0): @aaclip/backend-node's `readWeightFile`
 * reads a path, this one decodes bytes.
 */
export const readWeightFile: typeof decodeWeightFile = decodeWeightFile;
