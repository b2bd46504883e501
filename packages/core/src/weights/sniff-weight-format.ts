/**
 * The one weight-format sniffer (re-exported by bundle/): which container a weight file is, from its first bytes.
 * Every reader (core's `decodeWeightFile`, Node's streamed files and worker start-up, the web's
 * downloads) asks this function, so a file is recognised the same way everywhere.
 *
 * - `torch-zip`: a zip archive (`PK\x03\x04`): `torch.save` checkpoints and TorchScript releases.
 * - `safetensors`: a little-endian u64 header length `n` (2 <= n < 2^48, and below the file size
 *   when the caller knows it) followed by `{`.
 */
import { WeightFormatError } from './weight-format-error';

/** The container of a weight file (what {@link sniffWeightFormat} tells apart). */
export type WeightContainer = 'safetensors' | 'torch-zip';

/** Bytes {@link sniffWeightFormat} needs to decide: read at least this many from the start of a file. */
export const WEIGHT_SNIFF_BYTES = 16;

function hexHead(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * The container of a weight file from its first bytes ({@link WEIGHT_SNIFF_BYTES} suffice).
 * `fileName` (a path or URL) prefixes the error; `fileSize`, the whole file's size when known,
 * rules out a header length at or past it (left out, a short header is the safetensors
 * reader's to report as `TRUNCATED`). Bytes of no supported format are a `NOT_RECOGNIZED`
 * {@link WeightFormatError}.
 *
 * @example sniffWeightFormat(head, 'clip.safetensors', 1_710_000_000) // 'safetensors'
 */
export function sniffWeightFormat(head: Uint8Array, fileName?: string, fileSize?: number): WeightContainer {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'torch-zip';
  if (head.length >= 10 && head[8] === 0x7b /* '{' */ && head[6] === 0 && head[7] === 0) {
    const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true)); // < 2^48: exact
    if (n >= 2 && (fileSize === undefined || n < fileSize)) return 'safetensors';
  }
  throw new WeightFormatError('NOT_RECOGNIZED', `not a safetensors file or torch zip archive (first bytes ${hexHead(head)})`, { file: fileName });
}

/** True when {@link sniffWeightFormat} says `safetensors` (false for any other bytes, never throws). */
export function isSafetensorsHead(head: Uint8Array, fileSize?: number): boolean {
  try {
    return sniffWeightFormat(head, undefined, fileSize) === 'safetensors';
  } catch {
    return false;
  }
}
