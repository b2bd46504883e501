import { drawContour, overlayHeatmap, resizeMapBilinear, type OverlayOptions } from '@aaclip/render';
import { encodePng } from './image-io';

/** Options of {@link makeOverlayPng}. */
export interface OverlayPngOptions extends OverlayOptions {
  /** Size of `map` when it differs from the image (default: inferred for square maps). */
  mapWidth?: number;
  mapHeight?: number;
  /** Colour of the ground-truth outline (default green). */
  contourColor?: [number, number, number];
  /** Outline thickness in pixels, drawn inside the mask (default `max(1, round(min(width, height) / 200))`). */
  contourThickness?: number;
}

/**
 * PNG of an anomaly map over its image: the map is resized to the image (bilinear) when needed,
 * blended in jet colours (`overlayHeatmap`, opacity 0.5 by default) and, when a ground-truth
 * mask is given, its outline is drawn on top (`drawContour`).
 *
 * @param rgb interleaved 8-bit RGB image, `height * width * 3` bytes.
 * @param map anomaly map, `width * height` values or a square / `mapWidth x mapHeight` map.
 * @param mask ground-truth mask (`width * height`, non-zero = anomalous) or null.
 * @example
 * const png = await makeOverlayPng(img.data, 336, 336, detection.map, gtMask, { min: 0, max: 1 });
 */
export async function makeOverlayPng(
  rgb: Uint8Array,
  width: number,
  height: number,
  map: Float32Array,
  mask: Uint8Array | null,
  opts: OverlayPngOptions = {},
): Promise<Uint8Array> {
  const fn = 'makeOverlayPng';
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`${fn}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (!(map instanceof Float32Array)) throw new TypeError(`${fn}: map must be a Float32Array`);
  let full = map;
  if (map.length !== width * height || opts.mapWidth !== undefined || opts.mapHeight !== undefined) {
    const side = Math.round(Math.sqrt(map.length));
    const mw = opts.mapWidth ?? (opts.mapHeight ? map.length / opts.mapHeight : side);
    const mh = opts.mapHeight ?? (opts.mapWidth ? map.length / opts.mapWidth : side);
    if (!Number.isInteger(mw) || !Number.isInteger(mh) || mw * mh !== map.length) {
      throw new RangeError(
        `${fn}: map has ${map.length} values, which is neither ${width}x${height} nor square; pass mapWidth/mapHeight`,
      );
    }
    full = mw === width && mh === height ? map : resizeMapBilinear(map, mw, mh, width, height);
  }
  let vis = overlayHeatmap(rgb, full, opts);
  if (mask) {
    const thickness = opts.contourThickness ?? Math.max(1, Math.round(Math.min(width, height) / 200));
    vis = drawContour(vis, mask, width, height, opts.contourColor ?? [0, 255, 0], thickness);
  }
  return encodePng({ width, height, channels: 3, data: vis });
}
