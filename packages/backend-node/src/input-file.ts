// The one place every input file (weights, adapters, checkpoints, images, masks, tokenizer
// files, manifests, split files) is opened: regular files only, read with a size bound.
import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/**
 * `O_NONBLOCK` where the platform has it: if the path is swapped for a FIFO between the
 * `stat` and the `open`, open() returns at once instead of waiting for a writer (the fstat
 * that follows then refuses it). It changes nothing for reads of a regular file.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Why an input file was refused: `NOT_REGULAR` (a directory, FIFO, socket or device),
 * `TOO_LARGE` (over the reader's byte bound).
 */
export type InputFileErrorCode = 'NOT_REGULAR' | 'TOO_LARGE';

/**
 * An input path that is not a regular file, or a file over the size bound. The message names
 * what the file was for and its path; `path` and `code` say the same for code.
 *
 * @example
 * try { await readInputFile('/dev/zero', { what: 'image' }); } catch (e) { if (e instanceof InputFileError) console.log(e.code); }
 */
export class InputFileError extends Error {
  readonly code: InputFileErrorCode;
  readonly path: string;
  constructor(path: string, code: InputFileErrorCode, message: string) {
    super(message);
    this.name = 'InputFileError';
    this.code = code;
    this.path = path;
  }
}

/** What kind of file system object `st` is, in words. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkRegular(st: Stats, path: string, what: string, maxBytes: number | undefined): void {
  if (!st.isFile()) throw new InputFileError(path, 'NOT_REGULAR', `${what} ${path} is ${kindOf(st)}, not a regular file`);
  if (maxBytes !== undefined && st.size > maxBytes) {
    throw new InputFileError(path, 'TOO_LARGE', `${what} ${path} is ${st.size} bytes, more than the ${maxBytes}-byte limit for a ${what} file`);
  }
}

/** Options of {@link readInputFile} and {@link openInputFileSync}. */
export interface InputFileOptions {
  /** What the file is for, in messages ("image", "weights", "tokenizer file", ...). */
  what: string;
  /** Largest size accepted, in bytes (default: no bound beyond the file's own size). */
  maxBytes?: number;
}

/**
 * Checks that `path` is a regular file (following symlinks) without opening it: a FIFO would
 * block open() until a writer comes, a device (/dev/zero) would feed a reader forever.
 * File-system errors (ENOENT, EACCES, ...) pass through with their `code` and the path.
 *
 * @example
 * await assertInputFile('bottle.png', { what: 'image' });
 */
export async function assertInputFile(path: string, opts: InputFileOptions): Promise<Stats> {
  const st = await stat(path);
  checkRegular(st, path, opts.what, opts.maxBytes);
  return st;
}

/**
 * Reads a whole input file: a regular file (checked with stat before open, and again on the
 * open handle), of at most `maxBytes`, read to the size it had when opened (a file that grows
 * while it is read cannot make the read unbounded).
 *
 * @throws InputFileError for a directory, FIFO, socket, device or a file over `maxBytes`;
 *   file-system errors pass through (they carry `code` and the path).
 * @example
 * const bytes = await readInputFile('model.safetensors', { what: 'weights' });
 */
export async function readInputFile(path: string, opts: InputFileOptions): Promise<Uint8Array> {
  await assertInputFile(path, opts);
  const fh = await open(path, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    checkRegular(st, path, opts.what, opts.maxBytes);
    const out = new Uint8Array(st.size);
    let done = 0;
    while (done < out.length) {
      const { bytesRead } = await fh.read(out, done, out.length - done, done);
      if (bytesRead === 0) break; // shrank while open: return what is there
      done += bytesRead;
    }
    return done === out.length ? out : out.subarray(0, done);
  } finally {
    await fh.close();
  }
}

/**
 * Opens an input file for positional reads (`readSync(fd, ..., position)`): the same checks
 * as {@link readInputFile}; the caller closes `fd`.
 *
 * @example
 * const { fd, size } = openInputFileSync('model.safetensors', { what: 'weights' });
 */
export function openInputFileSync(path: string, opts: InputFileOptions): { fd: number; size: number } {
  checkRegular(statSync(path), path, opts.what, opts.maxBytes);
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const st = fstatSync(fd);
    checkRegular(st, path, opts.what, opts.maxBytes);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
