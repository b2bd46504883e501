import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessImage, preprocessMask, resizeBicubicPil, toRgb } from '@aaclip/core';
import { decodeImageFile } from '@aaclip/backend-node';
import { readBtad } from './btad';
import { DatasetLoader, DatasetLoadError, type DatasetBatch } from './loader';
import { readMvtec } from './mvtec';
import { makeBtad, makeMvtec, writeImage, writeMask } from '../../../../test-utils/dataset-layouts';
import type { DatasetItem } from './types';

const S = 4;
let tmp = '';
let items: DatasetItem[] = [];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aaclip-loader-'));
  await makeMvtec(join(tmp, 'mvtec'));
  items = (await readMvtec(join(tmp, 'mvtec'))).items;
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const item = (name: string, maskPath: string | null = null, label: 0 | 1 = maskPath ? 1 : 0): DatasetItem => ({
  imagePath: join(tmp, name),
  maskPath: maskPath === null ? null : join(tmp, maskPath),
  label,
  className: 'part',
  split: 'test',
});

async function collect(gen: AsyncGenerator<DatasetBatch>): Promise<DatasetBatch[]> {
  const out: DatasetBatch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

describe('DatasetLoader.get', () => {
  it('returns the CLIP input, the resized 8-bit RGB and the binarised mask', async () => {
    const loader = new DatasetLoader(items, { size: S });
    const i = items.findIndex((it) => it.label === 1);
    const s = await loader.get(i);
    const img = await decodeImageFile(items[i].imagePath);
    expect(s.index).toBe(i);
    expect(s.item).toEqual(items[i]);
    expect(s.image).toBeInstanceOf(Float32Array);
    expect(s.image).toHaveLength(S * S * 3);
    expect(Array.from(s.image)).toEqual(Array.from(preprocessImage(img, S)));
    expect(s.rgb).toBeInstanceOf(Uint8Array);
    expect(Array.from(s.rgb)).toEqual(Array.from(resizeBicubicPil(toRgb(img), S, S).data));
    // Mask: 255 on the left half of 8 columns -> nearest resize to 4 columns -> 1 1 0 0 per row.
    expect(Array.from(s.mask!)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(s.mask!)).toEqual(Array.from(preprocessMask(await decodeImageFile(items[i].maskPath!), S)));
    const normal = await loader.get(items.findIndex((it) => it.label === 0));
    expect(normal.mask).toBeNull();
  });

  it('binarises any non-zero mask value', async () => {
    await writeImage(join(tmp, 'm/img.png'));
    await writeMask(join(tmp, 'm/faint.png'), 8, 6, 1);
    await writeMask(join(tmp, 'm/mid.png'), 8, 6, 128);
    const loader = new DatasetLoader([item('m/img.png', 'm/faint.png'), item('m/img.png', 'm/mid.png')], { size: 2 });
    expect(Array.from((await loader.get(0)).mask!)).toEqual([1, 0, 1, 0]);
    expect(Array.from((await loader.get(1)).mask!)).toEqual([1, 0, 1, 0]);
  });

  it('decodes BMP images with PNG or BMP masks (BTAD)', async () => {
    await makeBtad(join(tmp, 'btad'));
    const btad = (await readBtad(join(tmp, 'btad'))).items.filter((it) => it.label === 1);
    const loader = new DatasetLoader(btad, { size: 3 });
    for (let i = 0; i < btad.length; i++) {
      const s = await loader.get(i);
      expect(s.image).toHaveLength(27);
      expect(s.mask).toHaveLength(9);
      expect(s.mask!.every((v) => v === 0 || v === 1)).toBe(true);
    }
  });

  it('names both files and sizes when a mask does not match its image', async () => {
    await writeImage(join(tmp, 'sz/img.png'), 1, 8, 6);
    await writeMask(join(tmp, 'sz/mask.png'), 6, 8);
    const loader = new DatasetLoader([item('sz/img.png', 'sz/mask.png')], { size: S });
    const err = await loader.get(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetLoadError);
    expect((err as Error).message).toBe(
      `mask ${join(tmp, 'sz/mask.png')} is 6x8 but its image ${join(tmp, 'sz/img.png')} is 8x6 (item 0)`,
    );
    expect((err as DatasetLoadError).path).toBe(join(tmp, 'sz/mask.png'));
  });

  it('names missing and undecodable files', async () => {
    await writeImage(join(tmp, 'ok.png'));
    await writeFile(join(tmp, 'junk.png'), 'not an image');
    const loader = new DatasetLoader(
      [item('absent.png'), item('ok.png', 'absent_mask.png'), item('junk.png')],
      { size: S },
    );
    await expect(loader.get(0)).rejects.toThrow(`image file not found: ${join(tmp, 'absent.png')} (item 0, class part)`);
    await expect(loader.get(1)).rejects.toThrow(
      `mask file not found: ${join(tmp, 'absent_mask.png')} (item 1, class part, image ${join(tmp, 'ok.png')})`,
    );
    await expect(loader.get(2)).rejects.toThrow(new RegExp(`cannot read image file ${join(tmp, 'junk.png')} \\(item 2, class part\\): `));
    await expect(loader.get(3)).rejects.toThrow(/index must be an integer in \[0, 3\), got 3/);
  });

  it('validates items and options up front (labels in {0, 1})', () => {
    expect(() => new DatasetLoader([{ ...item('a.png'), label: 2 as 0 }], { size: S })).toThrow(
      `DatasetLoader: items[0].label must be 0 or 1, got 2 (${join(tmp, 'a.png')})`,
    );
    expect(() => new DatasetLoader([{ ...item('a.png'), imagePath: '' }], { size: S })).toThrow(/items\[0\].imagePath must be a non-empty string/);
    expect(() => new DatasetLoader([item('a.png')], { size: 0 })).toThrow(/size must be a positive integer, got 0/);
    expect(() => new DatasetLoader([item('a.png')], { size: S, concurrency: 0 })).toThrow(/concurrency must be a positive integer, got 0/);
    expect(() => new DatasetLoader([item('a.png')], { size: S, onError: 'ignore' as 'skip' })).toThrow(/onError must be 'skip' or 'stop', got "ignore"/);
    // Nothing is read at construction: missing files only matter when loaded.
    expect(new DatasetLoader([item('absent.png')], { size: S }).length).toBe(1);
  });
});

describe('DatasetLoader.batches', () => {
  it('stacks samples into batches in order', async () => {
    const loader = new DatasetLoader(items, { size: S, concurrency: 3 });
    const batches = await collect(loader.batches(3));
    expect(batches.map((b) => b.size)).toEqual([3, 3, 2]);
    expect(batches.flatMap((b) => b.indices)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = batches[0];
    expect(b.images).toHaveLength(3 * S * S * 3);
    expect(b.rgb).toHaveLength(3 * S * S * 3);
    expect(b.masks).toHaveLength(3 * S * S);
    expect(Array.from(b.labels)).toEqual(items.slice(0, 3).map((it) => it.label));
    expect(Array.from(b.hasMask)).toEqual(items.slice(0, 3).map((it) => (it.maskPath ? 1 : 0)));
    for (let k = 0; k < 3; k++) {
      const s = await loader.get(k);
      expect(Array.from(b.images.subarray(k * S * S * 3, (k + 1) * S * S * 3))).toEqual(Array.from(s.image));
      expect(Array.from(b.masks.subarray(k * S * S, (k + 1) * S * S))).toEqual(s.mask ? Array.from(s.mask) : new Array(S * S).fill(0));
    }
    expect((await collect(loader.batches(3, { dropLast: true }))).map((x) => x.size)).toEqual([3, 3]);
  });

  it('shuffles deterministically from a seed', async () => {
    const loader = new DatasetLoader(items, { size: 2 });
    const order = async (seed: number): Promise<number[]> => (await collect(loader.batches(8, { shuffleSeed: seed })))[0].indices;
    const a = await order(3);
    expect(await order(3)).toEqual(a);
    expect([...a].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const others = await Promise.all([4, 5, 6].map(order));
    expect(others.some((o) => o.join() !== a.join())).toBe(true);
  });

  it('decodes lazily: stopping after one batch never touches later items', async () => {
    await writeImage(join(tmp, 'ok.png'));
    // Items 4.. do not exist; with 2 decodes in flight only items 0..3 can have been read.
    const list = [0, 1, 2, 3].map(() => item('ok.png')).concat([4, 5, 6, 7, 8, 9].map((i) => item(`missing-${i}.png`)));
    const loader = new DatasetLoader(list, { size: S, concurrency: 2 });
    for await (const b of loader.batches(2)) {
      expect(b.indices).toEqual([0, 1]);
      break;
    }
    await expect(collect(loader.batches(2))).rejects.toThrow(`image file not found: ${join(tmp, 'missing-4.png')}`);
  });

  it("skips failing items under onError: 'skip' and stops under 'stop'", async () => {
    await writeImage(join(tmp, 'ok.png'));
    const list = [item('ok.png'), item('gone.png'), item('ok.png'), item('ok.png')];
    const skip = new DatasetLoader(list, { size: S, onError: 'skip' });
    const batches = await collect(skip.batches(2));
    expect(batches.map((b) => b.indices)).toEqual([[0, 2], [3]]);
    expect(skip.skipped).toEqual([
      { index: 1, item: list[1], reason: `image file not found: ${join(tmp, 'gone.png')} (item 1, class part)` },
    ]);
    const stop = new DatasetLoader(list, { size: S });
    await expect(collect(stop.batches(2))).rejects.toThrow(`image file not found: ${join(tmp, 'gone.png')}`);
    await expect(collect(stop.batches(0))).rejects.toThrow(/batchSize must be a positive integer, got 0/);
  });
});
