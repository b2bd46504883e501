// AA-CLIP jsonl manifests: one {"image_path", "label", "class_name", "mask_path"} object a line.
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '@aaclip/backend-node/tools';
import { InputFileError, readInputFile } from '@aaclip/backend-node';
import { mapLimit, pathKind, pickClasses } from './scan';
import { DatasetLayoutError, type DatasetIndex, type DatasetItem, type DatasetSplit } from './types';

/** Options of {@link readManifest}. */
export interface ReadManifestOptions {
  /**
   * Folder that relative `image_path` / `mask_path` values are joined to. Default: the
   * manifest's folder. The official AA-CLIP manifests (`dataset/metadata/<name>/*.jsonl`) are
   * relative to the dataset's root (`DATA_PATH[name]`): pass that root here.
   */
  dataRoot?: string;
  /** Check that every image and mask exists (default true). */
  verify?: boolean;
  /** Keep only these classes. */
  classes?: readonly string[];
  /**
   * Refuse image and mask paths outside the data root (`dataRoot`, else the manifest's folder),
   * for manifests from untrusted hands: a report then cannot be made to read and embed files from
   * elsewhere on the disk. Default false, because manifests written by `aaclip index` (and
   * `writeManifest`) name files outside their own folder by absolute path.
   */
  dataRootOnly?: boolean;
  /** Largest manifest file accepted, in bytes (default 256 MiB). */
  maxBytes?: number;
}

/** Longest manifest line accepted (1 MiB); real lines are a few hundred bytes. */
export const MAX_MANIFEST_LINE = 1 << 20;

/**
 * What is wrong with a manifest line: `INVALID_UTF8` (bytes that are not UTF-8),
 * `INVALID_JSON`, `NOT_AN_OBJECT`, `INVALID_FIELD` (a missing or mistyped field),
 * `DUPLICATE` (an image listed twice in one split) or `LIMIT` (a line or file over the size bounds).
 */
export type ManifestErrorCode = 'INVALID_UTF8' | 'INVALID_JSON' | 'NOT_AN_OBJECT' | 'INVALID_FIELD' | 'DUPLICATE' | 'LIMIT' | 'OUTSIDE_ROOT';

/**
 * A malformed manifest: names the file (`path`), the 1-based `line` (0 when the problem is
 * the whole file) and a `code`. A {@link DatasetLayoutError}, so existing handlers catch it.
 *
 * @example
 * try { parseManifest(text, root, 'm.jsonl'); } catch (e) { if (e instanceof ManifestError) console.log(e.line, e.code); }
 */
export class ManifestError extends DatasetLayoutError {
  readonly code: ManifestErrorCode;
  /** 1-based line number, or 0 for whole-file problems. */
  readonly line: number;
  constructor(file: string, line: number, code: ManifestErrorCode, message: string) {
    super(file, message);
    this.code = code;
    this.line = line;
  }
}

/** A bounded, never-throwing rendering of a JSON value for messages (survives deep nesting). */
function show(v: unknown, depth = 2): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object') {
    const s = typeof v === 'string' ? JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v) : String(v);
    return s;
  }
  if (depth <= 0) return Array.isArray(v) ? '[…]' : '{…}';
  if (Array.isArray(v)) return `[${v.slice(0, 4).map((x) => show(x, depth - 1)).join(',')}${v.length > 4 ? ',…' : ''}]`;
  const keys = Object.keys(v);
  return `{${keys.slice(0, 4).map((k) => `${JSON.stringify(k.slice(0, 40))}:${show((v as Record<string, unknown>)[k], depth - 1)}`).join(',')}${keys.length > 4 ? ',…' : ''}}`;
}

/** Options of {@link writeManifest}. */
export interface WriteManifestOptions {
  /** Replace an existing file (default false: an existing `outPath` is an error naming it). */
  force?: boolean;
  /**
   * Folder paths are written relative to (default: the manifest's folder). Pass the dataset
   * root to get the official AA-CLIP convention. Paths outside it are written absolute.
   */
  relativeTo?: string;
}

