// CLIP's per-channel input normalisation.
import { assertRawImage8, type RawImage } from './raw-image';

/** OpenAI CLIP's per-channel mean (RGB) of images scaled to 0..1. */
export const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
/** OpenAI CLIP's per-channel standard deviation (RGB) of images scaled to 0..1. */
export const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

function assertTriple(v: readonly number[], what: string, positive: boolean): void {
  if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new TypeError(`normalizeClip: ${what} must be 3 finite numbers, got ${JSON.stringify(v)}`);
  }
  if (positive && v.some((x) => x <= 0)) {
    throw new RangeError(`normalizeClip: ${what} must be positive, got ${JSON.stringify(v)}`);
  }
}

/**
 * Normalises an 8-bit RGB image for CLIP: (v / 255 - mean[c]) / std[c], computed in double
 * precision and stored as float32, in [H, W, 3] (NHWC without the batch axis) order.
 *
 * @param img 8-bit image with 3 channels.
 * @param mean per-channel mean (default {@link CLIP_MEAN}).
 * @param std per-channel standard deviation (default {@link CLIP_STD}).
 * @example
 * const x = normalizeClip(resizeBicubicPil(toRgb(img), 336, 336)); // Float32Array(336 * 336 * 3)
 */
export function normalizeClip(
  img: RawImage,
  mean: readonly number[] = CLIP_MEAN,
  std: readonly number[] = CLIP_STD,
): Float32Array {
  assertRawImage8(img, 'normalizeClip: img');
  if (img.channels !== 3) {
    throw new RangeError(`normalizeClip: img must have 3 channels (RGB), got ${img.channels}; use toRgb() first`);
  }
  assertTriple(mean, 'mean', false);
  assertTriple(std, 'std', true);
  // Lookup tables: 256 values per channel.
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean[c]!) / std[c]!;
  }
  const { data } = img;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    out[i] = lut[data[i]];
    out[i + 1] = lut[256 + data[i + 1]];
    out[i + 2] = lut[512 + data[i + 2]];
  }
  return out;
}
