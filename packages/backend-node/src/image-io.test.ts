import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { bmp24Header } from '../../../test-utils/bmp';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '@aaclip/core';
import { decodeImage, decodeImageFile, encodePng, writePngAtomic } from './image-io';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aaclip-image-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** w x h x c bytes with a distinct value per sample. */
function ramp(w: number, h: number, c: number, step = 7): Uint8Array {
  return Uint8Array.from({ length: w * h * c }, (_, i) => (i * step) % 256);
}

/** Writes `bytes` to a file in the temp folder and decodes it from there. */
async function viaFile(name: string, bytes: Uint8Array) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return decodeImageFile(path);
}

/** Minimal 24-bit bottom-up BMP writer (BITMAPINFOHEADER, BI_RGB) for RGB input. */
function bmp24(w: number, h: number, rgb: Uint8Array): Uint8Array {
  const { buf, rowSize } = bmp24Header(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      buf.set([rgb[s + 2]!, rgb[s + 1]!, rgb[s]!], 54 + (h - 1 - y) * rowSize + x * 3);
    }
  }
  return buf;
}

describe('decodeImage / decodeImageFile', () => {
  it('PNG: RGB, RGBA, gray, gray + alpha, palette keep their values', async () => {
    const rgb = ramp(5, 3, 3);
    const p1 = await sharp(rgb, { raw: { width: 5, height: 3, channels: 3 } }).png().toBuffer();
    const a = await viaFile('rgb.png', p1);
    expect([a.width, a.height, a.channels]).toEqual([5, 3, 3]);
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(a.data)).toBe(false);
    expect(Array.from(a.data)).toEqual(Array.from(rgb));

    const rgba = ramp(4, 4, 4, 13);
    const p2 = await sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } }).png().toBuffer();
    const b = await decodeImage(p2, 'rgba.png');
    expect([b.channels, Array.from(b.data)]).toEqual([4, Array.from(rgba)]);

    const gray = ramp(6, 2, 1, 21);
    const p3 = await sharp(gray, { raw: { width: 6, height: 2, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    const c = await decodeImage(p3, 'gray.png');
    expect([c.width, c.height, c.channels, Array.from(c.data)]).toEqual([6, 2, 1, Array.from(gray)]);

    const ga = ramp(3, 3, 2, 29);
    const p4 = await sharp(ga, { raw: { width: 3, height: 3, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(p4).metadata()).channels).toBe(2);
    const d = await decodeImage(p4, 'ga.png');
    expect([d.channels, Array.from(d.data)]).toEqual([2, Array.from(ga)]);

    // Palette PNG of 4 exact colours: lossless after quantisation.
    const cols = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
    const pal = Uint8Array.from({ length: 16 * 3 }, (_, i) => cols[Math.floor(i / 3) % 4]![i % 3]!);
    const p5 = await sharp(pal, { raw: { width: 4, height: 4, channels: 3 } }).png({ palette: true, colours: 4, dither: 0 }).toBuffer();
    expect((await sharp(p5).metadata()).isPalette).toBe(true);
    const e = await viaFile('pal.png', p5);
    expect([e.channels, Array.from(e.data)]).toEqual([3, Array.from(pal)]);
  });

  it('16-bit PNG stays 16-bit (gray and RGB)', async () => {
    const g = Uint16Array.from({ length: 12 }, (_, i) => i * 5000 + 7);
    const p = await sharp(g, { raw: { width: 4, height: 3, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const a = await viaFile('g16.png', p);
    expect(a.data).toBeInstanceOf(Uint16Array);
    expect([a.width, a.height, a.channels, Array.from(a.data)]).toEqual([4, 3, 1, Array.from(g)]);
    const c = Uint16Array.from({ length: 2 * 2 * 4 }, (_, i) => (i * 4099) & 0xffff);
    const p2 = await sharp(c, { raw: { width: 2, height: 2, channels: 4 } }).toColourspace('rgb16').png().toBuffer();
    const b = await decodeImage(p2, 'rgba16.png');
    expect(b.data).toBeInstanceOf(Uint16Array);
    expect([b.channels, Array.from(b.data)]).toEqual([4, Array.from(c)]);
  });

  it('JPEG (lossy, close), TIFF (lossless) and BMP', async () => {
    // A smooth image survives JPEG at quality 100 within a few levels.
    const w = 16;
    const h = 8;
    const smooth = Uint8Array.from({ length: w * h * 3 }, (_, i) => 60 + (Math.floor(i / 3) % w) * 4 + (i % 3) * 10);
    const jpg = await sharp(smooth, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
    const a = await viaFile('x.jpg', jpg);
    expect([a.width, a.height, a.channels]).toEqual([w, h, 3]);
    const maxDiff = Math.max(...Array.from(a.data, (v, i) => Math.abs(v - smooth[i]!)));
    expect(maxDiff).toBeLessThanOrEqual(3);
    const grayJpg = await sharp(ramp(8, 8, 1, 0), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').jpeg().toBuffer();
    expect((await decodeImage(grayJpg, 'g.jpg')).channels).toBe(1);

    const rgba = ramp(3, 5, 4, 11);
    const tif = await sharp(rgba, { raw: { width: 3, height: 5, channels: 4 } }).tiff({ compression: 'lzw' }).toBuffer();
    const b = await viaFile('x.tif', tif);
    expect([b.width, b.height, b.channels, Array.from(b.data)]).toEqual([3, 5, 4, Array.from(rgba)]);

    const rgb = ramp(3, 2, 3, 17);
    const c = await viaFile('x.bmp', bmp24(3, 2, rgb));
    expect([c.width, c.height, c.channels, Array.from(c.data)]).toEqual([3, 2, 3, Array.from(rgb)]);
  });

  it('corrupt, truncated, empty or unknown files raise ImageDecodeError naming the file', async () => {
    const png = await sharp(ramp(8, 8, 3), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
    const cutPath = join(dir, 'cut.png');
    await writeFile(cutPath, png.subarray(0, 40));
    const err = await decodeImageFile(cutPath).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).fileName).toBe(cutPath);
    expect((err as Error).message).toContain(`cannot decode image ${cutPath}:`);

    await expect(viaFile('junk.png', new TextEncoder().encode('not an image at all'))).rejects.toThrow(
      /cannot decode image .*junk\.png: .*unsupported image format/,
    );
    await expect(decodeImage(new Uint8Array(0), 'empty.jpg')).rejects.toThrow(/cannot decode image empty\.jpg: the file is empty/);
    const badBmp = bmp24(4, 4, ramp(4, 4, 3)).subarray(0, 70);
    await expect(decodeImage(badBmp, 'short.bmp')).rejects.toThrow(/short\.bmp: BMP: truncated pixel data/);
    await expect(decodeImageFile(join(dir, 'missing.png'))).rejects.toThrow(/ENOENT.*missing\.png/);
  });
});

describe('encodePng / writePngAtomic', () => {
  it('round-trips 8-bit gray, gray + alpha, RGB, RGBA and 16-bit', async () => {
    for (const channels of [1, 2, 3, 4] as const) {
      const img = { width: 5, height: 3, channels, data: ramp(5, 3, channels, 37) };
      const back = await decodeImage(await encodePng(img), `enc${channels}.png`);
      expect([back.width, back.height, back.channels, Array.from(back.data)]).toEqual([5, 3, channels, Array.from(img.data)]);
    }
    const u16 = { width: 2, height: 2, channels: 3 as const, data: Uint16Array.from({ length: 12 }, (_, i) => i * 5461) };
    const back16 = await decodeImage(await encodePng(u16), 'enc16.png');
    expect(back16.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(back16.data)).toEqual(Array.from(u16.data));
    const f = { width: 3, height: 1, channels: 1 as const, data: new Float32Array([0, 0.5, 2]) };
    expect(Array.from((await decodeImage(await encodePng(f), 'f.png')).data)).toEqual([0, 128, 255]);
    await expect(encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(3) })).rejects.toThrow(
      /encodePng: img: data has 3 samples, expected 12/,
    );
  });

  it('writes atomically over an existing file and leaves no temporary file', async () => {
    const path = join(dir, 'atomic.png');
    await writeFile(path, 'old contents');
    const img = { width: 2, height: 2, channels: 3 as const, data: ramp(2, 2, 3, 50) };
    await writePngAtomic(path, img);
    const back = await decodeImage(new Uint8Array(await readFile(path)), path);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
    expect((await readdir(dir)).filter((n) => n.includes('atomic.png') && n.endsWith('.tmp'))).toEqual([]);
    await expect(writePngAtomic(join(dir, 'no-such-dir', 'x.png'), img)).rejects.toThrow(/ENOENT/);
  });
});
