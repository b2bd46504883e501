/**
 * 8-connected component labelling of a binary mask (foreground = value != 0), the region
 * definition of AUPRO (same as `skimage.measure.label` with full connectivity and OpenCV's
 * default `connectedComponents`).
 */

/** Labels of one mask. */
export interface ConnectedComponents {
  /** Per pixel: 0 for background, 1..count for the region (row-major, in scan order of first pixel). */
  labels: Int32Array;
  /** Number of regions. */
  count: number;
  /** sizes[k] = pixels of region k + 1. */
  sizes: number[];
}

/**
 * Labels the 8-connected foreground regions of an H x W mask (values != 0 are foreground),
 * read from `mask[offset + y * width + x]`.
 *
 * @example
 * const { count, sizes } = labelComponents8(new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3, 3);
 * // count = 1 (diagonal pixels touch), sizes = [3]
 */
export function labelComponents8(
  mask: ArrayLike<number>,
  height: number,
  width: number,
  offset = 0,
  scratch?: { labels: Int32Array; stack: Int32Array },
): ConnectedComponents {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new Error(`labelComponents8: height and width must be non-negative integers, got ${height} x ${width}`);
  }
  const n = height * width;
  if (offset < 0 || offset + n > mask.length) {
    throw new Error(`labelComponents8: mask of length ${mask.length} is too short for ${height} x ${width} at offset ${offset}`);
  }
  const labels = scratch && scratch.labels.length === n ? scratch.labels : new Int32Array(n);
  labels.fill(0);
  const stack = scratch && scratch.stack.length === n ? scratch.stack : new Int32Array(n);
  const sizes: number[] = [];
  let count = 0;
  for (let p = 0; p < n; p++) {
    if (labels[p] !== 0 || mask[offset + p] === 0) continue;
    const id = ++count;
    let size = 0;
    let top = 0;
    stack[top++] = p;
    labels[p] = id;
    while (top > 0) {
      const q = stack[--top]!;
      size++;
      const y = (q / width) | 0;
      const x = q - y * width;
      const y0 = y > 0 ? y - 1 : 0;
      const y1 = y < height - 1 ? y + 1 : y;
      const x0 = x > 0 ? x - 1 : 0;
      const x1 = x < width - 1 ? x + 1 : x;
      for (let yy = y0; yy <= y1; yy++) {
        const row = yy * width;
        for (let xx = x0; xx <= x1; xx++) {
          const r = row + xx;
          if (labels[r] === 0 && mask[offset + r] !== 0) {
            labels[r] = id;
            stack[top++] = r;
          }
        }
      }
    }
    sizes.push(size);
  }
  return { labels, count, sizes };
}
