import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from '@aaclip/core';
import { decodeImage, DEFAULT_MAX_IMAGE_PIXELS } from './image-io';

async function rejection(p: Promise<unknown>): Promise<ImageDecodeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof ImageDecodeError) return e;
  throw new Error(`expected an ImageDecodeError, got ${String(e)}`);
}

describe('decodeImage on hostile files', () => {
  it('checks dimensions against maxPixels from the header, before decoding', async () => {
    const png = new Uint8Array(await sharp({ create: { width: 64, height: 32, channels: 3, background: '#808080' } }).png().toBuffer());
    expect((await decodeImage(png, 'ok.png', { maxPixels: 2048 })).width).toBe(64);
    const e = await rejection(decodeImage(png, 'big.png', { maxPixels: 2047 }));
    expect(e.message).toMatch(/^cannot decode image big\.png: (64 x 32 pixels is more than maxPixels 2047|.*pixel limit)/);
    expect(DEFAULT_MAX_IMAGE_PIXELS).toBe(8192 * 8192);
    await expect(decodeImage(png, 'x.png', { maxPixels: 0 })).rejects.toThrow(RangeError);
  });

  it('refuses a BMP declaring huge dimensions, and wraps BMP decoder failures', async () => {
    const bmp = new Uint8Array(70);
    const dv = new DataView(bmp.buffer);
    bmp.set([0x42, 0x4d]);
    dv.setUint32(10, 66, true);
    dv.setUint32(14, 40, true);
    dv.setInt32(18, 100_000, true);
    dv.setInt32(22, -100_000, true);
    dv.setUint16(28, 24, true);
    expect((await rejection(decodeImage(bmp, 'huge.bmp'))).message).toBe('cannot decode image huge.bmp: BMP of 100000 x 100000 pixels is more than maxPixels 67108864');
    // a 52-byte header with alpha bit fields reads masks past its end
    dv.setInt32(18, 2, true);
    dv.setInt32(22, 2, true);
    dv.setUint32(14, 52, true);
    dv.setUint16(28, 32, true);
    dv.setUint32(30, 6, true);
    expect((await rejection(decodeImage(bmp.subarray(0, 66), 'masks.bmp'))).fileName).toBe('masks.bmp');
  });

  it('refuses formats outside the raster list (SVG)', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>');
    expect((await rejection(decodeImage(svg, 'vector.svg'))).message).toMatch(/unsupported image format svg/);
  });
});
