// Sample-format and channel conversions towards the 8-bit RGB the model consumes.
import { assertRawImage, type RawImage, type RawImage8 } from './raw-image';

/** One sample converted to 8 bits: 16-bit keeps its high byte, float is 0..1 scaled and rounded. */
function to8bitSamples(data: RawImage['data']): Uint8Array {
  if (data instanceof Uint8Array) return data;
  const out = new Uint8Array(data.length);
  if (data instanceof Uint16Array) {
    for (let i = 0; i < data.length; i++) out[i] = data[i] >> 8;
  } else {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      // NaN maps to 0.
      out[i] = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
    }
  }
  return out;
}

/**
 * Converts any {@link RawImage} to 8-bit RGB, like Pillow's `convert('RGB')`:
 * gray is replicated to R, G and B; alpha is dropped (not composited).
 *
 * Sample formats: 16-bit samples keep their high byte (v >> 8), which is what Pillow does
 * when it opens 16-bit RGB(A) PNGs. (Pillow clips 16-bit *grayscale* 'I;16' to 0..255 when
 * converting; we deliberately scale instead, which keeps such images usable.) Float samples
 * are taken as 0..1, clamped, scaled by 255 and rounded.
 *
 * Returns `img` itself when it already is 8-bit RGB.
 *
 * @example
 * const rgb = toRgb({ width: 1, height: 1, channels: 2, data: new Uint8Array([90, 10]) });
 * // rgb.data = [90, 90, 90]
 */
export function toRgb(img: RawImage): RawImage8 {
  assertRawImage(img, 'toRgb: img');
  const { width, height, channels } = img;
  const src = to8bitSamples(img.data);
  if (channels === 3) {
    return src === img.data ? (img as RawImage8) : { width, height, channels: 3, data: src };
  }
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (channels === 1 || channels === 2) {
    for (let p = 0; p < n; p++) {
      const g = src[p * channels];
      out[p * 3] = g;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = g;
    }
  } else {
    for (let p = 0; p < n; p++) {
      out[p * 3] = src[p * 4];
      out[p * 3 + 1] = src[p * 4 + 1];
      out[p * 3 + 2] = src[p * 4 + 2];
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * Binarises a mask: 1 where the first channel is non-zero, else 0 (row-major, one byte per
 * pixel). Other channels (colour, alpha) are ignored.
 *
 * @example
 * maskToBinary({ width: 3, height: 1, channels: 1, data: new Uint8Array([0, 7, 255]) }); // [0, 1, 1]
 */
export function maskToBinary(img: RawImage): Uint8Array {
  assertRawImage(img, 'maskToBinary: img');
  const { data, channels } = img;
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) out[p] = data[p * channels] !== 0 ? 1 : 0;
  return out;
}
