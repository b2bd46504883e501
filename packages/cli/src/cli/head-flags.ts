// The flags that choose a detection head, checked before any backend starts: --method,
// --topmin-max (MuSc), --normal DIR and --shots K (few-shot normal references).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { minImagesForMsm } from '@aaclip/core';
import { isImageName } from '../datasets/scan';
import { seededRandom } from '../datasets/kshot';
import { requirePath, usage } from './common';
import { choiceFlag, intFlag, numFlag } from './flags';
import { METHODS, type Method } from './heads';

export const HEAD_OPTIONS = { method: 'string', 'topmin-max': 'string', normal: 'string', shots: 'string' } as const;

export const HEAD_HELP = `  --method M          aaclip (default: the adapters' zero-shot head) | musc (MuSc: the frozen
                      CLIP alone, no adapters or text; scores a batch of images against each
                      other, so it needs several images of one class at once)
  --topmin-max X      MuSc's interval: the fraction (0 to 1) of the other images each patch is
                      compared with, or a whole count (default 0.3: a batch of at least 5)`;

/** Most reference images read (each is one CLIP forward pass and G*G banked patches per level). */
export const MAX_SHOTS = 1000;

export interface HeadFlags {
  method: Method;
  topminMax: number;
  /** Least images a MuSc batch needs with these settings (1 for AA-CLIP). */
  minBatch: number;
  shots: number | undefined;
}

/** --method, --topmin-max, --shots. */
export function headFlags(values: Record<string, unknown>): HeadFlags {
  const method = choiceFlag(values, 'method', 'aaclip', METHODS);
  const topminMax = numFlag(values, 'topmin-max', 0.3, 0, 1000, { exclusiveMin: true });
  if (topminMax >= 1 && !Number.isInteger(topminMax)) throw usage(`--topmin-max must be a fraction below 1 or a whole count, got ${topminMax}`);
  if (values['topmin-max'] !== undefined && method !== 'musc') throw usage('--topmin-max is a MuSc setting: use it with --method musc');
  const shots = intFlag(values, 'shots', undefined, 1, MAX_SHOTS);
  return { method, topminMax, minBatch: method === 'musc' ? minImagesForMsm(0, topminMax) : 1, shots };
}

/** The usage error for a MuSc batch under its minimum. */
export function checkMuscBatch(n: number, f: HeadFlags, what: string): void {
  if (f.method === 'musc' && n < f.minBatch) {
    throw usage(
      `--method musc scores each image against the others of its batch, so it needs at least ${f.minBatch} images for --topmin-max ${f.topminMax} (${what}: ${n})` +
        (n === 2 ? '; with 2 images use --topmin-max 1 (a count: the one other image)' : n > 2 ? `; with ${n} images use --topmin-max ${Math.ceil(100 / (n - 1)) / 100} or more (a fraction), or a count from 1 to ${n - 1}` : ''),
    );
  }
}

/**
 * The images of --normal DIR (known-good references), K of them chosen with the seed when
 * --shots K is given; sorted by path.
 */
export function normalImages(dir: string, shots: number | undefined, seed: number): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw usage(`--normal folder not found: ${dir}`);
  }
  if (!st.isDirectory()) throw usage(`--normal must be a folder of known-good images, got a file: ${dir}`);
  const all = readdirSync(dir).filter(isImageName).sort().map((f) => resolve(join(dir, f)));
  if (all.length === 0) throw usage(`--normal ${dir} holds no images (.png, .jpg, ...): the reference set is empty`);
  if (shots === undefined) {
    if (all.length > MAX_SHOTS) throw usage(`--normal ${dir} holds ${all.length} images; at most ${MAX_SHOTS} are banked (choose some with --shots K)`);
    return all;
  }
  if (shots > all.length) throw usage(`--shots ${shots}: --normal ${dir} holds only ${all.length} images`);
  // seeded Fisher-Yates, as the k-shot sampling of the datasets
  const rand = seededRandom(seed);
  const order = [...all];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, shots).sort();
}

/**
 * Image arguments: files as given, folders replaced by the images directly inside them (sorted);
 * a folder without images is a usage error naming it.
 */
export function expandImageArgs(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    requirePath(p, 'image');
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    const found = readdirSync(p).filter(isImageName).sort().map((f) => join(p, f));
    if (found.length === 0) throw usage(`${p} is a folder without images (.png, .jpg, ...)`);
    out.push(...found);
  }
  return out;
}
