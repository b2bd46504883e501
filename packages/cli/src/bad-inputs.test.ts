// The bad-input table: each case is rejected with an error that names the problem.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { detCrossEntropy } from '@aaclip/core/train';
import { ImageDecodeError, preprocessImage, toRgb } from '@aaclip/core';
import { decodeImage } from '@aaclip/backend-node';
import { DatasetLoader, readManifest } from './datasets/index';
import { loadDetector } from '@aaclip/backend-node';
import { repoRoot } from '../../../test-utils/fixtures';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-bad-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const png = (w: number, h: number, ch: 1 | 3) => sharp(Buffer.alloc(w * h * ch, 128), { raw: { width: w, height: h, channels: ch } }).png().toBuffer();

describe('bad inputs are rejected with a clear error', () => {
  it('zero-size and empty images', async () => {
    expect(() => preprocessImage({ width: 0, height: 10, channels: 3, data: new Uint8Array(0) }, 64)).toThrow(/width|size|0/);
    await expect(decodeImage(new Uint8Array(0), 'empty.png')).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(decodeImage(new Uint8Array(0), 'empty.png')).rejects.toThrow('empty.png');
  });

  it('images larger than the limit', async () => {
    const big = await png(300, 200, 3);
    await expect(decodeImage(big, 'big.png', { maxPixels: 50_000 })).rejects.toThrow(/big\.png.*(pixel limit|60000|300 ?x ?200)/s);
  });

  it('wrong channel counts', async () => {
    expect(() => toRgb({ width: 2, height: 2, channels: 5 as never, data: new Uint8Array(20) })).toThrow(/channels/);
    const { detector } = await loadDetector({ model: join(repoRoot, 'packages/backend-node/models/demo.safetensors') });
    try {
      const gray = tf.zeros([1, 64, 64, 1]) as tf.Tensor4D;
      await expect(detector.detect(gray, { className: 'wood' })).rejects.toThrow(/NHWC \[B, S, S, 3\], got shape \[1,64,64,1\]/);
      const zero = tf.zeros([0, 64, 64, 3]) as tf.Tensor4D;
      await expect(detector.detect(zero, { className: 'wood' })).rejects.toThrow(/empty batch or zero-size images/);
      // empty class names
      const ok = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
      await expect(detector.detect(ok, { className: '  ' })).rejects.toThrow(/className must be a non-empty string/);
      tf.dispose([gray, zero, ok]);
    } finally {
      detector.dispose();
    }
  });

  it('labels outside {0, 1}', async () => {
    const det = tf.ones([1, 4]) as tf.Tensor2D;
    const a = tf.ones([4, 2]) as tf.Tensor2D;
    expect(() => detCrossEntropy(det, [a], [2])).toThrow('label 2 of image 0 is not 0 or 1');
    tf.dispose([det, a]);
    const m = join(dir, 'labels.jsonl');
    writeFileSync(m, `${JSON.stringify({ image_path: 'a.png', label: 3, class_name: 'x', mask_path: '' })}\n`);
    await expect(readManifest(m, { verify: false })).rejects.toThrow(/label/);
  });

  it('manifests with missing files', async () => {
    const m = join(dir, 'missing.jsonl');
    writeFileSync(m, `${JSON.stringify({ image_path: 'nowhere/a.png', label: 0, class_name: 'x', mask_path: '' })}\n`);
    await expect(readManifest(m)).rejects.toThrow(/nowhere\/a\.png/);
  });

  it('masks whose size differs from their image', async () => {
    mkdirSync(join(dir, 'mm'), { recursive: true });
    const img = join(dir, 'mm', 'img.png');
    const mask = join(dir, 'mm', 'mask.png');
    writeFileSync(img, await png(40, 30, 3));
    writeFileSync(mask, await png(20, 20, 1));
    const loader = new DatasetLoader([{ imagePath: img, maskPath: mask, label: 1, className: 'x', split: 'test' }], { size: 32 });
    await expect(loader.get(0)).rejects.toThrow(/20.?x.?20|40.?x.?30/);
  });
});
