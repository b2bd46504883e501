// File-system helpers shared by the dataset readers.
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { DatasetLayoutError } from './types';

/** File extensions (lower case, with the dot) taken as images. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp',
]);

/** Whether a file name has an image extension (case-insensitive). */
export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** The file name without its last extension. */
export function stemOf(name: string): string {
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** 'dir', 'file' or null (missing / unreadable), following symbolic links. */
export async function pathKind(path: string): Promise<'dir' | 'file' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/** Sub-folders and files of `dir` (names, sorted; hidden entries skipped; links followed). */
export async function listDir(dir: string): Promise<{ dirs: string[]; files: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const kind = await pathKind(join(dir, e.name));
      isDir = kind === 'dir';
      isFile = kind === 'file';
    }
    if (isDir) dirs.push(e.name);
    else if (isFile) files.push(e.name);
  }
  return { dirs: dirs.sort(byCodePoint), files: files.sort(byCodePoint) };
}

/** Absolute paths of the image files directly in `dir`, sorted. */
export async function listImages(dir: string): Promise<string[]> {
  const { files } = await listDir(dir);
  return files.filter(isImageName).map((f) => join(dir, f));
}

/** Throws a {@link DatasetLayoutError} naming `path` unless it is an existing folder. */
export async function requireDir(path: string, what: string, expected: string): Promise<void> {
  const kind = await pathKind(path);
  if (kind === 'dir') return;
  const state = kind === 'file' ? 'is a file, not a folder' : 'does not exist';
  throw new DatasetLayoutError(path, `${what} ${path} ${state} (expected ${expected})`);
}

/**
 * Finds image files by stem in folders, listing each folder once. Among files with the same
 * stem a `.png` wins, then the first name in code-point order.
 */
export class StemLookup {
  private readonly cache = new Map<string, Promise<Map<string, string>>>();

  /** The absolute path of `<dir>/<stem>.<image extension>`, or null. */
  async find(dir: string, stem: string): Promise<string | null> {
    let pending = this.cache.get(dir);
    if (!pending) {
      pending = this.scan(dir);
      this.cache.set(dir, pending);
    }
    return (await pending).get(stem) ?? null;
  }

  private async scan(dir: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if ((await pathKind(dir)) !== 'dir') return out;
    const { files } = await listDir(dir);
    for (const f of files) {
      if (!isImageName(f)) continue;
      const s = stemOf(f);
      const prev = out.get(s);
      if (prev === undefined || (extname(prev).toLowerCase() !== '.png' && extname(f).toLowerCase() === '.png')) {
        out.set(s, f);
      }
    }
    for (const [s, f] of out) out.set(s, join(dir, f));
    return out;
  }
}

/**
 * Applies a `classes` filter: every wanted class must be among `found`.
 * @param reader reader name for messages, e.g. 'readMvtec'.
 */
export function pickClasses(found: string[], wanted: readonly string[] | undefined, root: string, reader: string): string[] {
  if (wanted === undefined) return found;
  if (!Array.isArray(wanted) || wanted.some((c) => typeof c !== 'string')) {
    throw new TypeError(`${reader}: classes must be an array of strings, got ${JSON.stringify(wanted)}`);
  }
  // Sets: O(found + wanted), where a 1M-class manifest made array lookups O(found x wanted)
  const have = new Set(found);
  const want = new Set(wanted);
  const missing = [...want].filter((c) => !have.has(c));
  if (missing.length > 0) {
    const list = (xs: string[]): string => (xs.length > 20 ? `${xs.slice(0, 20).join(', ')}, ... (${xs.length} in all)` : xs.join(', '));
    throw new DatasetLayoutError(root, `${reader}: class(es) ${list(missing)} not found under ${root}; found: ${list(found) || '(none)'}`);
  }
  return found.filter((c) => want.has(c));
}

/** Checks that a reader's `root` argument is a non-empty string. */
export function assertRoot(root: unknown, reader: string): asserts root is string {
  if (typeof root !== 'string' || root.length === 0) {
    throw new TypeError(`${reader}: root must be a non-empty path string, got ${JSON.stringify(root)}`);
  }
}

/** Runs `fn` over `inputs` with at most `limit` calls in flight; results keep input order. */
export async function mapLimit<T, R>(inputs: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      out[i] = await fn(inputs[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return out;
}

/**
 * Resolves a dataset root and the folders under it that hold `train/` or `test/` (the classes
 * of the MVTec, MPDD and BTAD layouts), filtered by `wanted`. Errors name the root and list
 * what was found; `noun` says what a folder is ('class', 'product').
 */
export async function splitFolders(
  rootArg: unknown,
  reader: string,
  layout: string,
  noun: string,
  wanted: readonly string[] | undefined,
): Promise<{ root: string; classes: string[] }> {
  assertRoot(rootArg, reader);
  const root = resolve(rootArg);
  await requireDir(root, `${reader}: dataset root`, layout);
  const { dirs } = await listDir(root);
  const found: string[] = [];
  for (const d of dirs) {
    if ((await pathKind(join(root, d, 'train'))) === 'dir' || (await pathKind(join(root, d, 'test'))) === 'dir') found.push(d);
  }
  if (found.length === 0) {
    throw new DatasetLayoutError(root, `${reader}: no ${noun} folder with train/ or test/ under ${root} (folders: ${dirs.join(', ') || 'none'}); expected ${layout}`);
  }
  return { root, classes: pickClasses(found, wanted, root, reader) };
}
