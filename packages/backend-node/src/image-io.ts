// Image file decoding / PNG encoding for Node, on sharp (libvips) plus core's BMP decoder.
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { assertRawImage, decodeBmp, ImageDecodeError, isBmp, type RawImage } from '@aaclip/core';
import { explainFsError } from './fs-errors';
import { readInputFile } from './input-file';

/** A plain Uint8Array view of a Node Buffer (Buffer#slice does not copy; Uint8Array#slice does). */
function plainBytes(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Native-endian 16-bit samples of a Buffer (copied when the view would be misaligned). */
function ushortSamples(buf: Uint8Array): Uint16Array {
  if (buf.byteOffset % 2 === 0) return new Uint16Array(buf.buffer, buf.byteOffset, buf.byteLength >> 1);
  return new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Default bound on width x height of a decoded image (8192 x 8192). */
export const DEFAULT_MAX_IMAGE_PIXELS = 2 ** 26;

/**
 * Default bound on either side of a decoded image, in pixels. The largest images of the
 * industrial sets are ~1,600 px a side (BTAD), medical scans a few thousand.
 */
export const DEFAULT_MAX_IMAGE_SIDE = 16_384;

/**
 * Default bound on the ratio of the longer side to the shorter. Every image is resized to a
 * square before detection, so a 1 x 4,000,000 strip (within the pixel bound) would cost a
 * resize over millions of source pixels per output pixel (74 s and 1.7 GiB measured) to give
 * a meaningless map; 32:1 keeps line-scan crops and refuses strips.
 */
export const DEFAULT_MAX_IMAGE_ASPECT_RATIO = 32;

/** Default bound on the size of an image file read by {@link decodeImageFile} (1 GiB). */
export const DEFAULT_MAX_IMAGE_FILE_BYTES = 2 ** 30;

/** Raster formats decodeImage accepts from libvips (as sharp's `metadata().format` names them). */
export const DECODABLE_IMAGE_FORMATS: readonly string[] = ['png', 'jpeg', 'webp', 'tiff', 'gif', 'heif'];

/** Options of {@link decodeImage} and {@link decodeImageFile}. */
export interface DecodeImageOptions {
  /**
   * Largest width x height accepted (default {@link DEFAULT_MAX_IMAGE_PIXELS}). Checked from
   * the header before any pixel buffer is allocated, so a small file declaring huge
   * dimensions fails fast.
   */
  maxPixels?: number;
  /** Largest width or height accepted (default {@link DEFAULT_MAX_IMAGE_SIDE}); checked from the header. */
  maxSide?: number;
  /** Largest longer-side / shorter-side ratio accepted (default {@link DEFAULT_MAX_IMAGE_ASPECT_RATIO}); checked from the header. */
  maxAspectRatio?: number;
}

/** Options of {@link decodeImageFile}. */
export interface DecodeImageFileOptions extends DecodeImageOptions {
  /** What the file is, in messages (default "image"; the dataset loader says "mask" for masks). */
  what?: string;
  /** Largest file accepted, in bytes (default {@link DEFAULT_MAX_IMAGE_FILE_BYTES}). */
  maxBytes?: number;
}

/** The bounds of one decode, validated. */
interface ImageBounds {
  maxPixels: number;
  maxSide: number;
  maxAspectRatio: number;
}

function imageBounds(opts: DecodeImageOptions, name: string): ImageBounds {
  const check = (v: number | undefined, fallback: number, key: string, min: number, integer: boolean): number => {
    const x = v ?? fallback;
    if (typeof x !== 'number' || !(integer ? Number.isSafeInteger(x) : Number.isFinite(x)) || x < min) {
      throw new RangeError(`decodeImage(${name}): ${key} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(v)}`);
    }
    return x;
  };
  return {
    maxPixels: check(opts.maxPixels, DEFAULT_MAX_IMAGE_PIXELS, 'maxPixels', 1, true),
    maxSide: check(opts.maxSide, DEFAULT_MAX_IMAGE_SIDE, 'maxSide', 1, true),
    maxAspectRatio: check(opts.maxAspectRatio, DEFAULT_MAX_IMAGE_ASPECT_RATIO, 'maxAspectRatio', 1, false),
  };
}

/** Why `width` x `height` is outside the bounds, or undefined when it is inside. */
function shapeProblem(width: number, height: number, b: ImageBounds): string | undefined {
  if (width * height > b.maxPixels) return `${width} x ${height} pixels is more than maxPixels ${b.maxPixels}`;
  const ratio = Math.max(width, height) / Math.max(1, Math.min(width, height));
  if (ratio > b.maxAspectRatio) {
    return `${width} x ${height} pixels has an aspect ratio of ${ratio >= 100 ? Math.round(ratio) : ratio.toFixed(1)}:1, more than maxAspectRatio ${b.maxAspectRatio}`;
  }
  if (Math.max(width, height) > b.maxSide) return `${width} x ${height} pixels: a side is longer than maxSide ${b.maxSide}`;
  return undefined;
}

/** BMP [width, height] from its header, or undefined when the header is too short to say. */
function bmpSize(bytes: Uint8Array): [number, number] | undefined {
  if (bytes.length < 26) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = dv.getUint32(14, true);
  if (headerSize === 12) return [dv.getUint16(18, true), dv.getUint16(20, true)];
  return [Math.abs(dv.getInt32(18, true)), Math.abs(dv.getInt32(22, true))];
}

/**
 * Decodes image bytes to a {@link RawImage} without resizing, rotating or colour management:
 * the stored sample values, as Pillow's `Image.open` sees them.
 *
 * - Formats: PNG, JPEG, TIFF, WebP, GIF and AVIF/HEIF (through sharp's libvips) plus BMP
 *   (decoded by `decodeBmp`, since libvips has no BMP loader). Other formats libvips knows
 *   (SVG, PDF, FITS, its own .v files, ...) are refused. Multi-page files give their first page.
 * - Hostile files: dimensions are checked against `maxPixels`, `maxSide` and
 *   `maxAspectRatio` from the header, before any pixel is decoded; corrupt,
 *   truncated (libvips fails on the first decoder warning) or unsupported data always
 *   raises an `ImageDecodeError`, never another error type.
 * - Channels: gray -> 1, gray + alpha -> 2, colour -> 3, colour + alpha -> 4; palette images
 *   are expanded to RGB(A); CMYK is converted to RGB.
 * - Depth: 16-bit files stay 16-bit (`Uint16Array`, 0..65535; `toRgb` keeps the high byte);
 *   everything else is 8-bit (`Uint8Array`).
 * - Embedded ICC profiles and EXIF orientation are ignored (as Pillow does by default).
 *
 * @param bytes the encoded file.
 * @param nameForErrors file name used in error messages.
 * @throws ImageDecodeError naming `nameForErrors` for empty, corrupt, truncated, oversized or unsupported data.
 * @example
 * const img = await decodeImage(new Uint8Array(await fetchBytes()), 'upload.png');
 */
export async function decodeImage(bytes: Uint8Array, nameForErrors = 'image data', opts: DecodeImageOptions = {}): Promise<RawImage> {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`decodeImage(${nameForErrors}): bytes must be a Uint8Array, got ${typeof bytes}`);
  }
  const bounds = imageBounds(opts, nameForErrors);
  const { maxPixels } = bounds;
  if (bytes.length === 0) throw new ImageDecodeError(nameForErrors, 'the file is empty');
  const checkShape = (w: number, h: number, format: string): void => {
    const problem = shapeProblem(w, h, bounds);
    if (problem) throw new ImageDecodeError(nameForErrors, `${format} of ${problem}`);
  };
  if (isBmp(bytes)) {
    const size = bmpSize(bytes);
    if (size) checkShape(size[0], size[1], 'BMP');
    try {
      return decodeBmp(bytes, nameForErrors);
    } catch (e) {
      if (e instanceof ImageDecodeError) throw e;
      throw new ImageDecodeError(nameForErrors, `BMP: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  try {
    const input = { ignoreIcc: true, limitInputPixels: maxPixels, failOn: 'warning' } as const;
    const meta = await sharp(bytes, input).metadata();
    if (!DECODABLE_IMAGE_FORMATS.includes(String(meta.format))) {
      throw new ImageDecodeError(nameForErrors, `unsupported image format ${String(meta.format)} (accepted: ${DECODABLE_IMAGE_FORMATS.join(', ')}, bmp)`);
    }
    if (meta.width === undefined || meta.height === undefined) throw new ImageDecodeError(nameForErrors, 'the header has no dimensions');
    checkShape(meta.width, meta.height, String(meta.format).toUpperCase());
    const gray = meta.space === 'b-w' || meta.space === 'grey16';
    const deep = meta.depth === 'ushort';
    // Convert to RGB(A) (gray is replicated exactly), then collapse gray back to one band.
    const { data, info } = await sharp(bytes, input)
      .toColourspace(deep ? 'rgb16' : 'srgb')
      .raw({ depth: deep ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    const rgbChannels = info.channels;
    if (rgbChannels !== 3 && rgbChannels !== 4) {
      throw new ImageDecodeError(nameForErrors, `unexpected ${rgbChannels} channels after decoding`);
    }
    checkShape(width, height, 'decoded image');
    if (data.length !== width * height * rgbChannels * (deep ? 2 : 1)) {
      throw new ImageDecodeError(nameForErrors, `decoded ${data.length} bytes for ${width} x ${height} x ${rgbChannels}`);
    }
    const samples = deep ? ushortSamples(data) : plainBytes(data);
    if (!gray) return { width, height, channels: rgbChannels, data: samples };
    const alpha = rgbChannels === 4;
    const channels = alpha ? 2 : 1;
    const n = width * height;
    const out = deep ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
    for (let p = 0; p < n; p++) {
      out[p * channels] = samples[p * rgbChannels];
      if (alpha) out[p * 2 + 1] = samples[p * 4 + 3];
    }
    return { width, height, channels, data: out };
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(nameForErrors, e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/**
 * Reads and decodes an image file (see {@link decodeImage} for formats and layouts).
 * File-system errors (missing file, permissions) are rethrown as they are; a path that is
 * not a regular file (directory, FIFO, device) or a file over `maxBytes` raises an
 * `InputFileError` naming it, before anything blocks or is read; decoding failures raise an
 * `ImageDecodeError` whose message and `fileName` name `path`.
 *
 * @example
 * const img = await decodeImageFile('bottle/test/broken_large/000.png');
 * const x = preprocessImage(img, 336);
 */
export async function decodeImageFile(path: string, opts: DecodeImageFileOptions = {}): Promise<RawImage> {
  const bytes = await readInputFile(path, { what: opts.what ?? 'image', maxBytes: opts.maxBytes ?? DEFAULT_MAX_IMAGE_FILE_BYTES });
  return decodeImage(bytes, path, opts);
}

/** 8-bit copy of 0..1 float samples (clamped, rounded). */
function floatTo8(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[i] = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
  }
  return out;
}

/**
 * Encodes a {@link RawImage} as PNG: 1/2 channels as gray (+ alpha), 3/4 as RGB(A);
 * `Uint16Array` images as 16-bit PNG; `Float32Array` images (0..1) as 8-bit.
 *
 * @example
 * await writeFile('mask.png', await encodePng({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) }));
 */
export async function encodePng(img: RawImage): Promise<Uint8Array> {
  assertRawImage(img, 'encodePng: img');
  const { width, height, channels } = img;
  const deep = img.data instanceof Uint16Array;
  const data = img.data instanceof Float32Array ? floatTo8(img.data) : img.data;
  const space = channels <= 2 ? (deep ? 'grey16' : 'b-w') : deep ? 'rgb16' : 'srgb';
  const png = await sharp(data, { raw: { width, height, channels } })
    .toColourspace(space)
    .png()
    .toBuffer();
  return plainBytes(png);
}

/**
 * Writes `img` as a PNG file atomically: the bytes go to a temporary file in the same
 * folder, which is then renamed over `path` (readers never see a partial file).
 *
 * @example
 * await writePngAtomic('out/anomaly-map.png', heatmap);
 */
export async function writePngAtomic(path: string, img: RawImage): Promise<void> {
  const bytes = await encodePng(img);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw explainFsError(e, 'write', path); // Node's ENOSPC message names no file
  }
}
