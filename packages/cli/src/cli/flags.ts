// Flag values checked before any backend starts or any file is read: every numeric flag has a
// lower and an upper bound, and every error is one line naming the flag, its limits and the value.
import { availableParallelism } from 'node:os';
import { showValue, UsageError } from '../cli-args';

type Values = Record<string, unknown>;

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Limits of the size flags. 1024 px is the largest input the CLI accepts: ViT-L/14 at 1022 px
 * is a 73 x 73 grid (5,330 tokens), whose attention scores take 16 x 5330^2 x 4 B = 1.8 GB per
 * block, past what the wasm heap holds beside the weights (--size 4096 ended in a wasm "memory
 * access out of bounds", --size 100000 in "Invalid typed array length"). A size must also give
 * at most MAX_GRID patches per side (see checkSizeForModel).
 */
export const SIZE_LIMITS = { min: 8, max: 1024 } as const;
/** Patches per side: 64 x 64 = 4,096 tokens. */
export const MAX_GRID = 64;

/**
 * Worker threads: one per core at most (each holds its own copy of the weights, and more
 * threads than cores only add memory: --workers 1000 took 8 GiB and wrote nothing), but at
 * least 2, so that a pool can be tried on any machine.
 */
export function maxWorkers(): number {
  return Math.max(2, availableParallelism());
}

function raw(values: Values, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  return String(v);
}

/** An integer flag in [min, max], or `def` when absent. */
export function intFlag(values: Values, name: string, def: number, min: number, max: number): number;
export function intFlag(values: Values, name: string, def: number | undefined, min: number, max: number): number | undefined;
export function intFlag(values: Values, name: string, def: number | undefined, min: number, max: number): number | undefined {
  const v = raw(values, name);
  if (v === undefined) return def;
  const n = INT.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${showValue(v)}`);
  return n;
}

/** A number flag in [min, max] (finite), or `def` when absent; `exclusiveMin` rejects min itself. */
export function numFlag(values: Values, name: string, def: number, min: number, max: number, opts: { exclusiveMin?: boolean } = {}): number {
  const v = raw(values, name);
  if (v === undefined) return def;
  const n = NUM.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  const low = opts.exclusiveMin ? n > min : n >= min;
  if (!Number.isFinite(n) || !low || n > max) throw new UsageError(`--${name} must be a number ${opts.exclusiveMin ? `above ${min} and up to` : `from ${min} to`} ${max}, got ${showValue(v)}`);
  return n;
}

/** One of `choices`, or `def` when absent. */
export function choiceFlag<T extends string>(values: Values, name: string, def: T, choices: readonly T[]): T {
  const v = raw(values, name);
  if (v === undefined) return def;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be ${choices.slice(0, -1).join(', ')}${choices.length > 1 ? ' or ' : ''}${choices[choices.length - 1]}, got ${showValue(v)}`);
  return v as T;
}

/** A required non-empty string flag. */
export function requiredFlag(values: Values, name: string, hint: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} ${hint} is required`);
  return v;
}

/** --size (optional): an integer within SIZE_LIMITS. */
export function sizeFlag(values: Values): number | undefined {
  return intFlag(values, 'size', undefined, SIZE_LIMITS.min, SIZE_LIMITS.max);
}

/** --size against the model's patch: a multiple of it, at most MAX_GRID patches per side. */
export function checkSizeForModel(size: number, patchSize: number, what: string): void {
  if (size % patchSize !== 0) {
    const lo = Math.max(patchSize, Math.floor(size / patchSize) * patchSize);
    throw new UsageError(`--size must be a multiple of the model's patch size ${patchSize} (${what}), got ${size}: use ${lo} or ${lo + patchSize}`);
  }
  if (size / patchSize > MAX_GRID) throw new UsageError(`--size ${size} gives ${size / patchSize} patches per side with patch ${patchSize} (${what}); at most ${MAX_GRID} (--size ${MAX_GRID * patchSize})`);
}

/** --seed: an integer from 0 to 2^32 - 1 (the seeded generators are 32-bit). */
export function seedFlag(values: Values): number {
  return intFlag(values, 'seed', 111, 0, 2 ** 32 - 1);
}
