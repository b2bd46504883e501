import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDataset } from './detect';
import { formatManifest, parseManifest, readManifest, writeManifest } from './manifest';
import { readMvtec } from './mvtec';
import { makeBtad, makeFolder, makeMvtec, makeVisa } from '../../../../test-utils/dataset-layouts';
import type { DatasetFormat } from './types';

let tmp = '';
let mvtec = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aaclip-manifest-'));
  mvtec = join(tmp, 'mvtec');
  await makeMvtec(mvtec);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('writeManifest / readManifest', () => {
  it('round-trips with paths relative to the manifest folder', async () => {
    const index = await readMvtec(mvtec);
    const out = join(mvtec, 'full-shot.jsonl');
    expect(await writeManifest(index, out)).toBe(8);
    const lines = (await readFile(out, 'utf8')).split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[8]).toBe('');
    expect(lines[0]).toBe('{"image_path":"bottle/train/good/000.png","label":0,"class_name":"bottle","split":"train","defect_type":"good"}');
    expect(JSON.parse(lines[2])).toEqual({
      image_path: 'bottle/test/broken_large/000.png',
      label: 1,
      class_name: 'bottle',
      mask_path: 'bottle/ground_truth/broken_large/000_mask.png',
      split: 'test',
      defect_type: 'broken_large',
    });
    const back = await readManifest(out);
    expect(back.format).toBe('jsonl');
    expect(back.root).toBe(mvtec);
    expect(back.classes).toEqual(['bottle', 'screw']);
    expect(back.items).toEqual(index.items);
  });

  it('writes the official convention (relative to the dataset root) and reads it back with dataRoot', async () => {
    const index = await readMvtec(mvtec);
    const out = join(tmp, 'metadata/MVTec/full-shot.jsonl');
    await writeManifest(index, out, { relativeTo: mvtec });
    expect((await readFile(out, 'utf8')).split('\n')[0]).toContain('"image_path":"bottle/train/good/000.png"');
    await expect(readManifest(out)).rejects.toThrow(
      /8 file\(s\) listed in .*full-shot.jsonl do not exist, first: .*metadata\/MVTec\/bottle\/train\/good\/000.png \(line 1; relative paths are resolved against .*metadata\/MVTec, pass dataRoot/,
    );
    expect((await readManifest(out, { dataRoot: mvtec })).items).toEqual(index.items);
  });

  it('writes absolute paths for files outside the base folder', async () => {
    const index = await readMvtec(mvtec, { classes: ['screw'] });
    const out = join(tmp, 'elsewhere/screw.jsonl');
    await writeManifest(index, out);
    const first = JSON.parse((await readFile(out, 'utf8')).split('\n')[0]) as { image_path: string };
    expect(first.image_path).toBe(join(mvtec, 'screw/train/good/000.png'));
    expect((await readManifest(out)).items).toEqual(index.items);
  });

  it('reads official lines: float labels, no mask_path or "" for normal images', () => {
    const text =
      '{"image_path": "02/test/ok/0022.png", "label": 0.0, "class_name": "02"}\n' +
      '{"image_path": "02/test/ko/0162.png", "label": 1.0, "class_name": "02", "mask_path": "02/ground_truth/ko/0162.png"}\r\n' +
      '\n' +
      '{"image_path": "/abs/a.png", "label": 0, "class_name": "x", "mask_path": ""}\n';
    const { items, lines } = parseManifest(text, '/data/BTAD', 'btad.jsonl');
    expect(lines).toEqual([1, 2, 4]);
    expect(items).toEqual([
      { imagePath: '/data/BTAD/02/test/ok/0022.png', maskPath: null, label: 0, className: '02', split: 'test' },
      {
        imagePath: '/data/BTAD/02/test/ko/0162.png',
        maskPath: '/data/BTAD/02/ground_truth/ko/0162.png',
        label: 1,
        className: '02',
        split: 'test',
      },
      { imagePath: '/abs/a.png', maskPath: null, label: 0, className: 'x', split: 'test' },
    ]);
  });

  it('names the file and line of bad records', () => {
    const bad = (line: string): (() => unknown) => () => parseManifest(`{"image_path":"a.png","label":0,"class_name":"a"}\n${line}\n`, '/r', 'm.jsonl');
    expect(bad('{"image_path": "a.png", "label": 0')).toThrow(/m.jsonl:2: invalid JSON/);
    expect(bad('[1]')).toThrow(/m.jsonl:2: expected a JSON object/);
    expect(bad('{"label": 0, "class_name": "a"}')).toThrow(/m.jsonl:2: image_path must be a non-empty string, got undefined/);
    expect(bad('{"image_path": "a.png", "label": 2, "class_name": "a"}')).toThrow(/m.jsonl:2: label must be 0 or 1, got 2/);
    expect(bad('{"image_path": "a.png", "label": "1", "class_name": "a"}')).toThrow(/label must be 0 or 1, got "1"/);
    expect(bad('{"image_path": "a.png", "label": 0}')).toThrow(/m.jsonl:2: class_name must be a non-empty string/);
    expect(bad('{"image_path": "a.png", "label": 1, "class_name": "a", "mask_path": 3}')).toThrow(/mask_path must be a string, got 3/);
    expect(bad('{"image_path": "a.png", "label": 1, "class_name": "a", "split": "val"}')).toThrow(/split must be "train" or "test", got "val"/);
  });

  it('refuses to overwrite unless force, and leaves no temporary file', async () => {
    const dir = join(tmp, 'force');
    await mkdir(dir);
    const out = join(dir, 'm.jsonl');
    await writeFile(out, 'old\n');
    const index = await readMvtec(mvtec, { classes: ['screw'] });
    await expect(writeManifest(index, out)).rejects.toThrow(`refusing to overwrite ${out}`);
    expect(await readFile(out, 'utf8')).toBe('old\n');
    await writeManifest(index, out, { force: true });
    expect((await readFile(out, 'utf8')).split('\n')).toHaveLength(4);
    expect(await readdir(dir)).toEqual(['m.jsonl']);
  });

  it('validates items before writing anything', async () => {
    const index = await readMvtec(mvtec, { classes: ['screw'] });
    const broken = { ...index, items: [index.items[0], { ...index.items[1], label: 2 as 0 }] };
    const out = join(tmp, 'never.jsonl');
    await expect(writeManifest(broken, out)).rejects.toThrow(/items\[1\].label must be 0 or 1, got 2 \(.*screw\/test\/good\/000.png\)/);
    await expect(readdir(tmp)).resolves.not.toContain('never.jsonl');
    expect(() => formatManifest([{ ...index.items[0], className: '' }], tmp)).toThrow(/items\[0\].className must be a non-empty string/);
  });

  it('reads a class subset and reports a missing manifest', async () => {
    const out = join(mvtec, 'full-shot.jsonl');
    expect((await readManifest(out, { classes: ['bottle'] })).items).toHaveLength(5);
    await expect(readManifest(join(tmp, 'absent.jsonl'))).rejects.toThrow(/manifest .*absent.jsonl not found/);
  });
});

describe('indexDataset', () => {
  it.each<[DatasetFormat | 'auto', (root: string) => Promise<void>, number]>([
    ['mvtec', makeMvtec, 8],
    ['visa', makeVisa, 7],
    ['btad', makeBtad, 8],
    ['folder', makeFolder, 7],
    ['auto', makeBtad, 8],
  ])('writes a manifest that reads back to the same items (%s)', async (format, make, count) => {
    const root = join(tmp, `index-${format}`);
    await make(root);
    const out = join(root, 'index.jsonl');
    const index = await indexDataset(root, format, out);
    expect(index.items).toHaveLength(count);
    const back = await readManifest(out);
    expect(back.items).toEqual(index.items);
    expect(back.classes).toEqual(index.classes);
    await expect(indexDataset(root, format, out)).rejects.toThrow(/refusing to overwrite/);
    await expect(indexDataset(root, format, out, { force: true })).resolves.toEqual(index);
  });
});
