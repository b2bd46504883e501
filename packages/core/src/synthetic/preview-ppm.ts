/*
 * Binary PPM (P6) encoding of synthetic samples for a quick look, and a mask overlay.
 */

import { assertRawImage8, type RawImage8 } from '../image/raw-image';

/**
 * Encodes an 8-bit image (1 = gray, expanded to RGB, or 3 = RGB channels) as a binary PPM
 * (P6, maxval 255) file.
 *
 * @example
 * const bytes = encodeSyntheticPreviewPpm(generateTexture('wood', 224, 1));
 * // write `bytes` to wood.ppm and open it with any image viewer
 */
export function encodeSyntheticPreviewPpm(img: RawImage8): Uint8Array {
  assertRawImage8(img, 'encodeSyntheticPreviewPpm: img');
  if (img.channels !== 1 && img.channels !== 3) {
    throw new RangeError(`encodeSyntheticPreviewPpm: img must have 1 or 3 channels, got ${img.channels}`);
  }
  const header = `P6\n${img.width} ${img.height}\n255\n`;
  const n = img.width * img.height;
  const out = new Uint8Array(header.length + n * 3);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  if (img.channels === 3) {
    out.set(img.data, header.length);
  } else {
    for (let p = 0; p < n; p++) {
      const v = img.data[p]!;
      const o = header.length + p * 3;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  }
  return out;
}

/**
 * A copy of an RGB image with the outline of `mask` (non-zero = defect) drawn in red, to check
 * that a mask sits on its defect.
 *
 * @example
 * const ppm = encodeSyntheticPreviewPpm(overlayMaskOutline(sample.image, sample.mask!));
 */
export function overlayMaskOutline(img: RawImage8, mask: Uint8Array): RawImage8 {
  assertRawImage8(img, 'overlayMaskOutline: img');
  const { width: w, height: h } = img;
  if (img.channels !== 3) throw new RangeError(`overlayMaskOutline: img must have 3 channels, got ${img.channels}`);
  if (!(mask instanceof Uint8Array) || mask.length !== w * h) {
    throw new RangeError(`overlayMaskOutline: mask must be a Uint8Array of ${w * h} bytes, got ${(mask as { length?: number })?.length}`);
  }
  const data = img.data.slice();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (mask[p] === 0) continue;
      const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !mask[p - 1] || !mask[p + 1] || !mask[p - w] || !mask[p + w];
      if (edge) data.set([255, 0, 0], p * 3);
    }
  }
  return { width: w, height: h, channels: 3, data };
}
