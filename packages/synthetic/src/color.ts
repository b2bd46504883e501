/*
 * Colour helpers for the synthetic generator: HSL palettes and a float RGB canvas
 * (HWC, 0..255).
 */

import type { SyntheticRng } from './rng';

/** An RGB triple with components nominally in 0..255 (floats). */
export type Rgb = readonly [number, number, number];

/**
 * Converts HSL (hue in degrees, saturation and lightness in 0..1) to RGB in 0..255.
 *
 * @example
 * hsl(30, 0.5, 0.4); // a mid brown
 */
export function hsl(h: number, s: number, l: number): Rgb {
  const hh = (((h % 360) + 360) % 360) / 60;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs((hh % 2) - 1));
  const m = l - c / 2;
  let r = 0;
  let g = 0;
  let b = 0;
  if (hh < 1) [r, g, b] = [c, x, 0];
  else if (hh < 2) [r, g, b] = [x, c, 0];
  else if (hh < 3) [r, g, b] = [0, c, x];
  else if (hh < 4) [r, g, b] = [0, x, c];
  else if (hh < 5) [r, g, b] = [x, 0, c];
  else [r, g, b] = [c, 0, x];
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

/**
 * A random colour with hue, saturation and lightness drawn uniformly from the given ranges.
 *
 * @example
 * const brown = randomHsl(rng, [15, 35], [0.3, 0.6], [0.2, 0.45]);
 */
export function randomHsl(
  rng: SyntheticRng,
  hue: readonly [number, number],
  sat: readonly [number, number],
  light: readonly [number, number],
): Rgb {
  return hsl(rng.range(hue[0], hue[1]), rng.range(sat[0], sat[1]), rng.range(light[0], light[1]));
}

/** Linear interpolation between two colours (`t` = 0 gives `a`). */
export function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Rec. 601 luma of a colour (0..255). */
export function luma(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

/** Writes colour `c` scaled by `k` to pixel index `p` (not byte offset) of a float RGB buffer. */
export function putRgb(buf: Float32Array, p: number, c: Rgb, k = 1): void {
  const o = p * 3;
  buf[o] = c[0] * k;
  buf[o + 1] = c[1] * k;
  buf[o + 2] = c[2] * k;
}

/** Writes the mix of `a` and `b` at `t`, scaled by `k`, to pixel index `p`. */
export function putMix(buf: Float32Array, p: number, a: Rgb, b: Rgb, t: number, k = 1): void {
  const o = p * 3;
  buf[o] = (a[0] + (b[0] - a[0]) * t) * k;
  buf[o + 1] = (a[1] + (b[1] - a[1]) * t) * k;
  buf[o + 2] = (a[2] + (b[2] - a[2]) * t) * k;
}
