// MVTec AD and MPDD readers (same layout).
import { basename, join } from 'node:path';
import { isImageName, listDir, listImages, pathKind, splitFolders, stemOf, StemLookup } from './scan';
import {
  DatasetLayoutError,
  makeIndex,
  type DatasetFormat,
  type DatasetIndex,
  type DatasetItem,
  type DatasetSplit,
  type ReaderOptions,
} from './types';

const LAYOUT = '<root>/<class>/{train,test}/<defect>/*.png with masks in <root>/<class>/ground_truth/<defect>/<name>_mask.png';
const SPLITS: readonly DatasetSplit[] = ['train', 'test'];

/** Reads the MVTec-style layout for `format` ('mvtec' or 'mpdd'). */
async function readMvtecLayout(
  rootArg: string,
  format: DatasetFormat,
  reader: string,
  opts: ReaderOptions,
): Promise<DatasetIndex> {
  const { root, classes } = await splitFolders(rootArg, reader, LAYOUT, 'class', opts.classes);
  const masks = new StemLookup();
  const items: DatasetItem[] = [];
  for (const className of classes) {
    const classDir = join(root, className);
    const before = items.length;
    for (const split of SPLITS) {
      const splitDir = join(classDir, split);
      if ((await pathKind(splitDir)) !== 'dir') continue;
      const { dirs: defects, files } = await listDir(splitDir);
      const stray = files.filter(isImageName).length;
      if (stray > 0) {
        throw new DatasetLayoutError(
          splitDir,
          `${reader}: ${stray} image(s) directly in ${splitDir}; expected them in ${splitDir}/<defect>/ (good = normal)`,
        );
      }
      for (const defect of defects) {
        const label: 0 | 1 = defect === 'good' ? 0 : 1;
        for (const imagePath of await listImages(join(splitDir, defect))) {
          let maskPath: string | null = null;
          if (label === 1) {
            const gtDir = join(classDir, 'ground_truth', defect);
            const stem = `${stemOf(basename(imagePath))}_mask`;
            maskPath = await masks.find(gtDir, stem);
            if (maskPath === null && !opts.allowMissingMasks) {
              throw new DatasetLayoutError(
                join(gtDir, `${stem}.png`),
                `${reader}: no mask for ${imagePath}: expected ${join(gtDir, `${stem}.png`)} (pass allowMissingMasks to keep it without one)`,
              );
            }
          }
          items.push({ imagePath, maskPath, label, className, split, defectType: defect });
        }
      }
    }
    if (items.length === before) {
      throw new DatasetLayoutError(classDir, `${reader}: class folder ${classDir} holds no images; expected ${LAYOUT}`);
    }
  }
  return makeIndex(format, root, items);
}

/**
 * Reads MVTec AD: `<root>/<class>/{train,test}/<defect>/*.png`, `good` = normal, masks at
 * `<root>/<class>/ground_truth/<defect>/<name>_mask.png`. Anomalous images must have a mask
 * unless `allowMissingMasks`. Class folders are those holding `train/` or `test/`
 * (other files and folders, e.g. license.txt, are ignored).
 *
 * @throws DatasetLayoutError naming the path when the root, a class or a mask is not where the layout puts it.
 * @example
 * const index = await readMvtec('/data/mvtec_anomaly_detection', { classes: ['bottle'] });
 * index.items.filter((it) => it.split === 'test' && it.label === 1).length; // 63
 */
export function readMvtec(root: string, opts: ReaderOptions = {}): Promise<DatasetIndex> {
  return readMvtecLayout(root, 'mvtec', 'readMvtec', opts);
}

/**
 * Reads MPDD (Metal Parts Defect Detection), which uses MVTec AD's layout: see {@link readMvtec}.
 *
 * @example
 * const index = await readMpdd('/data/MPDD');
 * index.classes; // ['bracket_black', 'bracket_brown', 'bracket_white', 'connector', 'metal_plate', 'tubes']
 */
export function readMpdd(root: string, opts: ReaderOptions = {}): Promise<DatasetIndex> {
  return readMvtecLayout(root, 'mpdd', 'readMpdd', opts);
}
