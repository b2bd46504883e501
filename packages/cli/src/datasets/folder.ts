// Generic "good / <defect>" folder reader.
import { basename, join, resolve } from 'node:path';
import { assertRoot, isImageName, listDir, listImages, pathKind, pickClasses, requireDir, stemOf, StemLookup } from './scan';
import { DatasetLayoutError, makeIndex, type DatasetIndex, type DatasetItem, type DatasetSplit, type ReaderOptions } from './types';

/** Options of {@link readFolder}. */
export interface FolderOptions extends ReaderOptions {
  /** Split recorded on every item (the layout has none): default 'test'. */
  split?: DatasetSplit;
  /** Class name of the single-class variant (root holds `good/` itself): default the root's folder name. */
  className?: string;
}

const LAYOUT =
  '<root>/<class>/good/* (normal) and <root>/<class>/<defect>/* (anomalous), masks optional in ' +
  '<root>/<class>/masks/<defect>/<stem>.* or <root>/<class>/ground_truth/<defect>/<stem>_mask.*; ' +
  'or <root>/good/* and <root>/<defect>/* for one class';
/** Folders of a class that hold masks, not images. */
const MASK_FOLDERS = new Set(['masks', 'ground_truth']);

/**
 * Reads a generic folder dataset: `<root>/<class>/good/*` normal images,
 * `<root>/<class>/<defect>/*` anomalous ones, optional masks in
 * `<root>/<class>/masks/<defect>/<stem>.*` or `<root>/<class>/ground_truth/<defect>/<stem>_mask.*`
 * (or `<stem>.*` there). When the root itself holds `good/`, it is one class named
 * `opts.className` (default: the root's folder name). Class folders are those holding `good/`.
 * Anomalous images without a mask get `maskPath: null` unless `allowMissingMasks: false`.
 *
 * @throws DatasetLayoutError naming the path when no class folder is found, images sit
 *   directly in a class folder, or (with `allowMissingMasks: false`) a mask is missing.
 * @example
 * const index = await readFolder('/data/my-parts'); // my-parts/screw/{good,scratch,masks/scratch}
 * index.items.filter((it) => it.label === 1 && it.maskPath !== null).length;
 */
export async function readFolder(rootArg: string, opts: FolderOptions = {}): Promise<DatasetIndex> {
  const reader = 'readFolder';
  assertRoot(rootArg, reader);
  const root = resolve(rootArg);
  await requireDir(root, `${reader}: dataset root`, LAYOUT);
  const split = opts.split ?? 'test';
  if (split !== 'train' && split !== 'test') {
    throw new TypeError(`${reader}: split must be 'train' or 'test', got ${JSON.stringify(opts.split)}`);
  }
  if (opts.className !== undefined && (typeof opts.className !== 'string' || opts.className === '')) {
    throw new TypeError(`${reader}: className must be a non-empty string, got ${JSON.stringify(opts.className)}`);
  }
  const classDirs = new Map<string, string>();
  if ((await pathKind(join(root, 'good'))) === 'dir') {
    classDirs.set(opts.className ?? basename(root), root);
  } else {
    const { dirs } = await listDir(root);
    for (const d of dirs) if ((await pathKind(join(root, d, 'good'))) === 'dir') classDirs.set(d, join(root, d));
    if (classDirs.size === 0) {
      throw new DatasetLayoutError(
        root,
        `${reader}: no good/ folder in ${root} or its sub-folders (${dirs.join(', ') || 'none'}); expected ${LAYOUT}`,
      );
    }
  }
  const classes = pickClasses([...classDirs.keys()].sort(), opts.classes, root, reader);
  const masks = new StemLookup();
  const allowMissing = opts.allowMissingMasks ?? true;
  const items: DatasetItem[] = [];
  for (const className of classes) {
    const classDir = classDirs.get(className)!;
    const { dirs, files } = await listDir(classDir);
    const stray = files.filter(isImageName);
    if (stray.length > 0) {
      throw new DatasetLayoutError(
        join(classDir, stray[0]),
        `${reader}: ${stray.length} image(s) directly in ${classDir} (first: ${stray[0]}); put normal images in good/ and anomalous ones in <defect>/`,
      );
    }
    for (const defect of dirs) {
      if (MASK_FOLDERS.has(defect)) continue;
      const label: 0 | 1 = defect === 'good' ? 0 : 1;
      for (const imagePath of await listImages(join(classDir, defect))) {
        let maskPath: string | null = null;
        if (label === 1) {
          const stem = stemOf(basename(imagePath));
          maskPath =
            (await masks.find(join(classDir, 'masks', defect), stem)) ??
            (await masks.find(join(classDir, 'ground_truth', defect), `${stem}_mask`)) ??
            (await masks.find(join(classDir, 'ground_truth', defect), stem));
          if (maskPath === null && !allowMissing) {
            const expected = join(classDir, 'masks', defect, `${stem}.png`);
            throw new DatasetLayoutError(
              expected,
              `${reader}: no mask for ${imagePath}: expected ${expected} or ${join(classDir, 'ground_truth', defect, `${stem}_mask.png`)}`,
            );
          }
        }
        items.push({ imagePath, maskPath, label, className, split, defectType: defect });
      }
    }
  }
  return makeIndex('folder', root, items);
}
