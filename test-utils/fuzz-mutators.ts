/**
 * Test-only helpers for the fuzz suites: a seeded PRNG, byte-level mutators (bit flips,
 * interesting values, truncation, chunk duplication / deletion, header-length tampering),
 * and a tally that classifies each case as parsed, a typed error (by code) or a crash.
 * Not exported from the package.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same cases on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Byte ranges worth aiming at (headers, directories), as [start, end). */
export type Focus = readonly (readonly [number, number])[];

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x20, 0x7b, 0x7d, 0x2e, 0x28, 0x0a];
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_U64 = [0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];

function position(len: number, rng: Rng, focus: Focus): number {
  if (len === 0) return 0;
  const ranges = focus.filter(([a, b]) => b > a && a < len);
  if (ranges.length > 0 && rng.next() < 0.75) {
    const [a, b] = rng.pick(ranges);
    return Math.min(len - 1, a + rng.int(b - a));
  }
  return rng.int(len);
}

/** The mutation kinds {@link mutate} applies. */
export const MUTATIONS = ['bitflip', 'byte', 'u32', 'u64', 'truncate', 'duplicate', 'delete', 'random', 'multi'] as const;
export type MutationKind = (typeof MUTATIONS)[number];

/** Applies one mutation of `kind` (random when omitted) to a copy of `input`. */
export function mutate(input: Uint8Array, rng: Rng, focus: Focus = [], kind: MutationKind = rng.pick(MUTATIONS)): { bytes: Uint8Array; kind: MutationKind } {
  let out: Uint8Array = input.slice();
  const len = out.length;
  switch (kind) {
    case 'bitflip': {
      const flips = 1 + rng.int(8);
      for (let i = 0; i < flips && len > 0; i++) out[position(len, rng, focus)]! ^= 1 << rng.int(8);
      break;
    }
    case 'byte': {
      const n = 1 + rng.int(4);
      for (let i = 0; i < n && len > 0; i++) out[position(len, rng, focus)] = rng.pick(INTERESTING_BYTES);
      break;
    }
    case 'u32': {
      const at = position(len, rng, focus);
      if (at + 4 <= len) new DataView(out.buffer).setUint32(at, rng.pick(INTERESTING_U32), rng.next() < 0.8);
      break;
    }
    case 'u64': {
      const at = position(len, rng, focus);
      if (at + 8 <= len) new DataView(out.buffer).setBigUint64(at, rng.pick(INTERESTING_U64), true);
      break;
    }
    case 'truncate':
      out = out.slice(0, rng.next() < 0.5 ? position(len, rng, focus) : rng.int(len));
      break;
    case 'duplicate': {
      const a = position(len, rng, focus);
      const b = Math.min(len, a + 1 + rng.int(64));
      const at = position(len, rng, focus);
      out = concat(out.subarray(0, at), out.subarray(a, b), out.subarray(at));
      break;
    }
    case 'delete': {
      const a = position(len, rng, focus);
      const b = Math.min(len, a + 1 + rng.int(64));
      out = concat(out.subarray(0, a), out.subarray(b));
      break;
    }
    case 'random': {
      const a = position(len, rng, focus);
      const b = Math.min(len, a + 1 + rng.int(16));
      for (let i = a; i < b; i++) out[i] = rng.int(256);
      break;
    }
    case 'multi': {
      const steps = 2 + rng.int(3);
      for (let i = 0; i < steps; i++) out = mutate(out, rng, focus, rng.pick(MUTATIONS.filter((m) => m !== 'multi'))).bytes;
      break;
    }
  }
  return { bytes: out, kind };
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Counts per-case outcomes and the slowest case; crashes keep enough to reproduce. */
export class FuzzTally {
  cases = 0;
  parsed = 0;
  readonly errors = new Map<string, number>();
  readonly crashes: string[] = [];
  maxMs = 0;
  /** Largest ArrayBuffer growth seen in one case (-1: not measured by this suite). */
  maxAllocBytes = -1;

  constructor(readonly name: string) {}

  /** Records one case: `outcome` is 'ok', an error code/class, or a crash description. */
  record(outcome: { ok: true } | { error: string } | { crash: string }, ms: number): void {
    this.cases++;
    this.maxMs = Math.max(this.maxMs, ms);
    if ('ok' in outcome) this.parsed++;
    else if ('error' in outcome) this.errors.set(outcome.error, (this.errors.get(outcome.error) ?? 0) + 1);
    else this.crashes.push(outcome.crash);
  }

  /** One line for the summary table. */
  summary(): Record<string, unknown> {
    const errors = Object.fromEntries([...this.errors.entries()].sort((a, b) => b[1] - a[1]));
    const alloc = this.maxAllocBytes < 0 ? {} : { maxAllocMiB: Math.round((this.maxAllocBytes / 2 ** 20) * 10) / 10 };
    return { suite: this.name, cases: this.cases, parsed: this.parsed, errors, crashes: this.crashes.length, maxMs: Math.round(this.maxMs * 10) / 10, ...alloc };
  }
}
