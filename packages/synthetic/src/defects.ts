/*
 * Defect renderers: each draws one defect into a float HWC RGB buffer (0..255) of any
 * width x height, taking every parameter (size, position, orientation, colour, contrast) from
 * the context's PRNG. add-defect.ts turns the change into an exact mask.
 */

import { hsl, luma, mixRgb, randomHsl, type Rgb } from './color';
import { clamp, LatticeNoise } from './noise';
import { createCoverage, forEachBlobPixel, strokePolyline, type BlobShape, type Coverage } from './raster';
import type { SyntheticRng } from './rng';
import { renderTexture, TEXTURE_FAMILIES } from './texture';

/** The defect kinds, in their canonical order. */
export const DEFECT_KINDS = ['scratch', 'hole', 'stain', 'crack', 'missing', 'spot'] as const;

/** One of {@link DEFECT_KINDS}. */
export type DefectKind = (typeof DEFECT_KINDS)[number];

/** What a defect renderer works on. */
export interface DefectContext {
  /** Float HWC RGB copy of the image, modified in place. */
  buf: Float32Array;
  width: number;
  height: number;
  rng: SyntheticRng;
  /** Multiplies the defect's linear size (retries shrink or grow it). */
  scale: number;
  /** 0..1: pushes the random contrast towards its maximum (retries of too faint defects). */
  boost: number;
}

type DefectRenderer = (ctx: DefectContext) => void;

/** A random strength in [lo, hi], pushed towards 1 by `ctx.boost`. */
function strength(ctx: DefectContext, lo: number, hi: number): number {
  const s = ctx.rng.range(lo, hi);
  return s + (1 - s) * ctx.boost;
}

/** Coverage-weighted mean colour of the buffer under `cov`. */
function meanUnder(buf: Float32Array, cov: Coverage): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let p = 0; p < cov.data.length; p++) {
    const a = cov.data[p]!;
    if (a <= 0) continue;
    r += buf[p * 3]! * a;
    g += buf[p * 3 + 1]! * a;
    b += buf[p * 3 + 2]! * a;
    n += a;
  }
  return n > 0 ? [r / n, g / n, b / n] : [128, 128, 128];
}

/** buf = buf + (target - buf) * cov * s, with one fixed target colour. */
function blendColour(buf: Float32Array, cov: Coverage, target: Rgb, s: number): void {
  for (let p = 0; p < cov.data.length; p++) {
    const a = cov.data[p]! * s;
    if (a <= 0) continue;
    const o = p * 3;
    buf[o] = buf[o]! + (target[0] - buf[o]!) * a;
    buf[o + 1] = buf[o + 1]! + (target[1] - buf[o + 1]!) * a;
    buf[o + 2] = buf[o + 2]! + (target[2] - buf[o + 2]!) * a;
  }
}

/** Mean luma of the pixels inside a blob (128 when none). */
function meanLumaInBlob(ctx: DefectContext, blob: BlobShape): number {
  const { buf } = ctx;
  let sum = 0;
  let cnt = 0;
  forEachBlobPixel(blob, ctx.width, ctx.height, 1, (p, inside) => {
    if (inside <= 0) return;
    sum += 0.299 * buf[p * 3]! + 0.587 * buf[p * 3 + 1]! + 0.114 * buf[p * 3 + 2]!;
    cnt++;
  });
  return cnt > 0 ? sum / cnt : 128;
}

/** A random point with a margin of `m` (fraction of the side) from the borders. */
function randomPoint(ctx: DefectContext, m: number): [number, number] {
  return [ctx.rng.range(m, 1 - m) * (ctx.width - 1), ctx.rng.range(m, 1 - m) * (ctx.height - 1)];
}

/** A random irregular blob of mean radius `r0` centred at (cx, cy). */
function randomBlob(rng: SyntheticRng, cx: number, cy: number, r0: number, irregular: number, maxStretch: number): BlobShape {
  const amps: number[] = [];
  const phases: number[] = [];
  for (let i = 0; i < 4; i++) {
    amps.push((rng.range(0, irregular) / (i + 1)) * rng.sign());
    phases.push(rng.range(0, 2 * Math.PI));
  }
  return { cx, cy, r0, amps, phases, stretch: rng.range(1, maxStretch), angle: rng.range(0, Math.PI) };
}

