/*
 * Seeded randomness for the synthetic texture generator: a small splitmix32-style PRNG,
 * string hashing and seed mixing. Everything random in this directory is
 * a pure function of these, so one seed reproduces an image byte for byte.
 */

/** The 32-bit finaliser shared by the PRNG and the hashes (murmur3 / splitmix constants). */
function avalanche(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Combines integers into one well-mixed unsigned 32-bit seed (order matters).
 *
 * @example
 * const s = mixSeed(42, 7); // a different stream than mixSeed(7, 42)
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = avalanche(h ^ lo) + 0x9e3779b9;
    if (hi !== 0) h = avalanche(h ^ hi) + 0x7f4a7c15;
  }
  return avalanche(h);
}

/**
 * FNV-1a hash of a string, as an unsigned 32-bit integer.
 *
 * @example
 * hashString('wood'); // stable across runs and platforms
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/**
 * Checks that `seed` is a safe integer and folds it to an unsigned 32-bit state.
 * Throws a `TypeError` naming `what` otherwise.
 *
 * @example
 * normalizeSeed(-1, 'seed'); // a valid uint32
 */
export function normalizeSeed(seed: number, what: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TypeError(`${what} must be a safe integer, got ${String(seed)}`);
  }
  return mixSeed(seed);
}

/**
 * A small, fast, seeded PRNG (splitmix32 stream). Not cryptographic.
 *
 * @example
 * const rng = new SyntheticRng(123);
 * const x = rng.range(2, 5); // float in [2, 5)
 * const k = rng.int(0, 9); // integer in [0, 9]
 */
export class SyntheticRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    return avalanche(this.state);
  }

  /** Next float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Float in [a, b). */
  range(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Integer in [a, b] (inclusive). */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** -1 or +1. */
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Approximately standard-normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
