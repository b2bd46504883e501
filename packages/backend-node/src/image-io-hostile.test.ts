import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from '@aaclip/core';
import { decodeImage, DEFAULT_MAX_IMAGE_ASPECT_RATIO, DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_IMAGE_SIDE } from './image-io';

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

  // Issue 14 item 3: a 1 x 4,000,000 image passed the pixel bound and cost 74 s and 1.7 GiB in
  // preprocessImage, which then threw a RangeError outside the decode error handling.
  it('refuses a 1 x 4,000,000 strip from its header, as an ImageDecodeError naming the ratio', async () => {
    const strip = new Uint8Array(await sharp(new Uint8Array(4_000_000), { raw: { width: 1, height: 4_000_000, channels: 1 } }).png().toBuffer());
    const e = await rejection(decodeImage(strip, 'strip.png'));
    expect(e.message).toBe('cannot decode image strip.png: PNG of 1 x 4000000 pixels has an aspect ratio of 4000000:1, more than maxAspectRatio 32');
    expect(DEFAULT_MAX_IMAGE_ASPECT_RATIO).toBe(32);
  });

  it('bounds each side and the aspect ratio, both adjustable', async () => {
    const png = (w: number, h: number): Promise<Uint8Array> =>
      sharp({ create: { width: w, height: h, channels: 3, background: '#808080' } }).png().toBuffer().then((b) => new Uint8Array(b));
    const wide = await png(330, 10);
    expect((await rejection(decodeImage(wide, 'wide.png'))).message).toBe('cannot decode image wide.png: PNG of 330 x 10 pixels has an aspect ratio of 33.0:1, more than maxAspectRatio 32');
    expect((await decodeImage(wide, 'wide.png', { maxAspectRatio: 33 })).width).toBe(330);
    expect((await decodeImage(await png(320, 10), 'ok.png')).width).toBe(320);
    expect((await rejection(decodeImage(await png(300, 200), 'side.png', { maxSide: 299 }))).message).toBe(
      'cannot decode image side.png: PNG of 300 x 200 pixels: a side is longer than maxSide 299',
    );
    expect(DEFAULT_MAX_IMAGE_SIDE).toBe(16_384);
    await expect(decodeImage(wide, 'x.png', { maxAspectRatio: 0.5 })).rejects.toThrow('maxAspectRatio must be a number >= 1, got 0.5');
  });

  it('applies the shape bounds to a BMP header too', async () => {
    const bmp = new Uint8Array(54 + 4 * 40);
    const dv = new DataView(bmp.buffer);
    bmp.set([0x42, 0x4d]);
    dv.setUint32(10, 54, true);
    dv.setUint32(14, 40, true);
    dv.setInt32(18, 1, true);
    dv.setInt32(22, 40, true);
    dv.setUint16(28, 24, true);
    expect((await rejection(decodeImage(bmp, 'strip.bmp'))).message).toBe('cannot decode image strip.bmp: BMP of 1 x 40 pixels has an aspect ratio of 40.0:1, more than maxAspectRatio 32');
  });
});
