// Browser images (elements, bitmaps, canvases, files) to RawImage and model input tensors.
import * as tf from '@tensorflow/tfjs-core';
import { assertRawImage, preprocessBatch, type RawImage, type RawImage8 } from '@aaclip/core';

/** Every image source {@link imageToRawImage} accepts. */
export type ImageInput = HTMLImageElement | HTMLVideoElement | ImageBitmap | HTMLCanvasElement | OffscreenCanvas | ImageData | Blob | File;

type DrawSource = HTMLImageElement | HTMLVideoElement | ImageBitmap | HTMLCanvasElement | OffscreenCanvas;
type Context2d = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

function globalCtor(name: string): (abstract new (...args: never[]) => unknown) | undefined {
  const c = (globalThis as Record<string, unknown>)[name];
  return typeof c === 'function' ? (c as abstract new (...args: never[]) => unknown) : undefined;
}

function isA<T>(v: unknown, name: string): v is T {
  const C = globalCtor(name);
  return C !== undefined && v instanceof C;
}

/** True for a `RawImage`-shaped object (plain data, not a DOM image). */
function isRawImage(v: unknown): v is RawImage {
  return typeof v === 'object' && v !== null && 'channels' in v && 'data' in v && 'width' in v && 'height' in v;
}

/** True for an `ImageData` (or an object shaped like one). */
function isImageDataLike(v: unknown): v is ImageData {
  if (isA<ImageData>(v, 'ImageData')) return true;
  return typeof v === 'object' && v !== null && (v as ImageData).data instanceof Uint8ClampedArray && typeof (v as ImageData).width === 'number' && !('getContext' in v);
}

/**
 * A 2-D context on a fresh `width x height` canvas (an `OffscreenCanvas` when the browser has
 * one, which also works in workers; else a `<canvas>` element).
 */
export function createContext2d(width: number, height: number): Context2d {
  const Off = globalCtor('OffscreenCanvas') as (new (w: number, h: number) => OffscreenCanvas) | undefined;
  let ctx: Context2d | null = null;
  if (Off) ctx = new Off(width, height).getContext('2d', { willReadFrequently: true });
  else {
    const doc = (globalThis as { document?: Document }).document;
    if (!doc) throw new Error('imageToRawImage: no OffscreenCanvas and no document to draw the image on');
    const c = doc.createElement('canvas');
    c.width = width;
    c.height = height;
    ctx = c.getContext('2d', { willReadFrequently: true });
  }
  if (!ctx) throw new Error('imageToRawImage: could not get a 2d canvas context');
  return ctx;
}

function fromImageData(d: ImageData, what: string): RawImage8 {
  const { width, height } = d;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`${what}: image is ${width} x ${height}, expected a positive size`);
  }
  if (d.data.length !== width * height * 4) throw new RangeError(`${what}: ImageData has ${d.data.length} bytes, expected ${width * height * 4} (${width} x ${height} x 4)`);
  return { width, height, channels: 4, data: new Uint8Array(d.data.buffer, d.data.byteOffset, d.data.length) };
}

function sizeOf(src: DrawSource): [number, number] {
  if (isA<HTMLImageElement>(src, 'HTMLImageElement')) return [src.naturalWidth, src.naturalHeight];
  if (isA<HTMLVideoElement>(src, 'HTMLVideoElement')) return [src.videoWidth, src.videoHeight];
  return [src.width, src.height];
}

function draw(src: DrawSource, what: string): RawImage8 {
  const [width, height] = sizeOf(src);
  if (!(width > 0 && height > 0)) throw new RangeError(`${what}: image is ${width} x ${height} (not loaded, or empty)`);
  const ctx = createContext2d(width, height);
  ctx.drawImage(src, 0, 0, width, height);
  let data: ImageData;
  try {
    data = ctx.getImageData(0, 0, width, height);
  } catch (err) {
    const e = err as Error;
    if (e?.name === 'SecurityError') {
      throw new Error(`${what}: the pixels cannot be read: the image is cross-origin without CORS (set crossOrigin = 'anonymous' and serve it with Access-Control-Allow-Origin)`);
    }
    throw err;
  }
  return fromImageData(data, what);
}

/** Decodes without colour management (like PIL, which ignores ICC profiles) when the browser lets us. */
async function toBitmap(src: Blob | HTMLImageElement, what: string): Promise<ImageBitmap> {
  if (typeof createImageBitmap !== 'function') throw new Error(`${what}: createImageBitmap is not available to decode the image`);
  try {
    return await createImageBitmap(src, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (err) {
    const detail = isA<Blob>(src, 'Blob') ? ` (${src.type || 'no type'}, ${src.size} bytes)` : '';
    throw new Error(`${what}: the image cannot be decoded${detail}: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * Reads the pixels of any browser image into a {@link RawImage}: 8-bit RGBA at the image's
 * natural size (alpha is dropped later by `preprocessImage`, like PIL's `convert('RGB')`).
 * Files and blobs are decoded with `createImageBitmap`, without colour-space conversion;
 * `<img>` elements are awaited until decoded. A `RawImage` is checked and returned as is.
 *
 * @example
 * const raw = await imageToRawImage(fileInput.files[0]);
 * const x = preprocessImage(raw, 518); // Float32Array [518, 518, 3]
 */
export async function imageToRawImage(input: ImageInput | RawImage): Promise<RawImage> {
  const what = 'imageToRawImage';
  if (input === null || typeof input !== 'object') throw new TypeError(`${what}: expected an image, canvas, ImageData, Blob or RawImage, got ${input === null ? 'null' : typeof input}`);
  if (isRawImage(input)) {
    assertRawImage(input, what);
    return input;
  }
  if (isImageDataLike(input)) return fromImageData(input, what);
  if (isA<Blob>(input, 'Blob')) {
    const bitmap = await toBitmap(input, what);
    try {
      return draw(bitmap, what);
    } finally {
      bitmap.close();
    }
  }
  if (isA<HTMLImageElement>(input, 'HTMLImageElement')) {
    if (!input.complete || input.naturalWidth === 0) {
      try {
        await input.decode();
      } catch (err) {
        throw new Error(`${what}: <img src="${input.currentSrc || input.src}"> failed to load: ${(err as Error)?.message ?? String(err)}`);
      }
    }
    if (typeof createImageBitmap === 'function') {
      const bitmap = await toBitmap(input, what);
      try {
        return draw(bitmap, what);
      } finally {
        bitmap.close();
      }
    }
    return draw(input, what);
  }
  if (typeof (input as { width?: unknown }).width === 'number') return draw(input as DrawSource, what);
  const name = (input as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  throw new TypeError(`${what}: unsupported input ${name} (expected HTMLImageElement, HTMLVideoElement, ImageBitmap, HTMLCanvasElement, OffscreenCanvas, ImageData, Blob/File or RawImage)`);
}

/**
 * An image as model input: {@link imageToRawImage}, then `preprocessImage` (PIL-exact bicubic
 * resize to `size x size`, CLIP normalisation), as a [1, size, size, 3] float32 tensor the
 * caller owns.
 *
 * @example
 * const x = await imageToTensor(img, 518);
 * const [r] = await detector.detect(x, { className: 'bottle' });
 * x.dispose();
 */
export async function imageToTensor(input: ImageInput | RawImage, size: number): Promise<tf.Tensor4D> {
  const raw = await imageToRawImage(input);
  const b = preprocessBatch(raw, size); // core's one preprocessing, as the detectors use it
  return tf.tensor4d(b.data, [1, size, size, 3], 'float32');
}
