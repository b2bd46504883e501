import { decodeCheckpoint, encodeCheckpoint, type AAClipCheckpoint } from '@aaclip/core/weights';
import { writeFileAtomic } from './fs-utils';
import { InputFileError, readInputFile } from './input-file';

/**
 * Writes a checkpoint atomically (temporary file in the same folder, fsync, rename): a crash
 * or `kill -9` at any moment leaves the previous checkpoint readable.
 *
 * @example
 * await saveCheckpoint('runs/bottle/stage2.safetensors', ckpt);
 */
export async function saveCheckpoint(path: string, ckpt: AAClipCheckpoint, opts: { overwrite?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(ckpt), { overwrite: opts.overwrite ?? true });
}

/** Reads a checkpoint written by {@link saveCheckpoint}; errors name the file. */
export async function loadCheckpoint(path: string): Promise<AAClipCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(path, { what: 'checkpoint' });
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new Error(`cannot read checkpoint ${path}: ${(e as Error).message}`, { cause: e });
  }
  return decodeCheckpoint(bytes, path);
}
