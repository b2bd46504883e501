// Pillow's `Image.resize(size, Image.NEAREST)`: an affine "scale" transform
// (libImaging/Geometry.c ImagingScaleAffine) with a = in / out.
import { assertPositiveInt, assertRawImage, type RawImage } from './raw-image';

/**
 * Source indices of Pillow's nearest-neighbour scale: position starts at a / 2 and
 * accumulates `+= a` in double precision; index = truncation of the position. Indices that
 * fall outside the source are -1 (Pillow fills those pixels with 0).
 */
function nearestIndices(inSize: number, outSize: number): Int32Array {
  const a = inSize / outSize;
  const idx = new Int32Array(outSize);
  let pos = a * 0.5;
  for (let i = 0; i < outSize; i++) {
    const v = pos < 0 ? -1 : Math.trunc(pos);
    idx[i] = v >= 0 && v < inSize ? v : -1;
    pos += a;
  }
  return idx;
}

/**
 * Resizes an image exactly like Pillow's `img.resize((outW, outH), Image.NEAREST)`: output
 * pixel i takes source pixel floor((i + 0.5) * in / out) (computed incrementally, as Pillow
 * does). Works for any sample type and channel count; an unchanged size returns a copy.
 *
 * @param img image to resize.
 * @param outW output width (positive integer).
 * @param outH output height (positive integer).
 * @returns a new image with the same sample type and channel count.
 * @example
 * const mask336 = resizeNearestPil(mask, 336, 336);
 */
export function resizeNearestPil(img: RawImage, outW: number, outH: number): RawImage {
  assertRawImage(img, 'resizeNearestPil: img');
  assertPositiveInt(outW, 'resizeNearestPil: outW');
  assertPositiveInt(outH, 'resizeNearestPil: outH');
  const { width, height, channels, data } = img;
  if (outW === width && outH === height) {
    return { width, height, channels, data: data.slice() };
  }
  const xs = nearestIndices(width, outW);
  const ys = nearestIndices(height, outH);
  const Ctor = data.constructor as new (n: number) => typeof data;
  const out = new Ctor(outW * outH * channels);
  for (let y = 0; y < outH; y++) {
    const sy = ys[y];
    if (sy < 0) continue;
    const inRow = sy * width * channels;
    const outRow = y * outW * channels;
    for (let x = 0; x < outW; x++) {
      const sx = xs[x];
      if (sx < 0) continue;
      const i = inRow + sx * channels;
      const o = outRow + x * channels;
      for (let ch = 0; ch < channels; ch++) out[o + ch] = data[i + ch];
    }
  }
  return { width: outW, height: outH, channels, data: out };
}
