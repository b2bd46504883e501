// Draws an image with its jet-coloured anomaly map on a canvas.
import { toRgb, type RawImage } from '@aaclip/core';
import { blendHeatmap, heatmapRange, type HeatmapOptions } from './heatmap';
import { createContext2d, imageToRawImage, type ImageInput } from './image-input';

export interface DrawOverlayOptions extends HeatmapOptions {
  /** Output size in pixels (the canvas is resized to it). Default: the image's size. */
  width?: number;
  height?: number;
}

/** 8-bit RGBA pixels of any RawImage (alpha set opaque: the overlay shows colours, like PIL's convert('RGB')). */
function rgbaOf(raw: RawImage): Uint8ClampedArray<ArrayBuffer> {
  const rgb = toRgb(raw).data;
  const n = raw.width * raw.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    out[p * 4] = rgb[p * 3]!;
    out[p * 4 + 1] = rgb[p * 3 + 1]!;
    out[p * 4 + 2] = rgb[p * 3 + 2]!;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/**
 * Draws `image` on `canvas` (resized to the image, or to `width x height`) with the jet colours
 * of a square `size x size` anomaly map blended over it at `opacity` (default 0.5). The map is
 * resized bilinearly to the canvas and normalised with `min`/`max` (default: its own range; pass
 * `{ min: 0, max: 1 }` for a `probabilityMap`).
 *
 * @example
 * const [r] = await detector.detect(img, 'bottle');
 * await drawOverlay(document.querySelector('canvas')!, img, r.anomalyMap, r.size, { opacity: 0.5 });
 */
export async function drawOverlay(
  canvas: HTMLCanvasElement | OffscreenCanvas,
  image: ImageInput | RawImage,
  map: Float32Array,
  size: number,
  opts: DrawOverlayOptions = {},
): Promise<void> {
  const fn = 'drawOverlay';
  if (!canvas || typeof (canvas as HTMLCanvasElement).getContext !== 'function') throw new TypeError(`${fn}: canvas must be an HTMLCanvasElement or OffscreenCanvas`);
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`${fn}: size must be a positive integer, got ${String(size)}`);
  heatmapRange(fn, map, opts); // validate before any drawing
  if (map.length !== size * size) throw new RangeError(`${fn}: map has ${map.length} values, expected size * size = ${size * size}`);
  const raw = await imageToRawImage(image);
  const width = opts.width ?? raw.width;
  const height = opts.height ?? raw.height;
  for (const [k, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${fn}: ${k} must be a positive integer, got ${String(v)}`);
  }
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error(`${fn}: the canvas has no 2d context (is it already used for WebGL?)`);
  const src = new ImageData(rgbaOf(raw), raw.width, raw.height);
  let pixels: ImageData;
  if (raw.width === width && raw.height === height) pixels = src;
  else {
    const tmp = createContext2d(raw.width, raw.height);
    tmp.putImageData(src, 0, 0);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(tmp.canvas, 0, 0, width, height);
    pixels = ctx.getImageData(0, 0, width, height);
  }
  blendHeatmap(pixels.data, width, height, map, size, opts);
  ctx.putImageData(pixels, 0, 0);
}
