// Issue 14 item 11, the dataset readers: each reproduction below failed before and passes now.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLoader, DatasetLoadError } from './loader';
import { ManifestError, parseManifest, readManifest } from './manifest';
import { pickClasses } from './scan';
import { makeVisa, writeImage, writeMask, writePng } from '../../../../test-utils/dataset-layouts';
import { parseCsv, readVisa } from './visa';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aaclip-hostile-readers-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('VisA split CSV', () => {
  it('refuses the labels constructor, __proto__ and toString instead of reading them off a prototype', async () => {
    const root = join(tmp, 'visa-proto');
    await makeVisa(root);
    for (const label of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      await writeFile(join(root, 'split_csv/1cls.csv'), `object,split,label,image,mask\ncandle,test,${label},candle/Data/Images/Normal/0002.JPG,\n`);
      await expect(readVisa(root)).rejects.toThrow(`1cls.csv:2 has label "${label}", expected normal or anomaly`);
    }
  });

  it('parses quoting, CRLF/LF/CR mixes, a BOM and blank lines with csv-parse, keeping start lines', () => {
    const rows = parseCsv('\ufeffa,b\r\n\r\n"x, y","multi\nline"\n  \nlast,"q""uote"\rc,d');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['x, y', 'multi\nline'] },
      { line: 6, fields: ['last', 'q"uote'] },
      { line: 7, fields: ['c', 'd'] },
    ]);
  });

  it('names the CSV for malformed quoting', async () => {
    const root = join(tmp, 'visa-quote');
    await makeVisa(root);
    await writeFile(join(root, 'split_csv/1cls.csv'), 'object,split,label,image,mask\ncandle,test,"normal,x.JPG,\n');
    await expect(readVisa(root)).rejects.toThrow(/1cls\.csv is not valid CSV/);
  });
});

describe('manifests', () => {
  it('reports an image listed twice in one split, naming both lines', () => {
    const line = '{"image_path":"a/1.png","label":0,"class_name":"a"}';
    let err: unknown;
    try {
      parseManifest(`${line}\n{"image_path":"a/2.png","label":0,"class_name":"a"}\n${line}\n`, '/r', 'm.jsonl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    expect(err).toMatchObject({ line: 3, code: 'DUPLICATE' });
    expect((err as Error).message).toBe('m.jsonl:3: image "a/1.png" is listed again (first on line 1, test split); each image may appear once per split');
    // the same image in train and in test is two items, not a duplicate
    const both = parseManifest(`${line}\n${line.replace('}', ',"split":"train"}')}\n`, '/r', 'm.jsonl');
    expect(both.items.map((it) => it.split)).toEqual(['test', 'train']);
  });

  it('filters 200,000 distinct classes with sets (was O(items x classes))', async () => {
    const n = 200_000;
    const found = Array.from({ length: n }, (_, i) => `c${String(i).padStart(6, '0')}`);
    const wanted = found.filter((_, i) => i % 2 === 0);
    expect(pickClasses(found, wanted, '/r', 'readManifest').length).toBe(n / 2);
    const text = found.map((c) => `{"image_path":"${c}.png","label":0,"class_name":"${c}"}`).join('\n');
    const file = join(tmp, 'many.jsonl');
    await writeFile(file, text);
    const index = await readManifest(file, { verify: false, classes: wanted });
    expect(index.items.length).toBe(n / 2);
    expect(index.items[1]!.className).toBe('c000002');
  });

  it('lists at most 20 names when classes are missing', () => {
    const found = Array.from({ length: 100 }, (_, i) => `k${i}`);
    expect(() => pickClasses(found, ['nope'], '/r', 'readManifest')).toThrow(/found: k0, k1, .*k19, \.\.\. \(100 in all\)$/);
  });

  it('refuses a manifest that is a FIFO or a directory, naming it', async () => {
    await mkdir(join(tmp, 'dir.jsonl'));
    await expect(readManifest(join(tmp, 'dir.jsonl'))).rejects.toThrow(`readManifest: manifest ${join(tmp, 'dir.jsonl')} is a directory, not a regular file`);
  });
});

describe('masks', () => {
  it('refuses a colour image given as a mask, naming the file and a pixel', async () => {
    await writeImage(join(tmp, 'm/img.png'));
    await writeImage(join(tmp, 'm/photo-as-mask.png'), 3);
    const loader = new DatasetLoader(
      [{ imagePath: join(tmp, 'm/img.png'), maskPath: join(tmp, 'm/photo-as-mask.png'), label: 1, className: 'part', split: 'test' }],
      { size: 4 },
    );
    const err = await loader.get(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetLoadError);
    expect((err as Error).message).toMatch(/^mask .*photo-as-mask\.png is a colour image \(pixel 0, 0 is RGB 93, 100, 107\), not a mask/);
  });

  it('accepts a gray mask stored as RGB (equal channels)', async () => {
    await writePng(join(tmp, 'm/rgb-gray-mask.png'), 8, 6, 3, (i) => (Math.floor(i / 3) % 8 < 4 ? 255 : 0));
    await writeMask(join(tmp, 'm/gray-mask.png'));
    const mk = (mask: string): DatasetLoader =>
      new DatasetLoader([{ imagePath: join(tmp, 'm/img.png'), maskPath: join(tmp, mask), label: 1, className: 'part', split: 'test' }], { size: 4 });
    const a = await mk('m/rgb-gray-mask.png').get(0);
    const b = await mk('m/gray-mask.png').get(0);
    expect(Array.from(a.mask!)).toEqual(Array.from(b.mask!));
    expect(Array.from(a.mask!)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
  });
});
