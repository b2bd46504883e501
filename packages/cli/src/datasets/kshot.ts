// Seeded k-shot sampling per class.
import { mulberry32 } from '@aaclip/core';
import type { DatasetItem, DatasetSplit } from './types';

/**
 * A small seeded PRNG (mulberry32, the same generator as core's trainer): uniform floats in
 * [0, 1) from a 32-bit state.
 *
 * @example
 * const rand = seededRandom(42);
 * rand(); // same sequence for the same seed, on every platform
 */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** 32-bit FNV-1a hash of a string's UTF-16 code units, mixed with `seed`. */
function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Options of {@link sampleKShot}. */
export interface KShotOptions {
  /** Only items of this split (default: any). */
  split?: DatasetSplit;
  /** Only items with this label (default: any). */
  label?: 0 | 1;
  /** k items per (class, label) instead of per class: k normal + k anomalous (default false). */
  perLabel?: boolean;
  /** Take every candidate of a group with fewer than k (default false: that is an error). */
  allowFewer?: boolean;
}

/**
 * Picks k items per class, deterministically from `seed`. Each class (or class and label,
 * with `perLabel`) is sampled on its own PRNG stream derived from the seed and the class
 * name, from its candidates sorted by image path: the result depends only on the set of
 * candidates, k and the seed (not on the input order, nor on the other classes).
 * The result lists classes in sorted order, each group's picks by image path.
 *
 * @throws RangeError naming the class (and label) when a group has fewer than k candidates,
 *   unless `allowFewer`.
 * @example
 * const shots = sampleKShot(index.items, 4, 0, { split: 'train', label: 0 }); // 4 normal train images per class
 */
export function sampleKShot(items: readonly DatasetItem[], k: number, seed: number, opts: KShotOptions = {}): DatasetItem[] {
  if (!Array.isArray(items)) throw new TypeError(`sampleKShot: items must be an array, got ${typeof items}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`sampleKShot: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(seed)) throw new RangeError(`sampleKShot: seed must be an integer, got ${seed}`);
  if (opts.split !== undefined && opts.split !== 'train' && opts.split !== 'test') {
    throw new RangeError(`sampleKShot: split must be 'train' or 'test', got ${JSON.stringify(opts.split)}`);
  }
  if (opts.label !== undefined && opts.label !== 0 && opts.label !== 1) {
    throw new RangeError(`sampleKShot: label must be 0 or 1, got ${JSON.stringify(opts.label)}`);
  }
  const groups = new Map<string, DatasetItem[]>();
  for (const it of items) {
    if (opts.split !== undefined && it.split !== opts.split) continue;
    if (opts.label !== undefined && it.label !== opts.label) continue;
    const key = opts.perLabel ? `${it.className}\u0000${it.label}` : it.className;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(it);
  }
  const byPath = (a: DatasetItem, b: DatasetItem): number => (a.imagePath < b.imagePath ? -1 : a.imagePath > b.imagePath ? 1 : 0);
  const out: DatasetItem[] = [];
  for (const key of [...groups.keys()].sort()) {
    const cands = groups.get(key)!.sort(byPath);
    if (cands.length < k && !opts.allowFewer) {
      const [cls, lab] = key.split('\u0000');
      const filters = [
        opts.split !== undefined ? `split=${opts.split}` : '',
        opts.label !== undefined ? `label=${opts.label}` : lab !== undefined ? `label=${lab}` : '',
      ].filter(Boolean);
      throw new RangeError(
        `sampleKShot: class "${cls}"${filters.length ? ` (${filters.join(', ')})` : ''} has ${cands.length} candidate(s), fewer than k=${k}`,
      );
    }
    // Partial Fisher-Yates over candidate positions.
    const rand = seededRandom(hashString(key, seed >>> 0));
    const pos = cands.map((_, i) => i);
    const n = Math.min(k, cands.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(rand() * (pos.length - i));
      [pos[i], pos[j]] = [pos[j], pos[i]];
    }
    out.push(...pos.slice(0, n).sort((a, b) => a - b).map((i) => cands[i]));
  }
  return out;
}
