import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBtad } from './btad';
import { detectDatasetFormat, readDataset } from './detect';
import { readFolder } from './folder';
import { readMpdd, readMvtec } from './mvtec';
import { makeBtad, makeFolder, makeMvtec, makeVisa, writeImage, writeMask } from '../../../../test-utils/dataset-layouts';
import { DatasetLayoutError, type DatasetIndex } from './types';
import { parseCsv, readVisa } from './visa';

let tmp = '';
const dirs = { mvtec: '', mpdd: '', visa: '', btad: '', folder: '' };
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aaclip-datasets-'));
  for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = join(tmp, k);
  await makeMvtec(dirs.mvtec);
  await makeMvtec(dirs.mpdd, ['bracket_black', 'tubes']);
  await makeVisa(dirs.visa);
  await makeBtad(dirs.btad);
  await makeFolder(dirs.folder);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Items as short tuples relative to the root: [split, class, label, image, mask]. */
function rows(index: DatasetIndex): string[][] {
  const rel = (p: string | null): string => (p === null ? '-' : p.slice(index.root.length + 1));
  return index.items.map((it) => [it.split, it.className, String(it.label), rel(it.imagePath), rel(it.maskPath)]);
}

describe('readMvtec / readMpdd', () => {
  it('lists images per class and split, pairs masks, labels good as 0', async () => {
    const index = await readMvtec(dirs.mvtec);
    expect(index.format).toBe('mvtec');
    expect(index.root).toBe(dirs.mvtec);
    expect(index.classes).toEqual(['bottle', 'screw']);
    expect(rows(index)).toEqual([
      ['train', 'bottle', '0', 'bottle/train/good/000.png', '-'],
      ['train', 'bottle', '0', 'bottle/train/good/001.png', '-'],
      ['test', 'bottle', '1', 'bottle/test/broken_large/000.png', 'bottle/ground_truth/broken_large/000_mask.png'],
      ['test', 'bottle', '1', 'bottle/test/broken_large/001.png', 'bottle/ground_truth/broken_large/001_mask.png'],
      ['test', 'bottle', '0', 'bottle/test/good/000.png', '-'],
      ['train', 'screw', '0', 'screw/train/good/000.png', '-'],
      ['test', 'screw', '0', 'screw/test/good/000.png', '-'],
      ['test', 'screw', '1', 'screw/test/scratch_head/000.png', 'screw/ground_truth/scratch_head/000_mask.png'],
    ]);
    expect(index.items.map((it) => it.defectType)).toEqual([
      'good', 'good', 'broken_large', 'broken_large', 'good', 'good', 'good', 'scratch_head',
    ]);
  });

  it('filters classes and names the missing ones', async () => {
    const index = await readMvtec(dirs.mvtec, { classes: ['screw'] });
    expect(index.classes).toEqual(['screw']);
    expect(index.items).toHaveLength(3);
    await expect(readMvtec(dirs.mvtec, { classes: ['screw', 'cable'] })).rejects.toThrow(
      /class\(es\) cable not found under .*mvtec; found: bottle, screw/,
    );
  });

  it('reads MPDD with the same layout', async () => {
    const index = await readMpdd(dirs.mpdd);
    expect(index.format).toBe('mpdd');
    expect(index.classes).toEqual(['bracket_black', 'tubes']);
    expect(index.items.filter((it) => it.label === 1).map((it) => it.maskPath!.slice(dirs.mpdd.length + 1))).toEqual([
      'bracket_black/ground_truth/broken_large/000_mask.png',
      'bracket_black/ground_truth/broken_large/001_mask.png',
      'tubes/ground_truth/scratch_head/000_mask.png',
    ]);
  });

  it('reports a missing mask with its expected path, or keeps the item with allowMissingMasks', async () => {
    const root = join(tmp, 'mvtec-nomask');
    await makeMvtec(root);
    await rm(join(root, 'screw/ground_truth/scratch_head/000_mask.png'));
    const err = await readMvtec(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetLayoutError);
    expect((err as Error).message).toContain(`no mask for ${join(root, 'screw/test/scratch_head/000.png')}`);
    expect((err as DatasetLayoutError).path).toBe(join(root, 'screw/ground_truth/scratch_head/000_mask.png'));
    const index = await readMvtec(root, { allowMissingMasks: true });
    expect(index.items.find((it) => it.defectType === 'scratch_head')!.maskPath).toBeNull();
  });

  it('names the path when the layout is wrong', async () => {
    await expect(readMvtec(join(tmp, 'nope'))).rejects.toThrow(/readMvtec: dataset root .*nope does not exist/);
    await expect(readMvtec(dirs.visa)).rejects.toThrow(/readMvtec: no class folder with train\/ or test\/ under .*visa \(folders: candle, pcb1, split_csv\)/);
    const stray = join(tmp, 'mvtec-stray');
    await writeImage(join(stray, 'bottle/test/000.png'));
    await expect(readMvtec(stray)).rejects.toThrow(/1 image\(s\) directly in .*bottle\/test; expected them in .*<defect>/);
    const empty = join(tmp, 'mvtec-empty');
    await mkdir(join(empty, 'bottle/test/good'), { recursive: true });
    await expect(readMvtec(empty)).rejects.toThrow(/class folder .*mvtec-empty\/bottle holds no images/);
    await expect(readMvtec('')).rejects.toThrow(/root must be a non-empty path string/);
  });
});

