/*
 * Public entry for clean (defect-free) synthetic textures: the family list, argument
 * validation and generateTexture (family renderer + uneven lighting + sensor noise).
 */

import type { RawImage8 } from '@aaclip/core';
import { renderLeather, renderMesh, renderNoise, renderStripes, renderWood, type FamilyRenderer } from './families-a';
import { renderCircuit, renderCarpet, renderDots, renderMetal, renderTiles } from './families-b';
import { hashString, mixSeed, normalizeSeed, SyntheticRng } from './rng';

/** The texture families, in their canonical order. */
export const TEXTURE_FAMILIES = ['stripes', 'mesh', 'wood', 'leather', 'noise', 'tiles', 'carpet', 'metal', 'circuit', 'dots'] as const;

/** One of {@link TEXTURE_FAMILIES}. */
export type TextureFamily = (typeof TEXTURE_FAMILIES)[number];

const RENDERERS: Readonly<Record<TextureFamily, FamilyRenderer>> = {
  stripes: renderStripes,
  mesh: renderMesh,
  wood: renderWood,
  leather: renderLeather,
  noise: renderNoise,
  tiles: renderTiles,
  carpet: renderCarpet,
  metal: renderMetal,
  circuit: renderCircuit,
  dots: renderDots,
};

/** Smallest and largest accepted image side. */
export const MIN_SYNTHETIC_SIZE = 16;
export const MAX_SYNTHETIC_SIZE = 4096;

/**
 * Throws a `TypeError` unless `family` is one of {@link TEXTURE_FAMILIES}, listing them.
 *
 * @example
 * assertTextureFamily('wood', 'family'); // ok
 */
export function assertTextureFamily(family: unknown, what: string): asserts family is TextureFamily {
  if (typeof family !== 'string' || !Object.prototype.hasOwnProperty.call(RENDERERS, family)) {
    throw new TypeError(`${what}: unknown texture family ${JSON.stringify(family)}; valid families: ${TEXTURE_FAMILIES.join(', ')}`);
  }
}

/**
 * Throws a `RangeError` unless `size` is an integer in 16..4096.
 *
 * @example
 * assertSyntheticSize(224, 'size'); // ok
 */
export function assertSyntheticSize(size: unknown, what: string): asserts size is number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < MIN_SYNTHETIC_SIZE || size > MAX_SYNTHETIC_SIZE) {
    throw new RangeError(`${what} must be an integer in ${MIN_SYNTHETIC_SIZE}..${MAX_SYNTHETIC_SIZE}, got ${String(size)}`);
  }
}

/** Generates without validating (internal; seed already a uint32). */
export function renderTexture(family: TextureFamily, size: number, seed: number): RawImage8 {
  const rng = new SyntheticRng(mixSeed(seed, hashString(family)));
  const buf = new Float32Array(size * size * 3);
  RENDERERS[family](buf, size, rng);
  // uneven illumination (a gentle linear ramp) and sensor noise
  const ramp = rng.range(0, 0.12);
  const ra = rng.range(0, 2 * Math.PI);
  const gx = (Math.cos(ra) * ramp) / size;
  const gy = (Math.sin(ra) * ramp) / size;
  const noise = rng.range(0.5, 4);
  let ns = rng.nextU32() | 0;
  const half = size / 2;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const light = 1 + gx * (x - half) + gy * (y - half);
      // triangular noise from two bytes of an LCG step (cheap, deterministic in pixel order)
      ns = (Math.imul(ns, 1664525) + 1013904223) | 0;
      const n = noise * (((ns >>> 24) + ((ns >>> 16) & 255)) / 255 - 1);
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = Math.round(buf[o + c]! * light + n);
        data[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { width: size, height: size, channels: 3, data };
}

/**
 * Generates a clean `size` x `size` RGB texture of `family`. Every parameter (palette, scale,
 * orientation, noise) is drawn from `seed`: the same arguments give byte-identical output.
 *
 * @example
 * const img = generateTexture('wood', 224, 7); // { width: 224, height: 224, channels: 3, data }
 */
export function generateTexture(family: TextureFamily, size: number, seed: number): RawImage8 {
  assertTextureFamily(family, 'generateTexture: family');
  assertSyntheticSize(size, 'generateTexture: size');
  return renderTexture(family, size, normalizeSeed(seed, 'generateTexture: seed'));
}
