// Format detection, format dispatch and the `aaclip index` entry point.
import { join, resolve } from 'node:path';
import { readBtad } from './btad';
import { readFolder, type FolderOptions } from './folder';
import { readManifest, writeManifest, type ReadManifestOptions } from './manifest';
import { readMpdd, readMvtec } from './mvtec';
import { assertRoot, listDir, pathKind } from './scan';
import { readVisa, type VisaOptions } from './visa';
import { DATASET_FORMATS, DatasetLayoutError, type DatasetFormat, type DatasetIndex } from './types';

/** MPDD's six classes; an MVTec-style tree holding only these is taken as MPDD. */
export const MPDD_CLASSES: readonly string[] = [
  'bracket_black', 'bracket_brown', 'bracket_white', 'connector', 'metal_plate', 'tubes',
];

/**
 * Guesses the layout of `root`:
 * - a `.jsonl` file -> 'jsonl';
 * - `<root>/split_csv/1cls.csv` -> 'visa';
 * - class folders with `train/` or `test/`: `ok/` / `ko/` inside -> 'btad'; otherwise
 *   'mpdd' when every class is one of {@link MPDD_CLASSES}, else 'mvtec';
 * - `<root>/good/` or `<root>/<class>/good/` -> 'folder'.
 *
 * @throws DatasetLayoutError naming `root` when nothing matches, or when `root` is a single
 *   class folder (holds `train/` / `test/` itself).
 * @example
 * await detectDatasetFormat('/data/mvtec_anomaly_detection'); // 'mvtec'
 */
export async function detectDatasetFormat(rootArg: string): Promise<DatasetFormat> {
  assertRoot(rootArg, 'detectDatasetFormat');
  const root = resolve(rootArg);
  const kind = await pathKind(root);
  if (kind === 'file') {
    if (root.toLowerCase().endsWith('.jsonl')) return 'jsonl';
    throw new DatasetLayoutError(root, `detectDatasetFormat: ${root} is a file but not a .jsonl manifest`);
  }
  if (kind === null) throw new DatasetLayoutError(root, `detectDatasetFormat: ${root} does not exist`);
  if ((await pathKind(join(root, 'split_csv', '1cls.csv'))) === 'file') return 'visa';
  const { dirs } = await listDir(root);
  if (dirs.includes('train') || dirs.includes('test')) {
    throw new DatasetLayoutError(
      root,
      `detectDatasetFormat: ${root} holds train/ or test/ itself, so it looks like one class folder; pass the dataset root (its parent) and select the class with classes: [...]`,
    );
  }
  const splitClasses: string[] = [];
  let btad = false;
  let folder = (await pathKind(join(root, 'good'))) === 'dir';
  for (const d of dirs) {
    const has = async (...p: string[]): Promise<boolean> => (await pathKind(join(root, d, ...p))) === 'dir';
    if ((await has('train')) || (await has('test'))) {
      splitClasses.push(d);
      if ((await has('test', 'ko')) || (await has('train', 'ok')) || (await has('test', 'ok'))) btad = true;
    } else if (await has('good')) folder = true;
  }
  if (splitClasses.length > 0) {
    if (btad) return 'btad';
    return splitClasses.every((c) => MPDD_CLASSES.includes(c)) ? 'mpdd' : 'mvtec';
  }
  if (folder) return 'folder';
  throw new DatasetLayoutError(
    root,
    `detectDatasetFormat: cannot tell the layout of ${root} (folders: ${dirs.join(', ') || 'none'}): expected ` +
      'split_csv/1cls.csv (VisA), <class>/{train,test}/ (MVTec AD, MPDD, BTAD) or good/ folders (generic); pass a format',
  );
}

/** Options accepted by {@link readDataset} (each reader uses the ones it knows). */
export type ReadDatasetOptions = VisaOptions & FolderOptions & Omit<ReadManifestOptions, 'classes'>;

/**
 * Reads `root` with the reader of `format` ('auto' detects it first).
 *
 * @example
 * const index = await readDataset('/data/BTech_Dataset_transformed', 'auto'); // index.format === 'btad'
 */
export async function readDataset(
  root: string,
  format: DatasetFormat | 'auto' = 'auto',
  opts: ReadDatasetOptions = {},
): Promise<DatasetIndex> {
  const f = format === 'auto' ? await detectDatasetFormat(root) : format;
  switch (f) {
    case 'mvtec':
      return readMvtec(root, opts);
    case 'mpdd':
      return readMpdd(root, opts);
    case 'btad':
      return readBtad(root, opts);
    case 'visa':
      return readVisa(root, opts);
    case 'folder':
      return readFolder(root, opts);
    case 'jsonl':
      return readManifest(root, opts);
    default:
      throw new RangeError(
        `readDataset: unknown format ${JSON.stringify(format)}; expected auto or one of ${DATASET_FORMATS.join(', ')}`,
      );
  }
}

/** Options of {@link indexDataset}. */
export interface IndexDatasetOptions extends ReadDatasetOptions {
  /** Replace an existing manifest. */
  force?: boolean;
  /** Folder the manifest's paths are relative to (default: the manifest's folder). */
  relativeTo?: string;
}

/**
 * Reads a dataset and writes its AA-CLIP jsonl manifest (what `aaclip index <root> --format
 * mvtec|visa|btad|mpdd|folder` runs). The write is atomic and refuses to replace an existing
 * file unless `force`.
 *
 * @returns the index that was written.
 * @example
 * const index = await indexDataset('/data/mvtec', 'mvtec', '/data/mvtec/full-shot.jsonl');
 * console.log(`${index.items.length} images, ${index.classes.length} classes`);
 */
export async function indexDataset(
  root: string,
  format: DatasetFormat | 'auto',
  outPath: string,
  opts: IndexDatasetOptions = {},
): Promise<DatasetIndex> {
  const index = await readDataset(root, format, opts);
  if (index.items.length === 0) {
    throw new DatasetLayoutError(index.root, `indexDataset: no images found in ${index.root} (format ${index.format})`);
  }
  await writeManifest(index, outPath, { force: opts.force, relativeTo: opts.relativeTo });
  return index;
}
