// Client image bytes -> a decoded RawImage, or a RequestError (4xx) that says what is wrong.
import { ImageDecodeError, type RawImage } from '@aaclip/core';
import { DEFAULT_MAX_IMAGE_ASPECT_RATIO, decodeImage } from '@aaclip/backend-node';
import { RequestError, type DetectImage } from './engine';

/** Image formats the server accepts, by their leading bytes. */
export type ImageKind = 'png' | 'jpeg' | 'bmp' | 'gif' | 'webp' | 'tiff';

/**
 * The format of `bytes` from its magic number, or null. Own code rather than a library
 * (file-type knows ~150 formats and reads streams): six signatures, and sharp re-checks the
 * format before any pixel is decoded; this only decides 415 before libvips sees the bytes.
 */
export function sniffImage(bytes: Uint8Array): ImageKind | null {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'bmp';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) return 'gif';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45 && b(10) === 0x42 && b(11) === 0x50) return 'webp';
  if ((b(0) === 0x49 && b(1) === 0x49 && b(2) === 0x2a && b(3) === 0) || (b(0) === 0x4d && b(1) === 0x4d && b(2) === 0 && b(3) === 0x2a)) return 'tiff';
  return null;
}

export interface ImageLimits {
  /** Largest width x height (checked from the header, before pixels are decoded). */
  maxPixels: number;
  /** Largest side in pixels. */
  maxSide: number;
}

/**
 * Decodes one client image; every failure is a RequestError naming the image: `label` (e.g.
 * "image #2", "normal image #1") with the client's file name when it sent one.
 */
export async function decodeClientImage(img: DetectImage, label: string, limits: ImageLimits): Promise<RawImage> {
  const name = img.name ? `${label} ("${img.name}")` : label;
  const tooLarge = (w: number, h: number) =>
    `${name} is ${w} x ${h} pixels; the server takes at most ${limits.maxPixels} pixels and ${limits.maxSide} pixels a side`;
  if (!(img.bytes instanceof Uint8Array) || img.bytes.length === 0) throw new RequestError(400, 'empty_image', `${name} is empty`);
  const kind = sniffImage(img.bytes);
  if (!kind) throw new RequestError(415, 'unsupported_media_type', `${name} is not a PNG, JPEG, BMP, GIF, WebP or TIFF image`);
  if (kind === 'png' && img.bytes.length >= 24) {
    // IHDR's width and height (bytes 16-23): a PNG too large is refused even when the rest of
    // the file is missing (libvips would then report a corrupt file instead)
    const dv = new DataView(img.bytes.buffer, img.bytes.byteOffset, 24);
    const w = dv.getUint32(16);
    const h = dv.getUint32(20);
    if (w * h > limits.maxPixels || Math.max(w, h) > limits.maxSide) {
      throw new RequestError(413, 'image_too_large', tooLarge(w, h));
    }
  }
  try {
    return await decodeImage(img.bytes, name, { maxPixels: limits.maxPixels, maxSide: limits.maxSide });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // decodeImage names the bound it checked from the header (before any pixel was decoded)
    const dims = /(\d+) x (\d+) pixels/.exec(message);
    if (e instanceof ImageDecodeError && dims && /maxPixels|maxSide/.test(message)) {
      throw new RequestError(413, 'image_too_large', tooLarge(Number(dims[1]), Number(dims[2])), { cause: e });
    }
    if (e instanceof ImageDecodeError && dims && /maxAspectRatio/.test(message)) {
      throw new RequestError(413, 'image_too_large', `${name} is ${dims[1]} x ${dims[2]} pixels: its longer side is more than ${DEFAULT_MAX_IMAGE_ASPECT_RATIO} times its shorter one`, { cause: e });
    }
    throw new RequestError(422, 'bad_image', message, { cause: e });
  }
}