/** A thin curved bright or dark line, tapering at both ends. */
const renderScratch: DefectRenderer = (ctx) => {
  const { rng, buf } = ctx;
  const side = Math.min(ctx.width, ctx.height);
  const k = side / 224;
  const len = rng.range(0.15, 0.5) * side * ctx.scale;
  const [cx, cy] = randomPoint(ctx, 0.15);
  const ang = rng.range(0, Math.PI);
  const bend = rng.range(-0.25, 0.25) * len;
  const dx = Math.cos(ang);
  const dy = Math.sin(ang);
  const hw = Math.max(0.5, rng.range(0.5, 1.5) * k * Math.sqrt(ctx.scale));
  const pts: number[] = [];
  const radii: number[] = [];
  const n = 24;
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const s = (t - 0.5) * len;
    const off = bend * (1 - 4 * (t - 0.5) ** 2);
    pts.push(cx + dx * s - dy * off, cy + dy * s + dx * off);
    radii.push(hw * (0.35 + 0.65 * Math.sin(Math.PI * t) ** 0.6));
  }
  const cov = createCoverage(ctx.width, ctx.height);
  strokePolyline(cov, pts, radii);
  const m = luma(meanUnder(buf, cov));
  const bright = m < 100 ? true : m > 170 ? false : rng.chance(0.5);
  const s = strength(ctx, 0.4, 1);
  blendColour(buf, cov, bright ? [250, 250, 244] : [10, 10, 10], bright ? s : 0.8 * s);
};

/** A dark disk (pit or through-hole; backlit on black surfaces) with a lit inner wall and a soft darkened or burred rim. */
const renderHole: DefectRenderer = (ctx) => {
  const { rng, buf, width } = ctx;
  const side = Math.min(ctx.width, ctx.height);
  const r = Math.max(1.5, rng.range(0.02, 0.07) * side * ctx.scale);
  const [cx, cy] = randomPoint(ctx, 0.1);
  const blob = randomBlob(rng, cx, cy, r, 0.08, 1.3);
  const rimF = rng.range(1.25, 1.7);
  const burr = rng.chance(0.35);
  const rimS = strength(ctx, 0.15, 0.45);
  // through a nearly black surface the hole shows the (lit) background behind it
  const backlit = meanLumaInBlob(ctx, blob) < 60;
  const dark = backlit ? rng.range(150, 230) : rng.range(4, 40);
  const wall = backlit ? -0.3 : 1.5;
  const tint = hsl(rng.range(0, 360), rng.range(0, 0.25), 1);
  const la = rng.range(0, 2 * Math.PI);
  const s = strength(ctx, 0.75, 1);
  forEachBlobPixel(blob, ctx.width, ctx.height, rimF, (p, inside, rel) => {
    const o = p * 3;
    if (rel > 1 && rel < rimF) {
      const f = 1 - (rel - 1) / (rimF - 1);
      const k = burr ? 1 + rimS * 0.6 * f : 1 - rimS * f;
      for (let c = 0; c < 3; c++) buf[o + c] = buf[o + c]! * k;
    }
    const a = clamp(inside + 0.5, 0, 1) * s;
    if (a <= 0) return;
    const x = p % width;
    const y = (p - x) / width;
    const facing = ((x - cx) * Math.cos(la) + (y - cy) * Math.sin(la)) / r;
    const v = dark * (1 + wall * Math.max(0, facing) * rel ** 3) + rng.range(-2, 2);
    for (let c = 0; c < 3; c++) buf[o + c] = buf[o + c]! + ((v * tint[c]!) / 255 - buf[o + c]!) * a;
  });
};

