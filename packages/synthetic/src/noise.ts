/*
 * Procedural noise on an integer lattice (any rotated or warped coordinate can be sampled):
 * value noise, fractal sums, Worley (cellular) distances, and relief shading of a height field.
 */

import { SyntheticRng } from './rng';

/** Smoothstep fade used for lattice interpolation. */
function fade(t: number): number {
  return t * t * (3 - 2 * t);
}

/**
 * Seeded lattice noise (classic permutation-table hashing, period 256 lattice units):
 * value noise, fractal sums, Worley (cellular) distances and per-cell random values.
 * Cheap to build (a few hundred PRNG draws) and to sample (table look-ups only).
 *
 * @example
 * const n = new LatticeNoise(1234);
 * const v = n.value(x / 16, y / 16); // smooth, in [0, 1)
 */
export class LatticeNoise {
  private readonly perm = new Uint8Array(512);
  private readonly v0 = new Float32Array(256);
  private readonly v1 = new Float32Array(256);
  private readonly v2 = new Float32Array(256);

  constructor(seed: number) {
    const rng = new SyntheticRng(seed);
    for (let i = 0; i < 256; i++) this.perm[i] = i;
    for (let i = 255; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = this.perm[i]!;
      this.perm[i] = this.perm[j]!;
      this.perm[j] = t;
    }
    for (let i = 0; i < 256; i++) {
      this.perm[i + 256] = this.perm[i]!;
      this.v0[i] = rng.next();
      this.v1[i] = rng.next();
      this.v2[i] = rng.next();
    }
  }

  private h(ix: number, iy: number): number {
    return this.perm[this.perm[ix & 255]! + (iy & 255)]!;
  }

  /** A random value in [0, 1) attached to integer lattice point (ix, iy). */
  cell(ix: number, iy: number): number {
    return this.v0[this.h(ix, iy)]!;
  }

  /** Value noise in [0, 1): lattice values smoothly interpolated. */
  value(x: number, y: number): number {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = fade(x - x0);
    const fy = fade(y - y0);
    const v = this.v0;
    const a = v[this.h(x0, y0)]!;
    const b = v[this.h(x0 + 1, y0)]!;
    const c = v[this.h(x0, y0 + 1)]!;
    const d = v[this.h(x0 + 1, y0 + 1)]!;
    const top = a + (b - a) * fx;
    const bottom = c + (d - c) * fx;
    return top + (bottom - top) * fy;
  }

  /**
   * Fractal (fBm) sum of `octaves` value-noise layers, each twice the frequency and `gain`
   * times the amplitude of the previous one, normalised to [0, 1).
   */
  fbm(x: number, y: number, octaves: number, gain = 0.5): number {
    let sum = 0;
    let amp = 1;
    let norm = 0;
    let fx = x;
    let fy = y;
    for (let o = 0; o < octaves; o++) {
      sum += amp * this.value(fx, fy);
      norm += amp;
      amp *= gain;
      // rotate and shift between octaves so lattice artefacts do not line up
      const nx = fx * 1.6 - fy * 1.2 + 17.13;
      fy = fx * 1.2 + fy * 1.6 + 5.71;
      fx = nx;
    }
    return sum / norm;
  }

  /**
   * Worley (cellular) noise with one jittered feature point per unit cell: writes the
   * distance to the nearest point to `out[0]`, to the second nearest to `out[1]` and a
   * [0, 1) id of the nearest point's cell to `out[2]`.
   */
  worley(x: number, y: number, out: Float64Array): void {
    const cx = Math.floor(x);
    const cy = Math.floor(y);
    let f1 = 1e9;
    let f2 = 1e9;
    let id = 0;
    for (let j = -1; j <= 1; j++) {
      for (let i = -1; i <= 1; i++) {
        const hh = this.h(cx + i, cy + j);
        const dx = cx + i + this.v1[hh]! - x;
        const dy = cy + j + this.v2[hh]! - y;
        const d = dx * dx + dy * dy;
        if (d < f1) {
          f2 = f1;
          f1 = d;
          id = this.v0[hh]!;
        } else if (d < f2) {
          f2 = d;
        }
      }
    }
    out[0] = Math.sqrt(f1);
    out[1] = Math.sqrt(f2);
    out[2] = id;
  }
}

/**
 * Lambert-like relief shading of a `size` x `size` height field lit from direction
 * `lightAngle` (radians): returns per-pixel factors around 1 (flat = 1).
 *
 * @example
 * const shade = shadeHeight(height, 224, Math.PI / 4, 1.5);
 */
export function shadeHeight(height: Float32Array, size: number, lightAngle: number, strength: number): Float32Array {
  const out = new Float32Array(size * size);
  const lx = Math.cos(lightAngle);
  const ly = Math.sin(lightAngle);
  for (let y = 0; y < size; y++) {
    const ym = y > 0 ? y - 1 : y;
    const yp = y < size - 1 ? y + 1 : y;
    for (let x = 0; x < size; x++) {
      const xm = x > 0 ? x - 1 : x;
      const xp = x < size - 1 ? x + 1 : x;
      const gx = (height[y * size + xp]! - height[y * size + xm]!) * 0.5;
      const gy = (height[yp * size + x]! - height[ym * size + x]!) * 0.5;
      // surface normal (-gx, -gy, 1) dotted with a light 45 degrees above the horizon
      const ndl = (-gx * lx - gy * ly) * strength;
      out[y * size + x] = 1 + ndl / Math.sqrt(1 + (gx * gx + gy * gy) * strength * strength);
    }
  }
  return out;
}

/** Clamps `v` into [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Hermite smoothstep of `x` between edges `a` < `b`. */
export function smoothstep(a: number, b: number, x: number): number {
  const t = clamp((x - a) / (b - a), 0, 1);
  return t * t * (3 - 2 * t);
}
