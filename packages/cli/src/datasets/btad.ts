// BTAD (beanTech Anomaly Detection) reader.
import { basename, join } from 'node:path';
import { isImageName, listDir, listImages, pathKind, splitFolders, stemOf, StemLookup } from './scan';
import { DatasetLayoutError, makeIndex, type DatasetIndex, type DatasetItem, type ReaderOptions } from './types';

const LAYOUT = '<root>/<01|02|03>/{train/ok, test/ok, test/ko, ground_truth/ko}';
const FOLDERS = { train: ['ok'], test: ['ok', 'ko'] } as const;

/**
 * Reads BTAD: `<root>/<product>/train/ok/*` (normal), `test/ok/*` (normal), `test/ko/*`
 * (anomalous) with masks in `<root>/<product>/ground_truth/ko/` under the image's stem
 * (any image extension: product 01 pairs `.bmp` images with `.png` masks, 03 uses `.bmp` for
 * both). Product folders are those holding `train/` or `test/`; `defectType` is 'ok' or 'ko'.
 *
 * @throws DatasetLayoutError naming the path for a missing root, an unexpected folder in
 *   train/ or test/, stray images, or (unless `allowMissingMasks`) a missing mask.
 * @example
 * const index = await readBtad('/data/BTech_Dataset_transformed');
 * index.classes; // ['01', '02', '03']
 */
export async function readBtad(rootArg: string, opts: ReaderOptions = {}): Promise<DatasetIndex> {
  const reader = 'readBtad';
  const { root, classes } = await splitFolders(rootArg, reader, LAYOUT, 'product', opts.classes);
  const masks = new StemLookup();
  const items: DatasetItem[] = [];
  for (const className of classes) {
    const classDir = join(root, className);
    const before = items.length;
    for (const split of ['train', 'test'] as const) {
      const splitDir = join(classDir, split);
      if ((await pathKind(splitDir)) !== 'dir') continue;
      const { dirs: sub, files } = await listDir(splitDir);
      const allowed: readonly string[] = FOLDERS[split];
      const unexpected = sub.filter((d) => !allowed.includes(d));
      if (unexpected.length > 0 || files.some(isImageName)) {
        const what = unexpected.length > 0 ? `folder(s) ${unexpected.join(', ')}` : 'images directly inside';
        throw new DatasetLayoutError(
          splitDir,
          `${reader}: unexpected ${what} in ${splitDir}; BTAD's ${split}/ holds only ${allowed.join('/ and ')}/ (layout ${LAYOUT})`,
        );
      }
      for (const defect of sub) {
        const label: 0 | 1 = defect === 'ko' ? 1 : 0;
        for (const imagePath of await listImages(join(splitDir, defect))) {
          let maskPath: string | null = null;
          if (label === 1) {
            const gtDir = join(classDir, 'ground_truth', defect);
            const stem = stemOf(basename(imagePath));
            maskPath = await masks.find(gtDir, stem);
            if (maskPath === null && !opts.allowMissingMasks) {
              throw new DatasetLayoutError(
                join(gtDir, stem),
                `${reader}: no mask for ${imagePath}: expected ${join(gtDir, stem)}.png or .bmp (pass allowMissingMasks to keep it without one)`,
              );
            }
          }
          items.push({ imagePath, maskPath, label, className, split, defectType: defect });
        }
      }
    }
    if (items.length === before) {
      throw new DatasetLayoutError(classDir, `${reader}: product folder ${classDir} holds no images; expected ${LAYOUT}`);
    }
  }
  return makeIndex('btad', root, items);
}
