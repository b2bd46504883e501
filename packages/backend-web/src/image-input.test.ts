import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toRgb, type RawImage } from '@aaclip/core';
import { drawOverlay } from './draw-overlay';
import { blendHeatmap } from './heatmap';
import { imageToRawImage } from './image-input';

// A minimal 2-D canvas for Node: RGBA pixels, drawImage with nearest scaling, get/putImageData.
class FakeImageData {
  readonly data: Uint8ClampedArray;
  constructor(a: Uint8ClampedArray | number, b: number, c?: number) {
    if (typeof a === 'number') {
      this.width = a;
      this.height = b;
      this.data = new Uint8ClampedArray(a * b * 4);
    } else {
      this.data = a;
      this.width = b;
      this.height = c ?? a.length / 4 / b;
    }
  }
  readonly width: number;
  readonly height: number;
}

interface PixelSource {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

class FakeContext {
  imageSmoothingQuality = 'low';
  readonly draws: unknown[][] = [];
  constructor(readonly canvas: FakeCanvas) {}
  drawImage(src: PixelSource, dx: number, dy: number, dw: number, dh: number): void {
    this.draws.push([src, dx, dy, dw, dh]);
    const c = this.canvas;
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) {
        const sx = Math.floor((x * src.width) / dw);
        const sy = Math.floor((y * src.height) / dh);
        c.pixels.set(src.pixels.subarray((sy * src.width + sx) * 4, (sy * src.width + sx) * 4 + 4), ((dy + y) * c.width + dx + x) * 4);
      }
    }
  }
  getImageData(x: number, y: number, w: number, h: number): FakeImageData {
    if (this.canvas.tainted) throw Object.assign(new Error('The canvas has been tainted by cross-origin data.'), { name: 'SecurityError' });
    expect([x, y, w, h]).toEqual([0, 0, this.canvas.width, this.canvas.height]);
    return new FakeImageData(this.canvas.pixels.slice(), w, h);
  }
  putImageData(img: FakeImageData, x: number, y: number): void {
    expect([x, y, img.width, img.height]).toEqual([0, 0, this.canvas.width, this.canvas.height]);
    this.canvas.pixels.set(img.data);
  }
}

class FakeCanvas implements PixelSource {
  pixels: Uint8ClampedArray;
  tainted = false;
  private ctx: FakeContext | null = null;
  private w: number;
  private h: number;
  constructor(w: number, h: number) {
    this.w = w;
    this.h = h;
    this.pixels = new Uint8ClampedArray(w * h * 4);
  }
  get width(): number {
    return this.w;
  }
  set width(v: number) {
    this.w = v;
    this.pixels = new Uint8ClampedArray(this.w * this.h * 4);
  }
  get height(): number {
    return this.h;
  }
  set height(v: number) {
    this.h = v;
    this.pixels = new Uint8ClampedArray(this.w * this.h * 4);
  }
  getContext(kind: string): FakeContext | null {
    if (kind !== '2d') return null;
    this.ctx ??= new FakeContext(this);
    return this.ctx;
  }
}

/** A 3 x 2 canvas with distinct RGBA pixels. */
function sourceCanvas(): FakeCanvas {
  const c = new FakeCanvas(3, 2);
  c.pixels = Uint8ClampedArray.from({ length: 24 }, (_, i) => (i * 29 + 5) & 255);
  return c;
}