function labelOf(v: unknown): 0 | 1 | undefined {
  if (v === 0 || v === false) return 0;
  if (v === 1 || v === true) return 1;
  return undefined;
}

/**
 * Parses manifest text into items (file order kept). Relative paths are resolved against `root`;
 * `mask_path` may be absent, null or "" (no mask). Besides the official four fields, optional
 * `split` ('train' | 'test', default 'test') and `defect_type` are read.
 *
 * @param name file name used in error messages.
 * @throws ManifestError naming `name`, the line and a code for bad JSON or bad fields.
 * @example
 * parseManifest('{"image_path": "a/b.png", "label": 0, "class_name": "a"}\n', '/data', 'm.jsonl');
 */
export function parseManifest(text: string, root: string, name = 'manifest'): { items: DatasetItem[]; lines: number[] } {
  if (typeof text !== 'string') throw new TypeError(`parseManifest(${name}): text must be a string, got ${typeof text}`);
  const items: DatasetItem[] = [];
  const lines: number[] = [];
  const firstLine = new Map<string, number>(); // split + image path -> line: an image listed twice would count twice
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  src.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const where = `${name}:${line}`;
    const bad = (code: ManifestErrorCode, msg: string): never => {
      throw new ManifestError(name, line, code, `${where}: ${msg}`);
    };
    if (raw.length > MAX_MANIFEST_LINE) bad('LIMIT', `line of ${raw.length} characters is longer than ${MAX_MANIFEST_LINE}`);
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      bad('INVALID_JSON', `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      bad('NOT_AN_OBJECT', `expected a JSON object, got ${raw.slice(0, 80)}`);
    }
    const o = obj as Record<string, unknown>;
    const pathField = (field: string, v: string): void => {
      if (v.includes('\0')) bad('INVALID_FIELD', `${field} contains a NUL character: ${show(v)}`);
    };
    if (typeof o.image_path !== 'string' || o.image_path === '') {
      bad('INVALID_FIELD', `image_path must be a non-empty string, got ${show(o.image_path)}`);
    }
    pathField('image_path', o.image_path as string);
    const label = labelOf(o.label);
    if (label === undefined) {
      bad('INVALID_FIELD', `label must be 0 or 1, got ${show(o.label)}`);
    }
    if (typeof o.class_name !== 'string' || o.class_name === '') {
      bad('INVALID_FIELD', `class_name must be a non-empty string, got ${show(o.class_name)}`);
    }
    const mask = o.mask_path;
    if (mask !== undefined && mask !== null && typeof mask !== 'string') {
      bad('INVALID_FIELD', `mask_path must be a string, got ${show(mask)}`);
    }
    if (typeof mask === 'string') pathField('mask_path', mask);
    const split = o.split ?? 'test';
    if (split !== 'train' && split !== 'test') {
      bad('INVALID_FIELD', `split must be "train" or "test", got ${show(o.split)}`);
    }
    const at = (p: string): string => (isAbsolute(p) ? p : resolve(root, p));
    const item: DatasetItem = {
      imagePath: at(o.image_path as string),
      maskPath: typeof mask === 'string' && mask !== '' ? at(mask) : null,
      label: label!,
      className: o.class_name as string,
      split: split as DatasetSplit,
    };
    if (typeof o.defect_type === 'string' && o.defect_type !== '') item.defectType = o.defect_type;
    const key = `${item.split}\0${item.imagePath}`;
    const seen = firstLine.get(key);
    if (seen !== undefined) bad('DUPLICATE', `image ${show(o.image_path)} is listed again (first on line ${seen}, ${item.split} split); each image may appear once per split`);
    firstLine.set(key, line);
    items.push(item);
    lines.push(line);
  });
  return { items, lines };
}

/**
 * Reads an AA-CLIP jsonl manifest. Items keep the file's order.
 *
 * @throws ManifestError (a DatasetLayoutError) naming the manifest, line and code for
 *   non-UTF-8 bytes, bad JSON or bad fields; DatasetLayoutError for a missing file or (with
 *   `verify`) an image or mask that does not exist.
 * @example
 * // official manifest, paths relative to the dataset root:
 * const index = await readManifest('AA-CLIP/dataset/metadata/VisA/full-shot.jsonl', { dataRoot: '/data/VisA' });
 */
export async function readManifest(path: string, opts: ReadManifestOptions = {}): Promise<DatasetIndex> {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`readManifest: path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  const file = resolve(path);
  const root = resolve(opts.dataRoot ?? dirname(file));
  const maxBytes = opts.maxBytes ?? 256 * 2 ** 20;
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(file, { what: 'manifest', maxBytes });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DatasetLayoutError(file, `readManifest: manifest ${file} not found`);
    if (code === 'TOO_LARGE') {
      const { size } = await stat(file);
      throw new ManifestError(file, 0, 'LIMIT', `readManifest: ${file} is ${size} bytes, more than maxBytes ${maxBytes}`);
    }
    if (e instanceof InputFileError) throw new DatasetLayoutError(file, `readManifest: ${e.message}`);
    throw e;
  }
  const parsed = parseManifest(decodeUtf8Lines(bytes, file), root, file);
  const found = [...new Set(parsed.items.map((it) => it.className))].sort();
  const classes = pickClasses(found, opts.classes, file, 'readManifest');
  const kept = new Set(classes);
  const keep = parsed.items.map((it) => kept.has(it.className));
  const items = parsed.items.filter((_, i) => keep[i]);
  const lines = parsed.lines.filter((_, i) => keep[i]);
  if (opts.dataRootOnly === true) {
    const outside = (p: string): boolean => {
      const rel = relative(root, p);
      return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
    };
    const i = items.findIndex((it) => outside(it.imagePath) || (it.maskPath !== null && outside(it.maskPath)));
    if (i >= 0) {
      const p = outside(items[i]!.imagePath) ? items[i]!.imagePath : items[i]!.maskPath!;
      throw new ManifestError(file, lines[i]!, 'OUTSIDE_ROOT', `${file}:${lines[i]}: ${p} is outside the data root ${root} (--data-root-only: a manifest may only name files inside it)`);
    }
  }
  if (opts.verify !== false) {
    const missing = await mapLimit(items, 32, async (it) => {
      if ((await pathKind(it.imagePath)) !== 'file') return it.imagePath;
      if (it.maskPath !== null && (await pathKind(it.maskPath)) !== 'file') return it.maskPath;
      return null;
    });
    const first = missing.findIndex((m) => m !== null);
    if (first >= 0) {
      const count = missing.filter((m) => m !== null).length;
      throw new DatasetLayoutError(
        missing[first]!,
        `readManifest: ${count} file(s) listed in ${file} do not exist, first: ${missing[first]} (line ${lines[first]}; ` +
          `relative paths are resolved against ${root}${opts.dataRoot === undefined ? ', pass dataRoot for manifests relative to a dataset root' : ''})`,
      );
    }
  }
  return { format: 'jsonl', root, items, classes };
}

