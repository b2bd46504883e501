/*
 * Anti-aliased coverage rasterisation into float buffers (one value per pixel, 0..1, combined
 * with max): line segments with varying width, polylines, discs and irregular blobs. Used by
 * the circuit texture and by the defect renderers; works on any width x height.
 */

import { clamp } from './noise';

/** A coverage buffer of `width * height` floats in 0..1. */
export interface Coverage {
  width: number;
  height: number;
  data: Float32Array;
}

/** A zeroed coverage buffer. */
export function createCoverage(width: number, height: number): Coverage {
  return { width, height, data: new Float32Array(width * height) };
}

/**
 * Strokes the segment (x0, y0) -> (x1, y1) whose half-width goes linearly from `r0` to `r1`
 * (pixels), with a one-pixel anti-aliased edge and round caps.
 *
 * @example
 * strokeSegment(cov, 10, 10, 50, 20, 1.5, 0.5); // a tapering line
 */
export function strokeSegment(cov: Coverage, x0: number, y0: number, x1: number, y1: number, r0: number, r1 = r0): void {
  const { width: w, height: h, data } = cov;
  const pad = Math.max(r0, r1) + 1;
  const xa = Math.max(0, Math.floor(Math.min(x0, x1) - pad));
  const xb = Math.min(w - 1, Math.ceil(Math.max(x0, x1) + pad));
  const ya = Math.max(0, Math.floor(Math.min(y0, y1) - pad));
  const yb = Math.min(h - 1, Math.ceil(Math.max(y0, y1) + pad));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      let t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0;
      t = clamp(t, 0, 1);
      const ex = x - (x0 + t * dx);
      const ey = y - (y0 + t * dy);
      const d = Math.sqrt(ex * ex + ey * ey);
      const r = r0 + (r1 - r0) * t;
      const a = clamp(r + 0.5 - d, 0, 1);
      const p = y * w + x;
      if (a > data[p]!) data[p] = a;
    }
  }
}

/**
 * Strokes a polyline given as flat [x0, y0, x1, y1, ...] with one half-width per point.
 *
 * @example
 * strokePolyline(cov, [0, 0, 10, 5, 20, 0], [1, 2, 1]);
 */
export function strokePolyline(cov: Coverage, pts: readonly number[], radii: readonly number[]): void {
  for (let i = 0; i + 3 < pts.length; i += 2) {
    strokeSegment(cov, pts[i]!, pts[i + 1]!, pts[i + 2]!, pts[i + 3]!, radii[i / 2]!, radii[i / 2 + 1]!);
  }
}

/**
 * Fills a disc of radius `r` centred at (cx, cy) with coverage `value` (anti-aliased edge).
 *
 * @example
 * fillDisc(cov, 32, 32, 4);
 */
export function fillDisc(cov: Coverage, cx: number, cy: number, r: number, value = 1): void {
  const { width: w, height: h, data } = cov;
  const xa = Math.max(0, Math.floor(cx - r - 1));
  const xb = Math.min(w - 1, Math.ceil(cx + r + 1));
  const ya = Math.max(0, Math.floor(cy - r - 1));
  const yb = Math.min(h - 1, Math.ceil(cy + r + 1));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const d = Math.sqrt((x - cx) ** 2 + (y - cy) ** 2);
      const a = clamp(r + 0.5 - d, 0, 1) * value;
      const p = y * w + x;
      if (a > data[p]!) data[p] = a;
    }
  }
}

/**
 * Fills an axis-aligned rectangle [x0, x1] x [y0, y1] (pixel centres, anti-aliased edges).
 *
 * @example
 * fillRect(cov, 4, 4, 12, 8);
 */
export function fillRect(cov: Coverage, x0: number, y0: number, x1: number, y1: number): void {
  const { width: w, height: h, data } = cov;
  for (let y = Math.max(0, Math.floor(y0 - 1)); y <= Math.min(h - 1, Math.ceil(y1 + 1)); y++) {
    const ay = clamp(Math.min(y - y0, y1 - y) + 0.5, 0, 1);
    for (let x = Math.max(0, Math.floor(x0 - 1)); x <= Math.min(w - 1, Math.ceil(x1 + 1)); x++) {
      const a = Math.min(ay, clamp(Math.min(x - x0, x1 - x) + 0.5, 0, 1));
      const p = y * w + x;
      if (a > data[p]!) data[p] = a;
    }
  }
}

/** Polar outline of an irregular blob: radius at angle `phi` is `r0 * (1 + sum a_k sin(k phi + p_k))`. */
export interface BlobShape {
  cx: number;
  cy: number;
  r0: number;
  /** Harmonic amplitudes (index = harmonic number - 2) and phases. */
  amps: readonly number[];
  phases: readonly number[];
  /** Elongation (>= 1) along `angle`. */
  stretch: number;
  angle: number;
}

/** Radius of a {@link BlobShape} at polar angle `phi` (in the blob's unstretched frame). */
export function blobRadius(b: BlobShape, phi: number): number {
  let f = 1;
  for (let i = 0; i < b.amps.length; i++) f += b.amps[i]! * Math.sin((i + 2) * phi + b.phases[i]!);
  return b.r0 * Math.max(0.2, f);
}

/**
 * Calls `visit(p, inside, rel)` for every pixel of the blob's bounding box (`margin` x r0
 * bigger), where `inside` is the signed distance in pixels to the outline (positive inside)
 * and `rel` = distance from the centre / local radius.
 *
 * @example
 * forEachBlobPixel(shape, w, h, 1.3, (p, inside) => { cov[p] = inside > 0 ? 1 : 0; });
 */
export function forEachBlobPixel(
  b: BlobShape,
  width: number,
  height: number,
  margin: number,
  visit: (p: number, inside: number, rel: number) => void,
): void {
  let maxAmp = 1;
  for (const a of b.amps) maxAmp += Math.abs(a);
  const reach = b.r0 * maxAmp * b.stretch * margin + 2;
  const cos = Math.cos(b.angle);
  const sin = Math.sin(b.angle);
  const xa = Math.max(0, Math.floor(b.cx - reach));
  const xb = Math.min(width - 1, Math.ceil(b.cx + reach));
  const ya = Math.max(0, Math.floor(b.cy - reach));
  const yb = Math.min(height - 1, Math.ceil(b.cy + reach));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const dx = x - b.cx;
      const dy = y - b.cy;
      const u = (dx * cos + dy * sin) / b.stretch;
      const v = -dx * sin + dy * cos;
      const d = Math.sqrt(u * u + v * v);
      const r = blobRadius(b, Math.atan2(v, u));
      visit(y * width + x, r - d, d / r);
    }
  }
}
