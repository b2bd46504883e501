/*
 * Labelled samples and datasets: a clean texture, optionally with one defect and its mask.
 * Seeds are derived from (dataset seed, family name, normal/anomalous, index), so a family's
 * samples do not depend on which other families are in the list.
 */

import type { RawImage8 } from '@aaclip/core';
import { addDefect, assertDefectKind } from './add-defect';
import { DEFECT_KINDS, type DefectKind } from './defects';
import { hashString, mixSeed, normalizeSeed } from './rng';
import { assertSyntheticSize, assertTextureFamily, renderTexture, type TextureFamily } from './texture';

/** One generated image with its label and, when anomalous, its exact defect mask. */
export interface SyntheticSample {
  image: RawImage8;
  /** `width * height` bytes, 1 = defect; null for normal samples. */
  mask: Uint8Array | null;
  label: 0 | 1;
  family: TextureFamily;
  defect: DefectKind | null;
  /** The seed that regenerates this sample with {@link generateSample}. */
  seed: number;
}

/** Options of {@link generateSample}. */
export interface GenerateSampleOptions {
  family: TextureFamily;
  size: number;
  seed: number;
  anomalous: boolean;
  /** Defect kind of an anomalous sample; chosen from the seed when omitted. */
  defect?: DefectKind;
}

/** Options of {@link generateDataset}. */
export interface GenerateDatasetOptions {
  families: readonly TextureFamily[];
  size: number;
  perFamily: { normal: number; anomalous: number };
  seed: number;
  /** Defect kinds cycled through by the anomalous samples (default: all of DEFECT_KINDS). */
  defects?: readonly DefectKind[];
}

/**
 * Generates one sample: a `size` x `size` texture of `family` and, when `anomalous`, one defect
 * (`defect`, or one chosen from the seed) with its exact mask. Deterministic in its options.
 *
 * @example
 * const s = generateSample({ family: 'tiles', size: 224, seed: 5, anomalous: true, defect: 'crack' });
 * s.label; // 1, and s.mask marks the crack
 */
export function generateSample(opts: GenerateSampleOptions): SyntheticSample {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`generateSample: expected an options object, got ${String(opts)}`);
  const { family, size, seed, anomalous, defect } = opts;
  assertTextureFamily(family, 'generateSample: family');
  assertSyntheticSize(size, 'generateSample: size');
  const s = normalizeSeed(seed, 'generateSample: seed');
  if (typeof anomalous !== 'boolean') throw new TypeError(`generateSample: anomalous must be a boolean, got ${String(anomalous)}`);
  if (defect !== undefined) {
    assertDefectKind(defect, 'generateSample: defect');
    if (!anomalous) throw new TypeError(`generateSample: defect ${JSON.stringify(defect)} given but anomalous is false`);
  }
  const image = renderTexture(family, size, mixSeed(s, 0x7e47));
  if (!anomalous) return { image, mask: null, label: 0, family, defect: null, seed };
  const kind = defect ?? DEFECT_KINDS[mixSeed(s, 0xdefc) % DEFECT_KINDS.length]!;
  const r = addDefect(image, kind, mixSeed(s, 0xdef0));
  return { image: r.image, mask: r.mask, label: 1, family, defect: kind, seed };
}

function assertCount(v: unknown, what: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${String(v)}`);
  }
}

/**
 * Generates `perFamily.normal` normal then `perFamily.anomalous` anomalous samples for each
 * family, in the order of `families`. Anomalous samples cycle through `defects` (from a
 * seed-dependent offset), so every kind is equally represented. Deterministic in its options.
 *
 * @example
 * const train = generateDataset({ families: ['wood', 'metal'], size: 224, perFamily: { normal: 8, anomalous: 8 }, seed: 1 });
 * train.length; // 32
 */
export function generateDataset(opts: GenerateDatasetOptions): SyntheticSample[] {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`generateDataset: expected an options object, got ${String(opts)}`);
  const { families, size, perFamily, seed } = opts;
  if (!Array.isArray(families) || families.length === 0) {
    throw new TypeError(`generateDataset: families must be a non-empty array, got ${JSON.stringify(families)}`);
  }
  const seen = new Set<string>();
  families.forEach((f, i) => {
    assertTextureFamily(f, `generateDataset: families[${i}]`);
    if (seen.has(f)) throw new TypeError(`generateDataset: families[${i}] ${JSON.stringify(f)} is listed twice`);
    seen.add(f);
  });
  assertSyntheticSize(size, 'generateDataset: size');
  if (perFamily === null || typeof perFamily !== 'object') throw new TypeError(`generateDataset: perFamily must be { normal, anomalous }, got ${String(perFamily)}`);
  assertCount(perFamily.normal, 'generateDataset: perFamily.normal');
  assertCount(perFamily.anomalous, 'generateDataset: perFamily.anomalous');
  const s = normalizeSeed(seed, 'generateDataset: seed');
  const defects = opts.defects ?? DEFECT_KINDS;
  if (!Array.isArray(defects) || defects.length === 0) {
    throw new TypeError(`generateDataset: defects must be a non-empty array, got ${JSON.stringify(defects)}`);
  }
  defects.forEach((d, i) => assertDefectKind(d, `generateDataset: defects[${i}]`));
  const out: SyntheticSample[] = [];
  for (const family of families) {
    const fh = hashString(family);
    for (let i = 0; i < perFamily.normal; i++) {
      out.push(generateSample({ family, size, seed: mixSeed(s, fh, 0, i), anomalous: false }));
    }
    const offset = mixSeed(s, fh, 2) % defects.length;
    for (let i = 0; i < perFamily.anomalous; i++) {
      const defect = defects[(offset + i) % defects.length]!;
      out.push(generateSample({ family, size, seed: mixSeed(s, fh, 1, i), anomalous: true, defect }));
    }
  }
  return out;
}