beforeEach(() => {
  vi.stubGlobal('OffscreenCanvas', FakeCanvas);
  vi.stubGlobal('ImageData', FakeImageData);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('imageToRawImage', () => {
  it('returns a valid RawImage as is and rejects a malformed one', async () => {
    const raw: RawImage = { width: 2, height: 1, channels: 3, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    expect(await imageToRawImage(raw)).toBe(raw);
    await expect(imageToRawImage({ width: 2, height: 1, channels: 3, data: new Uint8Array(5) })).rejects.toThrow('imageToRawImage: data has 5 samples, expected 6 (2 x 1 x 3)');
  });

  it('wraps ImageData without copying', async () => {
    const d = new FakeImageData(Uint8ClampedArray.from({ length: 8 }, (_, i) => i * 10), 2, 1);
    const raw = await imageToRawImage(d as unknown as ImageData);
    expect(raw).toMatchObject({ width: 2, height: 1, channels: 4 });
    expect(Array.from(raw.data)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(raw.data.buffer).toBe(d.data.buffer);
    await expect(imageToRawImage({ width: 2, height: 2, data: new Uint8ClampedArray(8) } as unknown as ImageData)).rejects.toThrow(
      'imageToRawImage: ImageData has 8 bytes, expected 16 (2 x 2 x 4)',
    );
  });

  it('draws canvases (and bitmaps) at their size and reads the pixels back', async () => {
    const src = sourceCanvas();
    const raw = await imageToRawImage(src as unknown as OffscreenCanvas);
    expect(raw).toMatchObject({ width: 3, height: 2, channels: 4 });
    expect(Array.from(raw.data)).toEqual(Array.from(src.pixels));
    const empty = new FakeCanvas(0, 0);
    await expect(imageToRawImage(empty as unknown as OffscreenCanvas)).rejects.toThrow('imageToRawImage: image is 0 x 0 (not loaded, or empty)');
  });

  it('decodes a Blob with createImageBitmap, without colour conversion, and closes the bitmap', async () => {
    const bitmap = Object.assign(sourceCanvas(), { close: vi.fn() });
    const create = vi.fn(async () => bitmap);
    vi.stubGlobal('createImageBitmap', create);
    const blob = new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' });
    const raw = await imageToRawImage(blob);
    expect(create).toHaveBeenCalledWith(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    expect(Array.from(raw.data)).toEqual(Array.from(bitmap.pixels));
    expect(bitmap.close).toHaveBeenCalledTimes(1);
    vi.stubGlobal('createImageBitmap', async () => Promise.reject(new Error('The source image could not be decoded.')));
    await expect(imageToRawImage(blob)).rejects.toThrow('imageToRawImage: the image cannot be decoded (image/png, 4 bytes): The source image could not be decoded.');
  });

  it('explains cross-origin images and rejects unsupported inputs', async () => {
    const src = sourceCanvas();
    const realGet = FakeContext.prototype.getImageData;
    vi.spyOn(FakeContext.prototype, 'getImageData').mockImplementation(function (this: FakeContext, ...a: [number, number, number, number]) {
      this.canvas.tainted = true;
      return realGet.apply(this, a);
    });
    await expect(imageToRawImage(src as unknown as OffscreenCanvas)).rejects.toThrow(/the image is cross-origin without CORS \(set crossOrigin = 'anonymous'/);
    vi.restoreAllMocks();
    await expect(imageToRawImage(42 as never)).rejects.toThrow('imageToRawImage: expected an image, canvas, ImageData, Blob or RawImage, got number');
    await expect(imageToRawImage(new Map() as never)).rejects.toThrow('imageToRawImage: unsupported input Map');
  });
});

describe('drawOverlay', () => {
  const raw: RawImage = { width: 3, height: 2, channels: 3, data: Uint8Array.from({ length: 18 }, (_, i) => (i * 41 + 7) & 255) };
  const map = new Float32Array([0.1, 0.9, 0.4, 0.3]); // 2 x 2

  function expectedPixels(rgb: Uint8Array, w: number, h: number, opts: { opacity?: number; min?: number; max?: number }): number[] {
    const px = new Uint8ClampedArray(w * h * 4);
    for (let p = 0; p < w * h; p++) px.set([rgb[p * 3]!, rgb[p * 3 + 1]!, rgb[p * 3 + 2]!, 255], p * 4);
    blendHeatmap(px, w, h, map, 2, opts);
    return Array.from(px);
  }

  it('resizes the canvas to the image and draws the blended map', async () => {
    const canvas = new FakeCanvas(10, 10);
    await drawOverlay(canvas as unknown as OffscreenCanvas, raw, map, 2, { opacity: 0.4 });
    expect([canvas.width, canvas.height]).toEqual([3, 2]);
    expect(Array.from(canvas.pixels)).toEqual(expectedPixels(raw.data as Uint8Array, 3, 2, { opacity: 0.4 }));
  });

  it('accepts any channel layout and an explicit output size', async () => {
    const gray: RawImage = { width: 2, height: 2, channels: 1, data: new Uint16Array([0, 65535, 32768, 1000]) };
    const canvas = new FakeCanvas(1, 1);
    await drawOverlay(canvas as unknown as OffscreenCanvas, gray, map, 2, { width: 4, height: 4, min: 0, max: 1 });
    expect([canvas.width, canvas.height]).toEqual([4, 4]);
    // The fake canvas scales by nearest neighbour; the map is resized by blendHeatmap itself.
    const rgb = toRgb(gray).data;
    const up = new Uint8Array(48);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) up.set(rgb.subarray(((y >> 1) * 2 + (x >> 1)) * 3, ((y >> 1) * 2 + (x >> 1)) * 3 + 3), (y * 4 + x) * 3);
    expect(Array.from(canvas.pixels)).toEqual(expectedPixels(up, 4, 4, { min: 0, max: 1 }));
  });

  it('validates before drawing', async () => {
    const canvas = new FakeCanvas(5, 5);
    await expect(drawOverlay(canvas as unknown as OffscreenCanvas, raw, map, 3)).rejects.toThrow('drawOverlay: map has 4 values, expected size * size = 9');
    await expect(drawOverlay(canvas as unknown as OffscreenCanvas, raw, map, 2, { opacity: -0.1 })).rejects.toThrow('drawOverlay: opacity must be in [0, 1], got -0.1');
    await expect(drawOverlay(canvas as unknown as OffscreenCanvas, raw, map, 2, { width: 2.5 })).rejects.toThrow('drawOverlay: width must be a positive integer, got 2.5');
    await expect(drawOverlay({} as never, raw, map, 2)).rejects.toThrow('drawOverlay: canvas must be an HTMLCanvasElement or OffscreenCanvas');
    expect([canvas.width, canvas.height]).toEqual([5, 5]); // untouched
  });
});
