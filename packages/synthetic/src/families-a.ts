/*
 * Texture families, part 1: stripes, mesh (woven grid), wood, leather and noise.
 * Each renderer fills a float HWC RGB buffer (0..255) of a `size` x `size` image and draws
 * every parameter (palette, scale, orientation, noise) from `rng`. Lengths are given for a
 * 224 px image and scaled by `k = size / 224`.
 */

import { hsl, mixRgb, putMix, putRgb, randomHsl, type Rgb } from './color';
import { clamp, LatticeNoise, shadeHeight, smoothstep } from './noise';
import type { SyntheticRng } from './rng';

/** Fills `buf` (size * size * 3 floats) with one texture sample. */
export type FamilyRenderer = (buf: Float32Array, size: number, rng: SyntheticRng) => void;

/** A second colour whose lightness differs from `l` by at least `minDelta`. */
function contrastingLightness(rng: SyntheticRng, l: number, minDelta: number, maxDelta: number): number {
  const d = rng.range(minDelta, maxDelta);
  const up = l + d <= 0.92 && (l - d < 0.08 || rng.chance(0.5));
  return up ? l + d : l - d;
}

/** Coloured stripes (fabric, corrugated sheet) with soft edges, gentle waviness and thread noise. */
export const renderStripes: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const theta = rng.chance(0.5) ? rng.pick([0, Math.PI / 2]) : rng.range(0, Math.PI);
  const period = Math.max(3, rng.range(6, 30) * k);
  const duty = rng.range(0.3, 0.7);
  const soft = Math.max(rng.range(0.03, 0.2), 0.8 / period);
  const hue = rng.range(0, 360);
  const l1 = rng.range(0.2, 0.75);
  const c1 = hsl(hue, rng.range(0.05, 0.7), l1);
  const c2 = hsl(hue + rng.pick([0, 0, 25, 180, rng.range(-90, 90)]), rng.range(0.05, 0.7), contrastingLightness(rng, l1, 0.1, 0.35));
  const pin = rng.chance(0.4) ? { c: randomHsl(rng, [0, 360], [0.2, 0.9], [0.2, 0.9]), w: rng.range(0.03, 0.1) } : null;
  const waveAmp = rng.chance(0.5) ? rng.range(0.05, 0.6) : 0;
  const waveScale = rng.range(60, 200) * k;
  const weaveAmp = rng.range(0.03, 0.1);
  const n1 = new LatticeNoise(rng.nextU32());
  const n2 = new LatticeNoise(rng.nextU32());
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const thread = Math.max(0.7, 1.3 * k);
  const mid = duty + (1 - duty) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      let t = u / period + waveAmp * (n1.value(v / waveScale, u / (2 * waveScale)) - 0.5) * 2;
      t -= Math.floor(t);
      const e = t < duty ? Math.min(t, duty - t) : -Math.min(t - duty, 1 - t);
      const shade = 1 + weaveAmp * 2 * (n2.value(u / thread, v / (3 * thread)) - 0.5);
      const p = y * size + x;
      putMix(buf, p, c2, c1, clamp(0.5 + e / soft, 0, 1), shade);
      if (pin) {
        const a = clamp(0.5 + (pin.w / 2 - Math.abs(t - mid)) / soft, 0, 1);
        if (a > 0) {
          const o = p * 3;
          buf[o] = buf[o]! + (pin.c[0] * shade - buf[o]!) * a;
          buf[o + 1] = buf[o + 1]! + (pin.c[1] * shade - buf[o + 1]!) * a;
          buf[o + 2] = buf[o + 2]! + (pin.c[2] * shade - buf[o + 2]!) * a;
        }
      }
    }
  }
};

