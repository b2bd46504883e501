import { JET_LUT, jetIndex } from './colormap';
import { normalizeMap } from './normalize-map';
import { checkBytes } from './validate';

/** Options of {@link overlayHeatmap}. */
export interface OverlayOptions {
  /** Weight of the heatmap colour: 0 = image only, 1 = heatmap only (default 0.5). */
  opacity?: number;
  /** Map value shown as dark blue (default: the map's minimum). */
  min?: number;
  /** Map value shown as dark red (default: the map's maximum). */
  max?: number;
}

/**
 * Blends the jet colours of an anomaly map over an RGB image:
 * `out = round((1 - opacity) * image + opacity * jet(normalised map))` per channel, where the map
 * is normalised with {@link normalizeMap} (`min`/`max`) and coloured through `JET_LUT`
 * (index `floor(255 * t)`, like `cv2.applyColorMap(np.uint8(255 * t), COLORMAP_JET)`).
 *
 * @param rgb interleaved 8-bit RGB, `H * W * 3` bytes.
 * @param map anomaly map of the same size, `H * W` values (resize first with `resizeMapBilinear`).
 * @returns a new RGB buffer; the input is not modified.
 * @example
 * const vis = overlayHeatmap(image.data, anomalyMap, { opacity: 0.5, min: 0, max: 1 });
 */
export function overlayHeatmap(rgb: Uint8Array, map: Float32Array, opts: OverlayOptions = {}): Uint8Array {
  const fn = 'overlayHeatmap';
  if (!(map instanceof Float32Array)) throw new TypeError(`${fn}: map must be a Float32Array`);
  checkBytes(fn, 'rgb', rgb, map.length * 3);
  const opacity = opts.opacity ?? 0.5;
  if (typeof opacity !== 'number' || !(opacity >= 0 && opacity <= 1)) {
    throw new RangeError(`${fn}: opacity must be in [0, 1], got ${String(opacity)}`);
  }
  const t = normalizeMap(map, { min: opts.min, max: opts.max });
  const out = new Uint8Array(rgb.length);
  const keep = 1 - opacity;
  for (let p = 0; p < t.length; p++) {
    const k = jetIndex(t[p]) * 3;
    const o = p * 3;
    out[o] = Math.round(keep * rgb[o] + opacity * JET_LUT[k]);
    out[o + 1] = Math.round(keep * rgb[o + 1] + opacity * JET_LUT[k + 1]);
    out[o + 2] = Math.round(keep * rgb[o + 2] + opacity * JET_LUT[k + 2]);
  }
  return out;
}