/** An irregular blob with a colour shift (oil, rust, water mark, dye), mottled, sometimes ringed. */
const renderStain: DefectRenderer = (ctx) => {
  const { rng, buf } = ctx;
  const side = Math.min(ctx.width, ctx.height);
  const k = side / 224;
  const r0 = Math.max(2, rng.range(0.05, 0.15) * side * ctx.scale);
  const [cx, cy] = randomPoint(ctx, 0.12);
  const blob = randomBlob(rng, cx, cy, r0, 0.3, 1.6);
  const soft = Math.max(0.6, rng.range(0.5, 4) * k);
  const ring = rng.chance(0.3) ? rng.range(1, 3) * Math.max(1, k) : 0;
  const noise = new LatticeNoise(rng.nextU32());
  const ns = Math.max(2, r0 * rng.range(0.3, 0.8));
  // pick a shift that shows on this background: no darkening on black, no bleaching on white
  const under = meanLumaInBlob(ctx, blob);
  const kind = under < 70 ? rng.pick([1, 2, 3]) : under > 200 ? rng.pick([0, 1, 3]) : rng.int(0, 3);
  const dye = randomHsl(rng, [0, 360], [0.4, 0.9], [0.25, 0.6]);
  const s = strength(ctx, 0.35, 0.9);
  const w = ctx.width;
  forEachBlobPixel(blob, ctx.width, ctx.height, 1.2, (p, inside) => {
    const x = p % w;
    const y = (p - x) / w;
    let d = clamp(inside / soft + 0.5, 0, 1) * (0.55 + 0.45 * noise.fbm(x / ns, y / ns, 3));
    if (ring > 0) d = Math.min(1, d + 0.6 * Math.exp(-((inside / ring) ** 2)));
    const a = d * s;
    if (a <= 0) return;
    const o = p * 3;
    const r = buf[o]!;
    const g = buf[o + 1]!;
    const b = buf[o + 2]!;
    let t: Rgb;
    if (kind === 0) t = [r * 0.45, g * 0.4, b * 0.3]; // oil / grease
    else if (kind === 1) t = mixRgb([r, g, b], [150, 70, 25], 0.8); // rust
    else if (kind === 2) t = [Math.min(255, r * 1.3 + 25), Math.min(255, g * 1.3 + 25), Math.min(255, b * 1.3 + 25)]; // water mark / bleach
    else t = mixRgb([r, g, b], dye, 0.75); // dye
    buf[o] = r + (t[0] - r) * a;
    buf[o + 1] = g + (t[1] - g) * a;
    buf[o + 2] = b + (t[2] - b) * a;
  });
};

/** A branching dark polyline that thins out towards its tips. */
const renderCrack: DefectRenderer = (ctx) => {
  const { rng, buf } = ctx;
  const side = Math.min(ctx.width, ctx.height);
  const k = side / 224;
  const step = Math.max(1.5, rng.range(0.015, 0.03) * side * Math.sqrt(ctx.scale));
  const steps = Math.max(4, Math.round(rng.int(8, 18) * Math.sqrt(ctx.scale)));
  const hw0 = Math.max(0.5, rng.range(0.6, 1.4) * k);
  const cov = createCoverage(ctx.width, ctx.height);
  const grow = (x: number, y: number, ang: number, n: number, hw: number, depth: number): void => {
    const pts = [x, y];
    const radii = [hw];
    let a = ang;
    for (let i = 1; i <= n; i++) {
      a += rng.range(-0.5, 0.5) + (ang - a) * 0.3;
      x += Math.cos(a) * step;
      y += Math.sin(a) * step;
      pts.push(x, y);
      radii.push(Math.max(0.35, hw * (1 - (0.7 * i) / n)));
      if (depth < 2 && i < n - 1 && rng.chance(0.18)) {
        grow(x, y, a + rng.sign() * rng.range(0.4, 1.1), Math.max(2, Math.round((n - i) * 0.6)), radii[i]! * 0.75, depth + 1);
      }
    }
    strokePolyline(cov, pts, radii);
  };
  const [x0, y0] = randomPoint(ctx, 0.2);
  const ang = rng.range(0, 2 * Math.PI);
  // grow both ways from the start so the crack is centred on it
  grow(x0, y0, ang, Math.ceil(steps / 2), hw0, 0);
  grow(x0, y0, ang + Math.PI, Math.ceil(steps / 2), hw0, 0);
  const s = strength(ctx, 0.6, 1);
  // a dark gap, or a pale one (crazed coating) where the surface itself is nearly black
  const pale = luma(meanUnder(buf, cov)) < 50;
  blendColour(buf, cov, pale ? [200, 198, 192] : [8, 7, 6], 0.85 * s);
};

