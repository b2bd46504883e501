// The vision tower's patch and native size, read from a .safetensors header without loading a
// tensor, so that --size is checked before the backend starts. Other formats (.pt) are only
// known once loaded: their check runs right after the model loads, before any image is read.
import { statSync } from 'node:fs';
import { CALIBRATION_METADATA_KEY, parseCalibration, type Calibration } from '@aaclip/core';
import { openSafetensorsFile } from '@aaclip/backend-node';

export interface VisionPeek {
  patchSize: number;
  imageSize: number;
}

function strip(key: string): string {
  let k = key;
  for (;;) {
    if (k.startsWith('module.')) k = k.slice(7);
    else if (k.startsWith('state_dict.')) k = k.slice(11);
    else return k;
  }
}

/** The patch and native image size of a model file, or null when its header cannot tell. */
export function peekVision(path: string): VisionPeek | null {
  try {
    // regular files only: opening a FIFO would block (the loader reports other kinds itself)
    if (!statSync(path).isFile()) return null;
  } catch {
    return null;
  }
  let file;
  try {
    file = openSafetensorsFile(path);
  } catch {
    return null;
  }
  try {
    let patch = 0;
    let tokens = 0;
    for (const [key, t] of file.tensors) {
      const k = strip(key);
      // [width, 3, patch, patch]
      if ((k === 'visual.conv1.weight' || k === 'vision_model.embeddings.patch_embedding.weight') && t.shape.length === 4) patch = t.shape[2]!;
      // [1 + grid^2, width]
      if (k === 'visual.positional_embedding' && t.shape.length === 2) tokens = t.shape[0]!;
      if (k === 'vision_model.embeddings.position_embedding.weight' && t.shape.length === 2) tokens = t.shape[0]!;
    }
    const grid = Math.round(Math.sqrt(Math.max(0, tokens - 1)));
    return patch > 0 ? { patchSize: patch, imageSize: grid * patch } : null;
  } finally {
    file.close();
  }
}

/**
 * The warning for --vocab given with a model whose metadata holds a byte-level tokenizer (the
 * demo model's): the files are not used. Null when they are (or the header cannot tell).
 */
export function vocabIgnoredWarning(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return null;
    const file = openSafetensorsFile(path);
    try {
      const tok = file.metadata.tokenizer;
      if (!tok) return null;
      const type = (JSON.parse(tok) as { type?: unknown }).type;
      return type === 'byte' ? `--vocab is ignored: ${path} has its own byte-level tokenizer` : null;
    } finally {
      file.close();
    }
  } catch {
    return null;
  }
}

/**
 * The calibration stored in the first of `files` (safetensors) that has one, read from the
 * header only; a malformed one is an error naming the file and the metadata key.
 */
export function peekCalibration(files: readonly string[]): Calibration | null {
  for (const path of files) {
    let text: string | undefined;
    try {
      if (!statSync(path).isFile()) continue;
      const file = openSafetensorsFile(path);
      try {
        text = file.metadata[CALIBRATION_METADATA_KEY];
      } finally {
        file.close();
      }
    } catch {
      continue; // not a safetensors file (an official .pth): no stored thresholds
    }
    if (text !== undefined) return parseCalibration(text, path);
  }
  return null;
}