/** A woven grid (plain or twill weave, or open wire mesh) with cylindrical thread shading. */
export const renderMesh: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const theta = rng.chance(0.6) ? rng.range(-0.12, 0.12) : rng.range(0, Math.PI);
  const cell = Math.max(3, rng.range(5, 16) * k);
  const wire = rng.chance(0.3);
  const tw = wire ? rng.range(0.35, 0.6) : rng.range(0.65, 0.97);
  const twill = rng.chance(0.35) ? rng.int(3, 4) : 2;
  const gap = wire && rng.chance(0.5) ? randomHsl(rng, [0, 360], [0, 0.2], [0.6, 0.9]) : randomHsl(rng, [0, 360], [0, 0.3], [0.02, 0.18]);
  const warp = wire ? randomHsl(rng, [180, 240], [0, 0.12], [0.35, 0.75]) : randomHsl(rng, [0, 360], [0, 0.65], [0.3, 0.8]);
  const weft = wire || rng.chance(0.5) ? mixRgb(warp, randomHsl(rng, [0, 360], [0, 0.5], [0.3, 0.8]), rng.range(0, 0.3)) : randomHsl(rng, [0, 360], [0, 0.65], [0.3, 0.8]);
  const fibreAmp = wire ? 0.05 : rng.range(0.08, 0.2);
  const n1 = new LatticeNoise(rng.nextU32());
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const fine = Math.max(0.6, 0.9 * k);
  const half = tw / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      const cu = u / cell;
      const cv = v / cell;
      const ix = Math.floor(cu);
      const iy = Math.floor(cv);
      const fu = cu - ix;
      const fv = cv - iy;
      const au = Math.abs(fu - 0.5) / half;
      const av = Math.abs(fv - 0.5) / half;
      const warpOver = (((ix + iy) % twill) + twill) % twill < Math.floor(twill / 2);
      let col: Rgb = gap;
      let shade = 1;
      if (au < 1 && (av >= 1 || warpOver)) {
        const lift = warpOver ? 0.75 + 0.25 * Math.sin(Math.PI * fv) : 0.7;
        const n = n1.value(u / fine, v / (4 * fine)) - 0.5;
        col = warp;
        shade = (0.45 + 0.55 * Math.sqrt(1 - au * au)) * lift * (1 + fibreAmp * 2 * n);
      } else if (av < 1) {
        const lift = !warpOver ? 0.75 + 0.25 * Math.sin(Math.PI * fu) : 0.7;
        const n = n1.value(u / (4 * fine) + 101.5, v / fine) - 0.5;
        col = weft;
        shade = (0.45 + 0.55 * Math.sqrt(1 - av * av)) * lift * (1 + fibreAmp * 2 * n);
      }
      putMix(buf, y * size + x, col, col, 0, shade);
    }
  }
};

/** Planed wood: distorted growth rings (early / late wood), fine grain streaks and pores. */
export const renderWood: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const theta = rng.chance(0.6) ? rng.pick([0, Math.PI / 2]) + rng.range(-0.1, 0.1) : rng.range(0, Math.PI);
  const period = Math.max(3, rng.range(7, 26) * k);
  const cv = rng.sign() * rng.range(0.2, 1.8) * size;
  const cu = rng.range(0, size);
  const stretch = rng.range(0.03, 0.2);
  const distortAmp = rng.range(0.3, 2.5) * period;
  const distortScale = rng.range(30, 110) * k;
  const grey = rng.chance(0.15);
  const hue = rng.range(15, 42);
  const sat = grey ? rng.range(0.03, 0.12) : rng.range(0.3, 0.65);
  const lightL = rng.range(0.4, 0.75);
  const light = hsl(hue, sat, lightL);
  const dark = hsl(hue - rng.range(0, 10), Math.min(1, sat + 0.08), lightL - rng.range(0.12, 0.3));
  const late = rng.range(0.15, 0.5);
  const grainAmp = rng.range(0.03, 0.1);
  const n1 = new LatticeNoise(rng.nextU32());
  const n2 = new LatticeNoise(rng.nextU32());
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const streak = 25 * k + 1;
  const fine = Math.max(0.6, 0.9 * k);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      const du = (u - cu) * stretch;
      const dv = v - cv;
      const r = Math.sqrt(du * du + dv * dv) + distortAmp * 2 * (n1.fbm(u / (3 * distortScale), v / distortScale, 3) - 0.5);
      const ring = r / period;
      const t = ring - Math.floor(ring);
      const ringK = 0.6 + 0.6 * n2.cell(Math.floor(ring), 7);
      const d = smoothstep(1 - late, 0.985, t) * ringK;
      const g = n2.value(u / streak, v / fine) - 0.5;
      const pore = n1.cell(Math.floor(u / (3 * fine)), Math.floor(v / fine)) > 0.985 ? 0.88 : 1;
      putMix(buf, y * size + x, light, dark, clamp(d, 0, 1), (1 + 2 * grainAmp * g) * pore);
    }
  }
};

const LEATHER_PALETTES: readonly (readonly [readonly [number, number], readonly [number, number], readonly [number, number]])[] = [
  [[15, 35], [0.3, 0.6], [0.18, 0.45]], // brown
  [[0, 360], [0, 0.1], [0.06, 0.14]], // black
  [[28, 40], [0.35, 0.6], [0.45, 0.65]], // tan
  [[345, 360], [0.4, 0.7], [0.15, 0.35]], // burgundy
  [[205, 230], [0.25, 0.5], [0.15, 0.3]], // navy
  [[0, 360], [0, 0.06], [0.3, 0.6]], // grey
  [[60, 90], [0.15, 0.35], [0.2, 0.35]], // olive
];