/** Decodes UTF-8 strictly; invalid bytes are a ManifestError naming the first bad line. */
function decodeUtf8Lines(bytes: Uint8Array, file: string): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return strict.decode(bytes);
  } catch {
    let start = 0;
    for (let line = 1; ; line++) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl < 0 ? bytes.length : nl;
      try {
        strict.decode(bytes.subarray(start, end));
      } catch {
        throw new ManifestError(file, line, 'INVALID_UTF8', `${file}:${line}: the line is not valid UTF-8`);
      }
      if (nl < 0) throw new ManifestError(file, 0, 'INVALID_UTF8', `${file}: the file is not valid UTF-8`);
      start = nl + 1;
    }
  }
}

/** Checks one item before it is written (errors name the index and image). */
function checkItem(it: DatasetItem, i: number): void {
  if (typeof it !== 'object' || it === null) throw new TypeError(`writeManifest: items[${i}] must be an object, got ${JSON.stringify(it)}`);
  if (typeof it.imagePath !== 'string' || it.imagePath === '') {
    throw new TypeError(`writeManifest: items[${i}].imagePath must be a non-empty string, got ${JSON.stringify(it.imagePath)}`);
  }
  if (it.label !== 0 && it.label !== 1) {
    throw new RangeError(`writeManifest: items[${i}].label must be 0 or 1, got ${JSON.stringify(it.label)} (${it.imagePath})`);
  }
  if (typeof it.className !== 'string' || it.className === '') {
    throw new TypeError(`writeManifest: items[${i}].className must be a non-empty string, got ${JSON.stringify(it.className)} (${it.imagePath})`);
  }
  if (it.split !== 'train' && it.split !== 'test') {
    throw new RangeError(`writeManifest: items[${i}].split must be 'train' or 'test', got ${JSON.stringify(it.split)} (${it.imagePath})`);
  }
  if (it.maskPath !== null && (typeof it.maskPath !== 'string' || it.maskPath === '')) {
    throw new TypeError(`writeManifest: items[${i}].maskPath must be null or a non-empty string, got ${JSON.stringify(it.maskPath)}`);
  }
}

