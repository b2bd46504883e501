import { closeSync, readSync } from 'node:fs';
import {
  ClipModel,
  clipFromTensors,
  mergeCheckpoints,
  type ClipBuildOptions,
  type ClipConfig,
} from '@aaclip/core';
import {
  WeightFormatError,
  checkFinite,
  checkpointFromTensors,
  decodeCheckpoint,
  lazySafetensorsTensors,
  parseSafetensorsHeader,
  sniffWeightFormat,
  WEIGHT_SNIFF_BYTES,
  readSafetensors,
  safetensorsHeaderSize,
  readTorchFile,
  type AAClipCheckpoint,
  type NamedTensor,
  type TensorMap,
  type WeightContainer,
} from '@aaclip/core/weights';
import { isShardIndex, openShardedSafetensors } from './hub/sharded-safetensors';
import { InputFileError, openInputFileSync, readInputFile } from './input-file';

/**
 * The container formats a weight file can be in, by its first bytes.
 * @deprecated Use core's `WeightContainer` (the same union); this name goes in the next release.
 */
export type WeightFileFormat = WeightContainer;

/** Core's one weight-format sniffer, re-exported where Node callers found it. */
export { sniffWeightFormat };

/** Reads every tensor of a weight file (.safetensors, torch.save .pt/.pth/.bin, or a TorchScript release .pt). */
export async function readWeightFile(path: string, what = 'weights'): Promise<{ tensors: TensorMap; metadata: Record<string, string>; format: WeightFileFormat }> {
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(path, { what });
  } catch (e) {
    throw readError(e, path, what);
  }
  const format = sniffWeightFormat(bytes, path, bytes.length);
  // typed reader errors (WeightFormatError with code, file and key) pass through unchanged
  if (format === 'safetensors') {
    const r = readSafetensors(bytes, { fileName: path });
    return { tensors: r.tensors, metadata: r.metadata, format };
  }
  return { tensors: readTorchFile(bytes, { fileName: path }), metadata: {}, format };
}

function readAt(fd: number, offset: number, length: number, path: string): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) throw new WeightFormatError('TRUNCATED', `unexpected end of file at byte ${offset + done}`, { file: path });
    done += n;
  }
  return buf;
}

/**
 * Opens a .safetensors file without reading its tensors: only the header is read, and each
 * tensor's `data` is read from disk (positional read) when it is accessed, then dropped. A
 * model builder that turns one tensor at a time into a backend tensor never holds a second
 * copy of the file in memory (a 1.7 GB ViT-L file costs its backend tensors, not 2 x 1.7 GB).
 * Call `close()` when done.
 */