/** Pebbled leather grain: warped Worley pebbles, creases of varying depth, wrinkles, relief shading. */
export const renderLeather: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const cell = Math.max(2.5, rng.range(3.5, 10) * k);
  const warpAmp = rng.range(0.3, 0.9);
  const creaseW = rng.range(0.1, 0.35);
  const [h, s, l] = rng.pick(LEATHER_PALETTES);
  const base = randomHsl(rng, h, s, l);
  const mottle = rng.range(0.05, 0.18);
  const mottleScale = rng.range(25, 80) * k;
  const wrinkle = rng.chance(0.4) ? rng.range(0.08, 0.25) : 0;
  const wrinkleScale = rng.range(30, 90) * k;
  const light = rng.range(0, 2 * Math.PI);
  const relief = rng.range(0.4, 1.1);
  const n1 = new LatticeNoise(rng.nextU32());
  const n2 = new LatticeNoise(rng.nextU32());
  const n3 = new LatticeNoise(rng.nextU32());
  const height = new Float32Array(size * size);
  const tone = new Float32Array(size * size);
  const f = new Float64Array(3);
  const wc = 3 * cell;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const wx = x / cell + warpAmp * (n1.value(x / wc, y / wc) - 0.5) * 2;
      const wy = y / cell + warpAmp * (n1.value(x / wc + 31.7, y / wc) - 0.5) * 2;
      n2.worley(wx, wy, f);
      const depth = 0.35 + 0.65 * n3.value(x / wc, y / wc);
      const c = 1 - depth * (1 - smoothstep(0, creaseW, f[1]! - f[0]!));
      let w = 1;
      if (wrinkle > 0) {
        const r = Math.abs(2 * n3.fbm(x / wrinkleScale + 50, y / wrinkleScale, 3) - 1);
        w = 1 - wrinkle * (1 - smoothstep(0, 0.1, r));
      }
      const p = y * size + x;
      const m = 1 + 2 * mottle * (n1.fbm(x / mottleScale + 80, y / mottleScale, 3) - 0.5);
      tone[p] = (0.6 + 0.4 * c) * w * m;
      height[p] = (c * (0.7 + 0.3 * (1 - f[0]! * f[0]!)) + 0.1 * (f[2]! - 0.5)) * w;
    }
  }
  const shade = shadeHeight(height, size, light, relief);
  for (let p = 0; p < size * size; p++) putRgb(buf, p, base, tone[p]! * shade[p]!);
};

/** Smooth fractal noise (stone, concrete, camouflage, marbling) mapped through a 3-colour ramp. */
export const renderNoise: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const scale = Math.max(4, rng.range(10, 70) * k);
  const octaves = rng.int(3, 6);
  const gain = rng.range(0.4, 0.65);
  const warp = rng.chance(0.4) ? rng.range(0.3, 1.2) : 0;
  const contrast = rng.range(1.2, 2.5);
  const style = rng.int(0, 2);
  const hue = rng.range(0, 360);
  const c0 = style === 0 ? randomHsl(rng, [20, 50], [0, 0.15], [0.2, 0.45]) : style === 1 ? randomHsl(rng, [70, 130], [0.15, 0.45], [0.1, 0.3]) : hsl(hue, rng.range(0.1, 0.7), rng.range(0.1, 0.4));
  const c2 = style === 0 ? randomHsl(rng, [20, 50], [0, 0.15], [0.55, 0.85]) : style === 1 ? randomHsl(rng, [30, 60], [0.2, 0.45], [0.4, 0.6]) : hsl(hue + rng.range(-80, 80), rng.range(0.1, 0.7), rng.range(0.55, 0.9));
  const c1 = mixRgb(mixRgb(c0, c2, 0.5), randomHsl(rng, [0, 360], [0.1, 0.5], [0.3, 0.6]), rng.range(0, 0.4));
  const speckle = rng.chance(0.4) ? rng.range(0.03, 0.1) : 0;
  const n1 = new LatticeNoise(rng.nextU32());
  const n2 = new LatticeNoise(rng.nextU32());
  let spk = rng.nextU32();
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let nx = x / scale;
      let ny = y / scale;
      if (warp > 0) {
        nx += warp * (n2.fbm(nx * 0.5, ny * 0.5, 3) - 0.5) * 2;
        ny += warp * (n2.fbm(nx * 0.5 + 9.1, ny * 0.5, 3) - 0.5) * 2;
      }
      const t = clamp((n1.fbm(nx, ny, octaves, gain) - 0.5) * contrast + 0.5, 0, 1);
      spk = (Math.imul(spk, 1664525) + 1013904223) | 0;
      const sp = speckle > 0 ? 1 + speckle * 2 * ((spk >>> 8) / 16777216 - 0.5) : 1;
      const p = y * size + x;
      if (t < 0.5) putMix(buf, p, c0, c1, t * 2, sp);
      else putMix(buf, p, c1, c2, (t - 0.5) * 2, sp);
    }
  }
};
