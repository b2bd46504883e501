// Jet-coloured anomaly maps blended over RGBA pixels (pure; the canvas part is in draw-overlay.ts).
// The resize, normalisation and blend are @aaclip/render's, the ones the Node reports draw with.
import { JET_LUT, jetIndex, overlayHeatmap, resizeMapBilinear } from '@aaclip/render';

/** 256 jet colours, RGB interleaved: @aaclip/render's `JET_LUT` (entry i is jet(i / 255) in 8 bits). Read-only. */
export const JET_COLORS: Uint8Array = JET_LUT;

export interface HeatmapOptions {
  /** Weight of the heatmap: 0 = image only, 1 = heatmap only. Default 0.5. */
  opacity?: number;
  /** Map value drawn dark blue (default: the map's minimum). */
  min?: number;
  /** Map value drawn dark red (default: the map's maximum). */
  max?: number;
}

/** Checks the options and the map; returns opacity and the value range. */
export function heatmapRange(fn: string, map: Float32Array, opts: HeatmapOptions): { opacity: number; min: number; max: number } {
  if (!(map instanceof Float32Array)) throw new TypeError(`${fn}: map must be a Float32Array, got ${map === null ? 'null' : typeof map}`);
  const opacity = opts.opacity ?? 0.5;
  if (typeof opacity !== 'number' || !(opacity >= 0 && opacity <= 1)) throw new RangeError(`${fn}: opacity must be in [0, 1], got ${String(opacity)}`);
  for (const k of ['min', 'max'] as const) {
    const v = opts[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new RangeError(`${fn}: ${k} must be a finite number, got ${String(v)}`);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`${fn}: map[${i}] is ${v}; anomaly maps must be finite`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const min = opts.min ?? lo;
  const max = opts.max ?? hi;
  if (max < min) throw new RangeError(`${fn}: max (${max}) is below min (${min})`);
  return { opacity, min, max };
}

/**
 * `JET_COLORS` entry (times 3) of a map value: `t = (v - min) * scale` clamped to [0, 1] and
 * stored as float32 (as `normalizeMap` stores it), then `jetIndex(t)`, as `overlayHeatmap` colours it.
 * `scale` is `1 / (max - min)`, or 0 for an empty range (every value dark blue).
 */
function colourOffset(v: number, min: number, scale: number): number {
  const t = (v - min) * scale;
  return jetIndex(Math.fround(t <= 0 ? 0 : t >= 1 ? 1 : t)) * 3;
}

/** One stop of a heatmap legend: a map value and the colour the overlay gives it. */
export interface HeatmapLegendStop {
  value: number;
  /** 8-bit RGB, a `JET_COLORS` entry. */
  rgb: [number, number, number];
}

/**
 * The legend of an overlay drawn with `min` and `max` (as {@link blendHeatmap} and
 * `drawOverlay` draw it): `stops` values evenly spaced from `min` (dark blue) to `max` (dark
 * red), each with the exact colour a pixel of that value gets. An empty range (`max === min`)
 * has one stop: the overlay is then dark blue everywhere.
 *
 * @example
 * heatmapLegend(0, 1, 3); // [{ value: 0, rgb: [0, 0, 128] }, { value: 0.5, rgb: [122, 255, 125] }, { value: 1, rgb: [128, 0, 0] }]
 */
export function heatmapLegend(min: number, max: number, stops = 5): HeatmapLegendStop[] {
  const fn = 'heatmapLegend';
  for (const [k, v] of [['min', min], ['max', max]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${fn}: ${k} must be a finite number, got ${String(v)}`);
  }
  if (max < min) throw new RangeError(`${fn}: max (${max}) is below min (${min})`);
  if (!Number.isInteger(stops) || stops < 2) throw new RangeError(`${fn}: stops must be an integer >= 2, got ${String(stops)}`);
  const scale = max > min ? 1 / (max - min) : 0;
  const values = scale === 0 ? [min] : Array.from({ length: stops }, (_, i) => (i === stops - 1 ? max : min + ((max - min) * i) / (stops - 1)));
  return values.map((value) => {
    const k = colourOffset(value, min, scale);
    return { value, rgb: [JET_COLORS[k]!, JET_COLORS[k + 1]!, JET_COLORS[k + 2]!] };
  });
}

/**
 * A CSS `linear-gradient` of the overlay colours from dark blue (left, the legend's `min`) to
 * dark red (right, its `max`), for a colour bar next to the legend's numbers.
 *
 * @example bar.style.background = heatmapGradientCss(); // 'linear-gradient(to right, rgb(0 0 128) 0%, ...)'
 */
export function heatmapGradientCss(): string {
  const parts: string[] = [];
  for (let i = 0; i <= 16; i++) {
    const k = Math.min(255, Math.floor((i / 16) * 256)) * 3;
    parts.push(`rgb(${JET_COLORS[k]} ${JET_COLORS[k + 1]} ${JET_COLORS[k + 2]}) ${(100 * i) / 16}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/**
 * Blends the jet colours of a square `size x size` anomaly map over `width x height` RGBA
 * pixels, in place: the map is resized bilinearly (pixel centres, like cv2.resize INTER_LINEAR),
 * normalised to [0, 1] with `min`/`max` (clamped), coloured with `JET_COLORS[floor(255 t)]`
 * and mixed as `round((1 - opacity) * pixel + opacity * colour)`; alpha becomes 255.
 *
 * @example
 * const px = ctx.getImageData(0, 0, w, h);
 * blendHeatmap(px.data, w, h, detection.anomalyMap, detection.size, { opacity: 0.5 });
 * ctx.putImageData(px, 0, 0);
 */
export function blendHeatmap(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, map: Float32Array, size: number, opts: HeatmapOptions = {}): void {
  const fn = 'blendHeatmap';
  for (const [k, v] of [['width', width], ['height', height], ['size', size]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${fn}: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (!(rgba instanceof Uint8ClampedArray || rgba instanceof Uint8Array) || rgba.length !== width * height * 4) {
    throw new RangeError(`${fn}: pixels must be ${width} x ${height} x 4 = ${width * height * 4} bytes, got ${(rgba as { length?: number })?.length}`);
  }
  const { opacity, min, max } = heatmapRange(fn, map, opts);
  if (map.length !== size * size) throw new RangeError(`${fn}: map has ${map.length} values, expected size * size = ${size * size}`);
  // [size * size] -> [height * width], pixel centres (as cv2.resize INTER_LINEAR)
  const resized = width === size && height === size ? map : resizeMapBilinear(map, size, size, width, height);
  const rgb = new Uint8Array(width * height * 3); // [height, width, 3] of the RGBA pixels
  for (let p = 0; p < width * height; p++) rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
  const blended = overlayHeatmap(rgb, resized, { opacity, min, max }); // [height, width, 3]
  for (let p = 0; p < width * height; p++) {
    rgba.set(blended.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
}
