import { checkBytes, checkColor, checkSize } from './validate';

/**
 * Marks the inner boundary band of a binary mask: 1 for mask pixels within `thickness`
 * 4-neighbour steps of a non-mask pixel (pixels outside the image count as non-mask), 0 elsewhere.
 * With `thickness = 1` these are exactly the mask pixels that have a non-mask 4-neighbour.
 *
 * @example
 * maskBoundary(mask, 64, 64); // Uint8Array of 0/1, the one-pixel outline inside the mask
 */
export function maskBoundary(mask: Uint8Array, width: number, height: number, thickness = 1): Uint8Array {
  const fn = 'maskBoundary';
  checkSize(fn, 'width', width);
  checkSize(fn, 'height', height);
  checkSize(fn, 'thickness', thickness);
  checkBytes(fn, 'mask', mask, width * height);
  const n = width * height;
  // dist: 0 = not reached yet (or non-mask), d >= 1 = band depth.
  const dist = new Uint8Array(n);
  const band = new Uint8Array(n);
  let frontier: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (!mask[p]) continue;
      const edge =
        x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        !mask[p - 1] || !mask[p + 1] || !mask[p - width] || !mask[p + width];
      if (edge) {
        dist[p] = 1;
        band[p] = 1;
        frontier.push(p);
      }
    }
  }
  // Breadth-first growth into the mask, one 4-neighbour step per extra unit of thickness.
  for (let d = 2; d <= thickness && frontier.length > 0; d++) {
    const next: number[] = [];
    for (const p of frontier) {
      const x = p % width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width];
      for (const q of neighbours) {
        if (q < 0 || q >= n || !mask[q] || dist[q]) continue;
        dist[q] = d;
        band[q] = 1;
        next.push(q);
      }
    }
    frontier = next;
  }
  return band;
}

/**
 * Draws the boundary of a binary mask over an RGB image: mask pixels that have a non-mask
 * 4-neighbour (the image border counts as non-mask) get `color`; `thickness > 1` widens the line
 * inwards (all mask pixels within `thickness` 4-neighbour steps of the outside).
 * Any non-zero mask byte counts as "in the mask" (0/1 and 0/255 masks both work).
 *
 * @param rgb interleaved 8-bit RGB, `height * width * 3` bytes (not modified).
 * @returns a new RGB buffer.
 * @example
 * const vis = drawContour(overlay, gtMask, 256, 256, [0, 255, 0], 2);
 */
export function drawContour(
  rgb: Uint8Array,
  mask: Uint8Array,
  width: number,
  height: number,
  color: readonly [number, number, number] = [0, 255, 0],
  thickness = 1,
): Uint8Array {
  const fn = 'drawContour';
  checkSize(fn, 'width', width);
  checkSize(fn, 'height', height);
  checkBytes(fn, 'rgb', rgb, width * height * 3);
  checkColor(fn, 'color', color);
  const band = maskBoundary(mask, width, height, thickness);
  const out = rgb.slice();
  for (let p = 0; p < band.length; p++) {
    if (!band[p]) continue;
    out[p * 3] = color[0];
    out[p * 3 + 1] = color[1];
    out[p * 3 + 2] = color[2];
  }
  return out;
}
