// Test helpers: tiny on-disk datasets in each layout (imported by *.test.ts only).
import { mkdir, writeFile } from 'node:fs/promises';
import { bmp24Header } from './bmp';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export const W = 8;
export const H = 6;

/** Writes a w x h PNG whose samples are `value(i)` (i = sample index). */
export async function writePng(path: string, w: number, h: number, channels: 1 | 3, value: (i: number) => number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const data = Uint8Array.from({ length: w * h * channels }, (_, i) => value(i) & 255);
  await sharp(data, { raw: { width: w, height: h, channels } }).png().toFile(path);
}

/** A colour image with a per-file pattern. */
export function writeImage(path: string, seed = 1, w = W, h = H): Promise<void> {
  return writePng(path, w, h, 3, (i) => (i * 7 + seed * 31) % 256);
}

/** A gray mask: 255 on the left half, 0 elsewhere (or `value` everywhere on the left half). */
export function writeMask(path: string, w = W, h = H, value = 255): Promise<void> {
  return writePng(path, w, h, 1, (i) => (i % w < w / 2 ? value : 0));
}

/** Minimal 24-bit BMP (bottom-up, BI_RGB); `gray`: equal B, G, R in each pixel (a mask, as BTAD stores them). */
export async function writeBmp(path: string, w = W, h = H, seed = 1, gray = false): Promise<void> {
  const { buf } = bmp24Header(w, h);
  for (let i = 54; i < buf.length; i++) buf[i] = ((gray ? Math.floor((i - 54) / 3) : i) * 5 + seed) % 256;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buf);
}

/**
 * MVTec AD layout: bottle (2 train good, 1 test good, 2 broken_large + masks) and
 * screw (1 train good, 1 test good, 1 scratch_head + mask), plus a license file.
 * 8 images: 3 train, 5 test; 3 anomalous.
 */
export async function makeMvtec(root: string, classes: readonly string[] = ['bottle', 'screw']): Promise<void> {
  const [a, b] = classes;
  await writeImage(join(root, a, 'train/good/000.png'), 1);
  await writeImage(join(root, a, 'train/good/001.png'), 2);
  await writeImage(join(root, a, 'test/good/000.png'), 3);
  await writeImage(join(root, a, 'test/broken_large/000.png'), 4);
  await writeImage(join(root, a, 'test/broken_large/001.png'), 5);
  await writeMask(join(root, a, 'ground_truth/broken_large/000_mask.png'));
  await writeMask(join(root, a, 'ground_truth/broken_large/001_mask.png'));
  await writeImage(join(root, b, 'train/good/000.png'), 6);
  await writeImage(join(root, b, 'test/good/000.png'), 7);
  await writeImage(join(root, b, 'test/scratch_head/000.png'), 8);
  await writeMask(join(root, b, 'ground_truth/scratch_head/000_mask.png'));
  await writeFile(join(root, 'license.txt'), 'CC BY-NC-SA 4.0\n');
}

/**
 * VisA layout with split_csv/1cls.csv: candle (2 train normal, 1 test normal, 1 anomaly) and
 * pcb1 (1 train normal, 1 test normal, 1 anomaly). 7 rows.
 */
export async function makeVisa(root: string): Promise<void> {
  const rows = ['object,split,label,image,mask'];
  const add = async (obj: string, split: string, label: string, name: string, seed: number): Promise<void> => {
    const folder = label === 'normal' ? 'Normal' : 'Anomaly';
    const image = `${obj}/Data/Images/${folder}/${name}.JPG`;
    await mkdir(dirname(join(root, image)), { recursive: true });
    const data = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 3 + seed) % 256);
    await sharp(data, { raw: { width: W, height: H, channels: 3 } }).jpeg().toFile(join(root, image));
    let mask = '';
    if (label === 'anomaly') {
      mask = `${obj}/Data/Masks/Anomaly/${name}.png`;
      await writeMask(join(root, mask));
    }
    rows.push([obj, split, label, image, mask].join(','));
  };
  await add('candle', 'train', 'normal', '0000', 1);
  await add('candle', 'train', 'normal', '0001', 2);
  await add('candle', 'test', 'normal', '0002', 3);
  await add('candle', 'test', 'anomaly', '000', 4);
  await add('pcb1', 'train', 'normal', '0000', 5);
  await add('pcb1', 'test', 'normal', '0001', 6);
  await add('pcb1', 'test', 'anomaly', '000', 7);
  await mkdir(join(root, 'split_csv'), { recursive: true });
  await writeFile(join(root, 'split_csv/1cls.csv'), `${rows.join('\r\n')}\r\n`);
}

/**
 * BTAD layout: 01 (BMP images, PNG masks: 2 train ok, 1 test ok, 2 ko) and
 * 03 (BMP images and masks: 1 train ok, 1 test ok, 1 ko). 8 images, 3 anomalous.
 */
export async function makeBtad(root: string): Promise<void> {
  await writeBmp(join(root, '01/train/ok/0000.bmp'), W, H, 1);
  await writeBmp(join(root, '01/train/ok/0001.bmp'), W, H, 2);
  await writeBmp(join(root, '01/test/ok/0000.bmp'), W, H, 3);
  await writeBmp(join(root, '01/test/ko/0000.bmp'), W, H, 4);
  await writeBmp(join(root, '01/test/ko/0001.bmp'), W, H, 5);
  await writeMask(join(root, '01/ground_truth/ko/0000.png'));
  await writeMask(join(root, '01/ground_truth/ko/0001.png'));
  await writeBmp(join(root, '03/train/ok/0000.bmp'), W, H, 6);
  await writeBmp(join(root, '03/test/ok/0000.bmp'), W, H, 7);
  await writeBmp(join(root, '03/test/ko/0000.bmp'), W, H, 8);
  await writeBmp(join(root, '03/ground_truth/ko/0000.bmp'), W, H, 9, true);
}

/**
 * Generic folder layout: widget (2 good, 2 dent with masks/dent/*.png, 1 crack without mask)
 * and gear (1 good, 1 chip with ground_truth/chip/*_mask.png). 7 images, 4 anomalous, 3 masks.
 */
export async function makeFolder(root: string): Promise<void> {
  await writeImage(join(root, 'widget/good/a.png'), 1);
  await writeImage(join(root, 'widget/good/b.png'), 2);
  await writeImage(join(root, 'widget/dent/c.png'), 3);
  await writeImage(join(root, 'widget/dent/d.png'), 4);
  await writeMask(join(root, 'widget/masks/dent/c.png'));
  await writeMask(join(root, 'widget/masks/dent/d.png'));
  await writeImage(join(root, 'widget/crack/e.png'), 5);
  await writeImage(join(root, 'gear/good/a.png'), 6);
  await writeImage(join(root, 'gear/chip/b.png'), 7);
  await writeMask(join(root, 'gear/ground_truth/chip/b_mask.png'));
}
