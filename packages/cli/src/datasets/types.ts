// Common record types of the dataset readers.

/** Layouts the readers understand. `jsonl` is an AA-CLIP manifest (one JSON object a line). */
export type DatasetFormat = 'mvtec' | 'visa' | 'btad' | 'mpdd' | 'folder' | 'jsonl';

/** Every {@link DatasetFormat}, in the order `detectDatasetFormat` reports them. */
export const DATASET_FORMATS: readonly DatasetFormat[] = ['mvtec', 'visa', 'btad', 'mpdd', 'folder', 'jsonl'];

/** Which part of a dataset an image belongs to. */
export type DatasetSplit = 'train' | 'test';

/**
 * One image of a dataset. Paths are absolute.
 *
 * @example
 * const item: DatasetItem = {
 *   imagePath: '/data/mvtec/bottle/test/broken_large/000.png',
 *   maskPath: '/data/mvtec/bottle/ground_truth/broken_large/000_mask.png',
 *   label: 1, className: 'bottle', split: 'test', defectType: 'broken_large',
 * };
 */
export interface DatasetItem {
  /** Absolute path of the image file. */
  imagePath: string;
  /** Absolute path of the ground-truth mask, or null (normal image, or no mask available). */
  maskPath: string | null;
  /** 0 = normal, 1 = anomalous. */
  label: 0 | 1;
  /** Class (object / texture / product) the image shows, as the dataset names it. */
  className: string;
  split: DatasetSplit;
  /** Defect folder name (`good` / `ok` for normal images) where the layout has one. */
  defectType?: string;
}

/**
 * A dataset's items, in a deterministic order (class, split, then path).
 *
 * @example
 * const index = await readMvtec('/data/mvtec');
 * console.log(index.classes, index.items.length);
 */
export interface DatasetIndex {
  format: DatasetFormat;
  /** Absolute dataset root (for `jsonl`: the folder relative paths were resolved against). */
  root: string;
  items: DatasetItem[];
  /** Distinct class names, sorted. */
  classes: string[];
}

/** Options shared by the folder-layout readers. */
export interface ReaderOptions {
  /** Keep only these classes (each must exist, else an error lists the ones found). */
  classes?: readonly string[];
  /**
   * What an anomalous image without a mask file does: `false` (default for the benchmark
   * layouts) is an error naming the expected mask path; `true` keeps it with `maskPath: null`.
   */
  allowMissingMasks?: boolean;
}

/** A dataset whose files are not where its layout puts them. Messages name the path. */
export class DatasetLayoutError extends Error {
  override readonly name = 'DatasetLayoutError';
  /** The file or folder the problem is about. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/** Sorts items by class, split (train first), then image path (code-point order). */
export function sortItems(items: DatasetItem[]): DatasetItem[] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const rank = (s: DatasetSplit): number => (s === 'train' ? 0 : 1);
  return items.sort(
    (a, b) => cmp(a.className, b.className) || rank(a.split) - rank(b.split) || cmp(a.imagePath, b.imagePath),
  );
}

/** Builds a {@link DatasetIndex}: sorts the items and collects the class names. */
export function makeIndex(format: DatasetFormat, root: string, items: DatasetItem[]): DatasetIndex {
  sortItems(items);
  const classes = [...new Set(items.map((it) => it.className))].sort();
  return { format, root, items, classes };
}