describe('readBtad', () => {
  it('reads ok/ko folders and pairs masks by stem across .bmp and .png', async () => {
    const index = await readBtad(dirs.btad);
    expect(index.format).toBe('btad');
    expect(index.classes).toEqual(['01', '03']);
    expect(rows(index)).toEqual([
      ['train', '01', '0', '01/train/ok/0000.bmp', '-'],
      ['train', '01', '0', '01/train/ok/0001.bmp', '-'],
      ['test', '01', '1', '01/test/ko/0000.bmp', '01/ground_truth/ko/0000.png'],
      ['test', '01', '1', '01/test/ko/0001.bmp', '01/ground_truth/ko/0001.png'],
      ['test', '01', '0', '01/test/ok/0000.bmp', '-'],
      ['train', '03', '0', '03/train/ok/0000.bmp', '-'],
      ['test', '03', '1', '03/test/ko/0000.bmp', '03/ground_truth/ko/0000.bmp'],
      ['test', '03', '0', '03/test/ok/0000.bmp', '-'],
    ]);
  });

  it('rejects folders BTAD does not have and missing masks', async () => {
    const root = join(tmp, 'btad-bad');
    await makeBtad(root);
    await rm(join(root, '03/ground_truth/ko/0000.bmp'));
    await expect(readBtad(root)).rejects.toThrow(/no mask for .*03\/test\/ko\/0000.bmp: expected .*03\/ground_truth\/ko\/0000.png or .bmp/);
    await mkdir(join(root, '01/test/good'));
    await expect(readBtad(root)).rejects.toThrow(/unexpected folder\(s\) good in .*btad-bad\/01\/test; BTAD's test\/ holds only ok\/ and ko\//);
  });
});

describe('readVisa', () => {
  it('follows split_csv/1cls.csv', async () => {
    const index = await readVisa(dirs.visa);
    expect(index.format).toBe('visa');
    expect(index.classes).toEqual(['candle', 'pcb1']);
    expect(rows(index)).toEqual([
      ['train', 'candle', '0', 'candle/Data/Images/Normal/0000.JPG', '-'],
      ['train', 'candle', '0', 'candle/Data/Images/Normal/0001.JPG', '-'],
      ['test', 'candle', '1', 'candle/Data/Images/Anomaly/000.JPG', 'candle/Data/Masks/Anomaly/000.png'],
      ['test', 'candle', '0', 'candle/Data/Images/Normal/0002.JPG', '-'],
      ['train', 'pcb1', '0', 'pcb1/Data/Images/Normal/0000.JPG', '-'],
      ['test', 'pcb1', '1', 'pcb1/Data/Images/Anomaly/000.JPG', 'pcb1/Data/Masks/Anomaly/000.png'],
      ['test', 'pcb1', '0', 'pcb1/Data/Images/Normal/0001.JPG', '-'],
    ]);
    expect((await readVisa(dirs.visa, { classes: ['pcb1'] })).items).toHaveLength(3);
  });

  it('parses quoted CSV fields, BOMs and CRLF', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, ""y""",2\r\n\r\nlast,\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"', '2'] },
      { line: 4, fields: ['last', ''] },
    ]);
  });

  it('names the CSV and line for bad rows and missing files', async () => {
    const root = join(tmp, 'visa-bad');
    await makeVisa(root);
    const csv = join(root, 'split_csv/1cls.csv');
    const write = (text: string): Promise<void> => writeFile(csv, text);
    await write('object,split,label,image,mask\ncandle,val,normal,candle/Data/Images/Normal/0000.JPG,\n');
    await expect(readVisa(root)).rejects.toThrow(/1cls.csv:2 has split "val", expected train or test/);
    await write('object,split,label,image,mask\ncandle,test,broken,candle/Data/Images/Normal/0000.JPG,\n');
    await expect(readVisa(root)).rejects.toThrow(/1cls.csv:2 has label "broken", expected normal or anomaly/);
    await write('object,split,label,image,mask\ncandle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,\n');
    await expect(readVisa(root)).rejects.toThrow(/1cls.csv:2 is an anomaly without a mask \(candle\/Data\/Images\/Anomaly\/000.JPG\)/);
    expect((await readVisa(root, { allowMissingMasks: true })).items[0].maskPath).toBeNull();
    await write('object,split,label,image,mask\ncandle,train,normal,candle/Data/Images/Normal/0000.JPG,\ncandle,train,normal,candle/missing.JPG,\n');
    await expect(readVisa(root)).rejects.toThrow(/1 file\(s\) listed in .*1cls.csv do not exist, first: .*candle\/missing.JPG \(.*1cls.csv:3\)/);
    expect((await readVisa(root, { verify: false })).items).toHaveLength(2);
    await write('obj,split,label,image\n');
    await expect(readVisa(root)).rejects.toThrow(/lacks column\(s\) object; header is "obj,split,label,image"/);
    await rm(csv);
    await expect(readVisa(root)).rejects.toThrow(/split CSV .*split_csv\/1cls.csv not found/);
  });
});

describe('readFolder', () => {
  it('reads good/<defect> folders with masks/ and ground_truth/ masks', async () => {
    const index = await readFolder(dirs.folder);
    expect(index.format).toBe('folder');
    expect(index.classes).toEqual(['gear', 'widget']);
    expect(rows(index)).toEqual([
      ['test', 'gear', '1', 'gear/chip/b.png', 'gear/ground_truth/chip/b_mask.png'],
      ['test', 'gear', '0', 'gear/good/a.png', '-'],
      ['test', 'widget', '1', 'widget/crack/e.png', '-'],
      ['test', 'widget', '1', 'widget/dent/c.png', 'widget/masks/dent/c.png'],
      ['test', 'widget', '1', 'widget/dent/d.png', 'widget/masks/dent/d.png'],
      ['test', 'widget', '0', 'widget/good/a.png', '-'],
      ['test', 'widget', '0', 'widget/good/b.png', '-'],
    ]);
    expect((await readFolder(dirs.folder, { split: 'train' })).items.every((it) => it.split === 'train')).toBe(true);
    await expect(readFolder(dirs.folder, { allowMissingMasks: false })).rejects.toThrow(
      /no mask for .*widget\/crack\/e.png: expected .*widget\/masks\/crack\/e.png or .*widget\/ground_truth\/crack\/e_mask.png/,
    );
  });

  it('reads a single class when the root holds good/', async () => {
    const root = join(dirs.folder, 'widget');
    const index = await readFolder(root);
    expect(index.classes).toEqual(['widget']);
    expect(index.items).toHaveLength(5);
    expect((await readFolder(root, { className: 'part' })).classes).toEqual(['part']);
  });

  it('names the path when the layout is wrong', async () => {
    await expect(readFolder(dirs.visa)).rejects.toThrow(/no good\/ folder in .*visa or its sub-folders \(candle, pcb1, split_csv\)/);
    const stray = join(tmp, 'folder-stray');
    await writeImage(join(stray, 'good/a.png'));
    await writeImage(join(stray, 'loose.png'));
    await expect(readFolder(stray)).rejects.toThrow(/1 image\(s\) directly in .*folder-stray \(first: loose.png\)/);
  });
});

describe('detectDatasetFormat / readDataset', () => {
  it('tells the layouts apart', async () => {
    expect(await detectDatasetFormat(dirs.mvtec)).toBe('mvtec');
    expect(await detectDatasetFormat(dirs.mpdd)).toBe('mpdd');
    expect(await detectDatasetFormat(dirs.visa)).toBe('visa');
    expect(await detectDatasetFormat(dirs.btad)).toBe('btad');
    expect(await detectDatasetFormat(dirs.folder)).toBe('folder');
    expect(await detectDatasetFormat(join(dirs.folder, 'widget'))).toBe('folder');
    const manifest = join(tmp, 'x.jsonl');
    await writeFile(manifest, '');
    expect(await detectDatasetFormat(manifest)).toBe('jsonl');
  });

  it('names the root when nothing matches', async () => {
    const odd = join(tmp, 'odd');
    await writeMask(join(odd, 'pictures/a.png'));
    await expect(detectDatasetFormat(odd)).rejects.toThrow(/cannot tell the layout of .*odd \(folders: pictures\)/);
    await expect(detectDatasetFormat(join(tmp, 'missing'))).rejects.toThrow(/missing does not exist/);
    await expect(detectDatasetFormat(join(dirs.mvtec, 'bottle'))).rejects.toThrow(
      /bottle holds train\/ or test\/ itself, so it looks like one class folder; pass the dataset root/,
    );
    await expect(detectDatasetFormat(join(odd, 'pictures/a.png'))).rejects.toThrow(/is a file but not a .jsonl manifest/);
  });

  it('dispatches on the format, detecting it for auto', async () => {
    expect((await readDataset(dirs.btad)).format).toBe('btad');
    expect((await readDataset(dirs.visa, 'visa')).items).toHaveLength(7);
    await expect(readDataset(dirs.visa, 'coco' as never)).rejects.toThrow(/unknown format "coco"; expected auto or one of mvtec, visa/);
  });

  it('follows symbolic links to class folders', async () => {
    const root = join(tmp, 'linked');
    await mkdir(root);
    const { symlink } = await import('node:fs/promises');
    await symlink(join(dirs.mvtec, 'bottle'), join(root, 'bottle'));
    const index = await readMvtec(root);
    expect(index.items).toHaveLength(5);
    await rename(join(root, 'bottle'), join(root, 'bottle2'));
    expect((await readMvtec(root)).classes).toEqual(['bottle2']);
  });
});