/**
 * Manifest text for `items`: one JSON object a line with `image_path`, `label` (0 / 1),
 * `class_name`, `mask_path` (only when there is a mask, as in the official manifests), then
 * `split` and `defect_type` (extra keys the official loader ignores). Paths inside `base` are
 * written relative to it with `/` separators, others absolute.
 *
 * @example
 * formatManifest(index.items, '/data/mvtec'); // '{"image_path":"bottle/test/good/000.png",...}\n...'
 */
export function formatManifest(items: readonly DatasetItem[], base: string): string {
  if (!Array.isArray(items)) throw new TypeError(`writeManifest: items must be an array, got ${typeof items}`);
  const baseAbs = resolve(base);
  const rel = (p: string): string => {
    const abs = resolve(p);
    const r = relative(baseAbs, abs);
    if (r === '' || r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r)) return abs;
    return sep === '/' ? r : r.split(sep).join('/');
  };
  let out = '';
  items.forEach((it, i) => {
    checkItem(it, i);
    const o: Record<string, unknown> = { image_path: rel(it.imagePath), label: it.label, class_name: it.className };
    if (it.maskPath !== null) o.mask_path = rel(it.maskPath);
    o.split = it.split;
    if (it.defectType !== undefined) o.defect_type = it.defectType;
    out += `${JSON.stringify(o)}\n`;
  });
  return out;
}

/**
 * Writes `index` as an AA-CLIP jsonl manifest, atomically (temporary file + rename). An
 * existing `outPath` is an error naming it unless `force`. Returns the number of lines.
 *
 * @example
 * await writeManifest(await readMvtec('/data/mvtec'), '/data/mvtec/full-shot.jsonl');
 * const back = await readManifest('/data/mvtec/full-shot.jsonl'); // same items
 */
export async function writeManifest(index: DatasetIndex, outPath: string, opts: WriteManifestOptions = {}): Promise<number> {
  if (typeof index !== 'object' || index === null || !Array.isArray(index.items)) {
    throw new TypeError('writeManifest: index must be a DatasetIndex with an items array');
  }
  if (typeof outPath !== 'string' || outPath === '') {
    throw new TypeError(`writeManifest: outPath must be a non-empty string, got ${JSON.stringify(outPath)}`);
  }
  const out = resolve(outPath);
  const text = formatManifest(index.items, opts.relativeTo ?? dirname(out));
  await writeFileAtomic(out, text, { overwrite: opts.force === true });
  return index.items.length;
}
