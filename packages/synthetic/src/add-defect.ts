/*
 * addDefect: renders one defect into a copy of an image and derives its exact mask (every
 * pixel whose change exceeds DEFECT_CHANGE_THRESHOLD levels in some channel, plus small
 * enclosed holes). Pixels outside the mask are restored to their original bytes, so the
 * defect image differs from the clean one exactly inside the mask.
 */

import { assertRawImage8, type RawImage8 } from '@aaclip/core';
import { DEFECT_KINDS, DEFECT_RENDERERS, type DefectKind } from './defects';
import { hashString, mixSeed, normalizeSeed, SyntheticRng } from './rng';
import { MAX_SYNTHETIC_SIZE, MIN_SYNTHETIC_SIZE } from './texture';

/** A pixel belongs to a defect when some channel changed by more than this many levels. */
export const DEFECT_CHANGE_THRESHOLD = 8;

/** Defect area bounds, as fractions of the image area (retries enforce them). */
export const MIN_DEFECT_FRACTION = 0.001;
export const MAX_DEFECT_FRACTION = 0.25;

const MAX_ATTEMPTS = 10;

/**
 * Throws a `TypeError` unless `kind` is one of {@link DEFECT_KINDS}, listing them.
 *
 * @example
 * assertDefectKind('scratch', 'defect'); // ok
 */
export function assertDefectKind(kind: unknown, what: string): asserts kind is DefectKind {
  if (typeof kind !== 'string' || !(DEFECT_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`${what}: unknown defect kind ${JSON.stringify(kind)}; valid kinds: ${DEFECT_KINDS.join(', ')}`);
  }
}

/**
 * Sets to 1 every 4-connected region of zeros that does not touch the border and has at most
 * `maxHole` pixels. Modifies `mask` in place.
 *
 * @example
 * fillSmallHoles(mask, 64, 64, 16);
 */
export function fillSmallHoles(mask: Uint8Array, width: number, height: number, maxHole: number): void {
  const n = width * height;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  const region = new Int32Array(n);
  for (let start = 0; start < n; start++) {
    if (mask[start] !== 0 || seen[start] !== 0) continue;
    let top = 0;
    let count = 0;
    let border = false;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top]!;
      region[count++] = p;
      const x = p % width;
      const y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border = true;
      if (x > 0 && mask[p - 1] === 0 && seen[p - 1] === 0) (seen[p - 1] = 1), (stack[top++] = p - 1);
      if (x < width - 1 && mask[p + 1] === 0 && seen[p + 1] === 0) (seen[p + 1] = 1), (stack[top++] = p + 1);
      if (y > 0 && mask[p - width] === 0 && seen[p - width] === 0) (seen[p - width] = 1), (stack[top++] = p - width);
      if (y < height - 1 && mask[p + width] === 0 && seen[p + width] === 0) (seen[p + width] = 1), (stack[top++] = p + width);
    }
    if (!border && count <= maxHole) {
      for (let i = 0; i < count; i++) mask[region[i]!] = 1;
    }
  }
}

/** One render: returns the defect image (changes below threshold undone) and its mask. */
function renderOnce(img: RawImage8, kind: DefectKind, rng: SyntheticRng, scale: number, boost: number): { image: RawImage8; mask: Uint8Array; area: number } {
  const { width, height, data } = img;
  const buf = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) buf[i] = data[i]!;
  DEFECT_RENDERERS[kind]({ buf, width, height, rng, scale, boost });
  const out = new Uint8Array(data.length);
  const mask = new Uint8Array(width * height);
  for (let p = 0; p < mask.length; p++) {
    let changed = false;
    for (let c = 0; c < 3; c++) {
      const o = p * 3 + c;
      const v = Math.round(buf[o]!);
      out[o] = v < 0 ? 0 : v > 255 ? 255 : v;
      if (Math.abs(out[o]! - data[o]!) > DEFECT_CHANGE_THRESHOLD) changed = true;
    }
    mask[p] = changed ? 1 : 0;
  }
  fillSmallHoles(mask, width, height, Math.max(4, Math.round(width * height * 0.002)));
  let area = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 1) {
      area++;
    } else {
      // exactness: whatever the defect did here stays below the threshold, so undo it
      out[p * 3] = data[p * 3]!;
      out[p * 3 + 1] = data[p * 3 + 1]!;
      out[p * 3 + 2] = data[p * 3 + 2]!;
    }
  }
  return { image: { width, height, channels: 3, data: out }, mask, area };
}

/**
 * Renders one defect of `kind` into a copy of `img` (8-bit RGB, each side 16..4096) and returns
 * it with its exact mask (`width * height` bytes, 1 = defect): every pixel outside the mask keeps
 * its original bytes, every pixel that changed by more than {@link DEFECT_CHANGE_THRESHOLD}
 * levels is inside it. Size, position, orientation, colour and contrast come from `seed`; a
 * render whose area falls outside 0.1%..25% of the image is retried (smaller / stronger), so
 * the same arguments always give the same result.
 *
 * @example
 * const clean = generateTexture('metal', 224, 1);
 * const { image, mask } = addDefect(clean, 'scratch', 99);
 */
export function addDefect(img: RawImage8, kind: DefectKind, seed: number): { image: RawImage8; mask: Uint8Array } {
  assertRawImage8(img, 'addDefect: img');
  if (img.channels !== 3) throw new RangeError(`addDefect: img must have 3 channels (RGB), got ${img.channels}`);
  for (const [name, v] of [['width', img.width], ['height', img.height]] as const) {
    if (v < MIN_SYNTHETIC_SIZE || v > MAX_SYNTHETIC_SIZE) {
      throw new RangeError(`addDefect: img ${name} must be in ${MIN_SYNTHETIC_SIZE}..${MAX_SYNTHETIC_SIZE}, got ${v}`);
    }
  }
  assertDefectKind(kind, 'addDefect: kind');
  const base = mixSeed(normalizeSeed(seed, 'addDefect: seed'), hashString(kind));
  const n = img.width * img.height;
  const minArea = Math.max(1, Math.ceil(n * MIN_DEFECT_FRACTION));
  const maxArea = Math.floor(n * MAX_DEFECT_FRACTION);
  let scale = 1;
  let boost = 0;
  let best: { image: RawImage8; mask: Uint8Array } | null = null;
  let bestMiss = Infinity;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const r = renderOnce(img, kind, new SyntheticRng(mixSeed(base, attempt)), scale, boost);
    if (r.area >= minArea && r.area <= maxArea) return { image: r.image, mask: r.mask };
    const miss = r.area < minArea ? (minArea - r.area) / minArea : (r.area - maxArea) / maxArea;
    if (miss < bestMiss) [best, bestMiss] = [{ image: r.image, mask: r.mask }, miss];
    if (r.area < minArea) {
      boost = Math.min(1, boost + 0.35);
      scale *= 1.25;
    } else {
      scale *= 0.7;
    }
  }
  return best!;
}