/** A patch replaced by flat background or by a different texture (rectangle or blob). */
const renderMissing: DefectRenderer = (ctx) => {
  const { rng, buf, width: w, height: h } = ctx;
  const side = Math.min(w, h);
  const r0 = Math.max(2, rng.range(0.06, 0.16) * side * ctx.scale);
  const [cx, cy] = randomPoint(ctx, 0.12);
  const cov = createCoverage(w, h);
  if (rng.chance(0.5)) {
    const ha = r0 * rng.range(0.8, 1.5);
    const hb = r0 * rng.range(0.5, 1.1);
    const ang = rng.chance(0.5) ? rng.range(-0.1, 0.1) : rng.range(0, Math.PI);
    const cos = Math.cos(ang);
    const sin = Math.sin(ang);
    const reach = Math.ceil(Math.hypot(ha, hb) + 1);
    for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(h - 1, cy + reach); y++) {
      for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(w - 1, cx + reach); x++) {
        const u = (x - cx) * cos + (y - cy) * sin;
        const v = -(x - cx) * sin + (y - cy) * cos;
        cov.data[y * w + x] = clamp(Math.min(ha - Math.abs(u), hb - Math.abs(v)) + 0.5, 0, 1);
      }
    }
  } else {
    const blob = randomBlob(rng, cx, cy, r0, 0.25, 1.5);
    forEachBlobPixel(blob, w, h, 1, (p, inside) => {
      cov.data[p] = clamp(inside + 0.5, 0, 1);
    });
  }
  const s = strength(ctx, 0.85, 1);
  if (rng.chance(0.5)) {
    const mean = luma(meanUnder(buf, cov));
    const l = mean > 128 ? rng.range(0.05, 0.25) : rng.range(0.75, 0.92);
    const flat = hsl(rng.range(0, 360), rng.range(0, 0.2), l);
    for (let p = 0; p < cov.data.length; p++) {
      const a = cov.data[p]! * s;
      if (a <= 0) continue;
      const n = rng.range(-3, 3);
      for (let c = 0; c < 3; c++) buf[p * 3 + c] = buf[p * 3 + c]! + (flat[c]! + n - buf[p * 3 + c]!) * a;
    }
  } else {
    const other = renderTexture(rng.pick(TEXTURE_FAMILIES), Math.max(16, w, h), rng.nextU32());
    for (let p = 0; p < cov.data.length; p++) {
      const a = cov.data[p]! * s;
      if (a <= 0) continue;
      const x = p % w;
      const q = ((p - x) / w) * other.width + x;
      for (let c = 0; c < 3; c++) buf[p * 3 + c] = buf[p * 3 + c]! + (other.data[q * 3 + c]! - buf[p * 3 + c]!) * a;
    }
  }
};

/** A small colour spot (paint drop, burn mark) with soft edges and a few satellite droplets. */
const renderSpot: DefectRenderer = (ctx) => {
  const { rng, buf } = ctx;
  const side = Math.min(ctx.width, ctx.height);
  const r = Math.max(1.2, rng.range(0.012, 0.04) * side * ctx.scale);
  const [cx, cy] = randomPoint(ctx, 0.08);
  const cov = createCoverage(ctx.width, ctx.height);
  const soft = rng.range(0.5, Math.max(0.6, 0.4 * r));
  const drops: BlobShape[] = [randomBlob(rng, cx, cy, r, 0.12, 1.4)];
  const sat = rng.int(0, 3);
  for (let i = 0; i < sat; i++) {
    const a = rng.range(0, 2 * Math.PI);
    const d = r * rng.range(1.5, 3);
    drops.push(randomBlob(rng, cx + Math.cos(a) * d, cy + Math.sin(a) * d, Math.max(0.7, r * rng.range(0.15, 0.4)), 0.1, 1.2));
  }
  for (const b of drops) {
    forEachBlobPixel(b, ctx.width, ctx.height, 1.5, (p, inside) => {
      const v = clamp(inside / soft + 0.5, 0, 1);
      if (v > cov.data[p]!) cov.data[p] = v;
    });
  }
  const under = luma(meanUnder(buf, cov));
  const pickL = under > 128 ? rng.range(0.08, 0.4) : rng.range(0.6, 0.95);
  const colour = rng.chance(0.3) ? hsl(0, 0, pickL) : hsl(rng.range(0, 360), rng.range(0.6, 1), pickL);
  blendColour(buf, cov, colour, strength(ctx, 0.5, 1));
};

/** Renderer of each kind. */
export const DEFECT_RENDERERS: Readonly<Record<DefectKind, DefectRenderer>> = {
  scratch: renderScratch,
  hole: renderHole,
  stain: renderStain,
  crack: renderCrack,
  missing: renderMissing,
  spot: renderSpot,
};
