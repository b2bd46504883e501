/*
 * A mask outline drawn over a synthetic sample, to check by eye that a mask sits on its
 * defect. Encoding the result is the runtime's business: sharp in Node (backend-node's
 * encodePng), a canvas in a browser. (The PPM encoder that was here had no user.)
 */

import { assertRawImage8, type RawImage8 } from '@aaclip/core';

/**
 * A copy of an RGB image with the outline of `mask` (non-zero = defect) drawn in red, to check
 * that a mask sits on its defect.
 *
 * @example
 * const checked = overlayMaskOutline(sample.image, sample.mask!); // then encode it (sharp in Node, a canvas in a browser)
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