export function openSafetensorsFile(path: string, what = 'weights'): { tensors: TensorMap; metadata: Record<string, string>; close(): void } {
  let opened: { fd: number; size: number };
  try {
    opened = openInputFileSync(path, { what });
  } catch (e) {
    throw readError(e, path, what);
  }
  const { fd, size } = opened;
  try {
    const first = readAt(fd, 0, Math.min(8, size), path);
    const headerEnd = safetensorsHeaderSize(first, { fileName: path });
    const header = parseSafetensorsHeader(readAt(fd, 0, headerEnd, path), { fileSize: size, fileName: path });
    // each tensor read from disk (positional read) and checked for NaN/Inf when it is taken
    const tensors = lazySafetensorsTensors(header.entries, (e) => readAt(fd, e.byteOffset, e.byteLength, path), { fileName: path, checkFinite: true });
    return { tensors, metadata: header.metadata, close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export interface LoadClipOptions extends ClipBuildOptions {
  /**
   * Build the vision tower only: text-tower tensors are never read (a worker that only runs
   * images needs no text weights). `config.text` is then undefined.
   */
  visionOnly?: boolean;
}

/** Keys of the vision tower in OpenAI/open_clip (`visual.*`) and Hugging Face (`vision_model.*`, `visual_projection.*`) names. */
export function isVisionKey(key: string): boolean {
  let k = key;
  for (;;) {
    if (k.startsWith('module.')) k = k.slice(7);
    else if (k.startsWith('state_dict.')) k = k.slice(11);
    else break;
  }
  return k.startsWith('visual.') || k.startsWith('vision_model.') || k.startsWith('visual_projection.');
}

/**
 * Loads a CLIP from any supported file and layout (OpenAI / open_clip / Hugging Face names,
 * `module.` prefixes, `state_dict` wrappers); the config is inferred from the shapes.
 *
 * @example
 * const { clip, config } = await loadClip('ViT-L-14-336px.pt');
 */
export async function loadClip(path: string, opts: LoadClipOptions = {}): Promise<{ clip: ClipModel; config: ClipConfig; unusedKeys: string[]; metadata: Record<string, string> }> {
  const file = await openWeightFile(path, opts.visionOnly ? isVisionKey : undefined);
  try {
    return { ...clipFromTensors(file.tensors, file.metadata, opts, path), metadata: file.metadata };
  } finally {
    file.close();
  }
}

/**
 * Loads adapters: our checkpoint (.safetensors with metadata), a plain adapters .safetensors,
 * or the official `text_adapter.pth` / `image_adapter_N.pth` files (several files merge).
 */
export async function loadAdapters(paths: string | readonly string[]): Promise<AAClipCheckpoint> {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (list.length === 0) throw new Error('loadAdapters: no adapter file given');
  const read: AAClipCheckpoint[] = [];
  for (const p of list) read.push(await readCheckpointFile(p));
  return mergeCheckpoints(read); // core's one merge rule
}

/**
 * One adapter file as a checkpoint. A .safetensors file (often a whole model file with CLIP
 * weights) is opened streamed, so only its adapter, anchor and optimiser tensors are read; a
 * torch file (the official .pth) is read whole.
 */
async function readCheckpointFile(p: string): Promise<AAClipCheckpoint> {
  const f = await openWeightFile(p, undefined, 'adapters');
  try {
    return checkpointFromTensors(f.tensors, f.metadata, p); // its errors name the file
  } finally {
    f.close();
  }
}

/** A read failure of a weight file, naming it: typed reader and input-file errors pass through. */
function readError(e: unknown, path: string, what: string): Error {
  if (e instanceof WeightFormatError || e instanceof InputFileError) return e;
  return new Error(`cannot read ${what} ${path}: ${(e as Error).message}`, { cause: e });
}

/** The format of a weight file from its first bytes; errors name the file. */
function sniffWeightFile(path: string, what: string): WeightFileFormat {
  let head: Uint8Array;
  let size = 0;
  try {
    const opened = openInputFileSync(path, { what });
    try {
      size = opened.size;
      head = readAt(opened.fd, 0, Math.min(WEIGHT_SNIFF_BYTES, size), path);
    } finally {
      closeSync(opened.fd);
    }
  } catch (e) {
    throw readError(e, path, what);
  }
  return sniffWeightFormat(head, path, size);
}

/**
 * The tensors of a weight file: a .safetensors file is opened streamed (each tensor read from
 * disk, and checked for NaN/Inf, when it is taken; no second copy of the file), any other
 * format is read whole and checked. `keep` limits the tensors to the keys it accepts (the
 * others are neither read nor checked). Call `close()` when done.
 */
export async function openWeightFile(path: string, keep?: (key: string) => boolean, what = 'weights'): Promise<{ tensors: TensorMap; metadata: Record<string, string>; close(): void }> {
  const only = (m: TensorMap): TensorMap => (keep ? new Map([...m].filter(([k]) => keep(k))) : m);
  if (isShardIndex(path)) {
    const f = openShardedSafetensors(path, (shard) => openSafetensorsFile(shard, what)); // model.safetensors.index.json + its shards
    return { ...f, tensors: only(f.tensors) };
  }
  if (sniffWeightFile(path, what) === 'safetensors') {
    const f = openSafetensorsFile(path, what);
    return { ...f, tensors: only(f.tensors) };
  }
  const { tensors, metadata } = await readWeightFile(path, what);
  const kept = only(tensors);
  checkFinite(kept, path);
  return { tensors: kept, metadata, close: () => undefined };
}

/** Kept for callers holding bytes already. */
export { decodeCheckpoint };
