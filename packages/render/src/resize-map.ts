import { checkMap, checkSize } from './validate';

/** Options of {@link resizeMapBilinear}. */
export interface ResizeMapOptions {
  /**
   * false (default): pixel centres, like `cv2.resize(INTER_LINEAR)` and
   * `F.interpolate(mode='bilinear', align_corners=False)`; true: corner pixels map onto corner pixels.
   */
  alignCorners?: boolean;
}

/** Per output index: left source index, right source index and right weight. */
function axis(inSize: number, outSize: number, alignCorners: boolean): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let s: number;
    if (alignCorners) s = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0;
    else s = Math.max(0, (o + 0.5) * (inSize / outSize) - 0.5);
    const lo = Math.min(Math.floor(s), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    w[o] = s - lo;
  }
  return { i0, i1, w };
}

/**
 * Bilinear resize of a single-channel map (row-major `height x width`) to `outWidth x outHeight`,
 * e.g. a 37x37 patch map to the image size before {@link overlayHeatmap}. Edges are clamped.
 *
 * @example
 * const full = resizeMapBilinear(map, 37, 37, 518, 518);
 */
export function resizeMapBilinear(
  map: Float32Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  opts: ResizeMapOptions = {},
): Float32Array {
  const fn = 'resizeMapBilinear';
  for (const [name, v] of [['width', width], ['height', height], ['outWidth', outWidth], ['outHeight', outHeight]] as const) {
    checkSize(fn, name, v);
  }
  checkMap(fn, 'map', map, width * height);
  const align = opts.alignCorners ?? false;
  const xs = axis(width, outWidth, align);
  const ys = axis(height, outHeight, align);
  const out = new Float32Array(outWidth * outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const r0 = ys.i0[oy] * width;
    const r1 = ys.i1[oy] * width;
    const wy = ys.w[oy];
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = xs.i0[ox];
      const x1 = xs.i1[ox];
      const wx = xs.w[ox];
      const top = map[r0 + x0] + (map[r0 + x1] - map[r0 + x0]) * wx;
      const bottom = map[r1 + x0] + (map[r1 + x1] - map[r1 + x0]) * wx;
      out[oy * outWidth + ox] = top + (bottom - top) * wy;
    }
  }
  return out;
}
