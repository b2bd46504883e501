/*
 * Texture families, part 2: tiles, carpet, metal (brushed), circuit (PCB) and dots
 * (perforated / embossed / printed). Same conventions as families-a.ts.
 */

import { hsl, luma, mixRgb, putMix, putRgb, randomHsl, type Rgb } from './color';
import type { FamilyRenderer } from './families-a';
import { clamp, LatticeNoise } from './noise';
import { createCoverage, fillDisc, fillRect, strokeSegment } from './raster';

/** Ceramic / stone tiles: grout lines, per-tile tone jitter, bevelled edges, speckle. */
export const renderTiles: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const tileW = Math.max(6, rng.range(20, 64) * k);
  const tileH = rng.chance(0.5) ? tileW : Math.max(5, tileW * rng.range(0.35, 0.9));
  const bond = rng.chance(0.4) ? 0.5 : 0;
  const grout = Math.max(1, rng.range(1.2, 4) * k);
  const theta = rng.chance(0.7) ? rng.range(-0.03, 0.03) : rng.range(-0.3, 0.3);
  const base = randomHsl(rng, [0, 360], [0, 0.5], [0.3, 0.85]);
  const lightGrout = randomHsl(rng, [30, 50], [0, 0.1], [0.7, 0.88]);
  const darkGrout = randomHsl(rng, [0, 360], [0, 0.08], [0.08, 0.25]);
  const groutC = Math.abs(luma(lightGrout) - luma(base)) > Math.abs(luma(darkGrout) - luma(base)) ? lightGrout : darkGrout;
  const tone = rng.range(0.02, 0.1);
  const speckAmp = rng.range(0.02, 0.12);
  const speckScale = Math.max(0.8, rng.range(1, 6) * k);
  const bevel = Math.max(1, rng.range(1, 4) * k);
  const ox = rng.range(0, tileW);
  const oy = rng.range(0, tileH);
  const n1 = new LatticeNoise(rng.nextU32());
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const g2 = grout / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin + ox;
      const v = -x * sin + y * cos + oy;
      const row = Math.floor(v / tileH);
      const uu = u + row * bond * tileW;
      const col = Math.floor(uu / tileW);
      const fu = uu - col * tileW;
      const fv = v - row * tileH;
      const dl = fu;
      const dr = tileW - fu;
      const dt = fv;
      const db = tileH - fv;
      const de = Math.min(dl, dr, dt, db);
      const a = clamp(de - g2 + 0.5, 0, 1);
      let sh = 1;
      if (de - g2 < bevel) {
        const towardLight = de === dl || de === dt ? 1 : -1;
        sh = 1 + 0.12 * towardLight * (1 - Math.max(0, de - g2) / bevel);
      }
      const h = n1.cell(col, row);
      const kt = (1 + tone * (2 * h - 1)) * sh * (1 + speckAmp * 2 * (n1.fbm(x / speckScale, y / speckScale, 2) - 0.5));
      const tile: Rgb = [base[0] * kt, base[1] * kt * (1 + tone * 0.3 * (h - 0.5)), base[2] * kt];
      putMix(buf, y * size + x, groutC, tile, a);
    }
  }
};

/** Cut-pile / loop carpet: short fibres along a slowly turning direction field, tufts, flecks. */
export const renderCarpet: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const baseAngle = rng.range(0, Math.PI);
  const warp = rng.range(4, 20) * k;
  const warpScale = rng.range(40, 120) * k;
  const fibreLen = Math.max(1.5, rng.range(2.5, 7) * k);
  const fibreW = Math.max(0.9, rng.range(0.8, 1.3) * k);
  const cell = Math.max(1.5, rng.range(3, 8) * k);
  const tuftAmp = rng.range(0.15, 0.4);
  const fibreAmp = rng.range(0.2, 0.4);
  const base = randomHsl(rng, [0, 360], [0.05, 0.6], [0.2, 0.6]);
  const accent = rng.chance(0.5) ? randomHsl(rng, [0, 360], [0, 0.7], [0.15, 0.85]) : null;
  const accentP = rng.range(0.03, 0.1);
  const n1 = new LatticeNoise(rng.nextU32());
  const n2 = new LatticeNoise(rng.nextU32());
  const n3 = new LatticeNoise(rng.nextU32());
  const f = new Float64Array(3);
  const c = Math.cos(baseAngle);
  const s = Math.sin(baseAngle);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // fixed fibre direction, bent by a smooth displacement (no per-pixel rotation: no vortices)
      const u = x * c + y * s + warp * 2 * (n1.value(x / warpScale, y / warpScale) - 0.5);
      const v = -x * s + y * c + warp * 2 * (n1.value(x / warpScale + 57.3, y / warpScale) - 0.5);
      const fib = 0.6 * n2.value(u / fibreLen, v / fibreW) + 0.4 * n3.value(u / (0.5 * fibreLen), v / (0.7 * fibreW));
      n1.worley(x / cell, y / cell, f);
      const tuft = 1 - clamp(f[0]!, 0, 1);
      const shade = (1 + fibreAmp * (2 * fib - 1)) * (1 - tuftAmp + 1.3 * tuftAmp * tuft * tuft);
      const col = accent && n3.cell(Math.floor(u / fibreLen), Math.floor(v / fibreW)) < accentP ? accent : base;
      putRgb(buf, y * size + x, col, shade);
    }
  }
};

const METAL_TINTS: readonly (readonly [readonly [number, number], readonly [number, number]])[] = [
  [[200, 220], [0, 0.06]], // steel
  [[200, 215], [0.03, 0.1]], // aluminium
  [[40, 50], [0.35, 0.55]], // brass
  [[15, 25], [0.4, 0.6]], // copper
  [[250, 280], [0.02, 0.08]], // titanium
];

/** Brushed metal: strongly anisotropic streaks plus a soft specular band. */
export const renderMetal: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const theta = rng.chance(0.6) ? rng.pick([0, Math.PI / 2]) + rng.range(-0.05, 0.05) : rng.range(0, Math.PI);
  const [hue, sat] = rng.pick(METAL_TINTS);
  const base = randomHsl(rng, hue, sat, [0.3, 0.65]);
  const spec = mixRgb(base, [255, 255, 255], rng.range(0.5, 0.9));
  const streakLen = rng.range(40, 200) * k;
  const streakW = Math.max(0.5, rng.range(0.5, 2) * k);
  const streakAmp = rng.range(0.05, 0.16);
  const phi = theta + Math.PI / 2 + rng.range(-0.6, 0.6);
  const bandC = rng.range(0.1, 0.9) * size;
  const bandW = rng.range(0.08, 0.35) * size;
  const bandI = rng.range(0.1, 0.5);
  const n1 = new LatticeNoise(rng.nextU32());
  const n2 = new LatticeNoise(rng.nextU32());
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const pc = Math.cos(phi);
  const ps = Math.sin(phi);
  const centre = (size / 2) * (pc + ps);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      const n =
        n1.value(u / streakLen, v / streakW) - 0.5 +
        0.6 * (n2.value(u / (0.3 * streakLen), v / (4 * streakW)) - 0.5) +
        0.5 * (n2.value(u / (3 * streakLen) + 40.5, v / (0.6 * streakW)) - 0.5);
      const p = x * pc + y * ps - centre + size / 2 - bandC;
      const band = Math.exp(-(p * p) / (bandW * bandW)) * bandI;
      putMix(buf, y * size + x, base, spec, band, 1 + streakAmp * 2 * n);
    }
  }
};

const SOLDER_MASKS: readonly (readonly [readonly [number, number], readonly [number, number], readonly [number, number]])[] = [
  [[95, 150], [0.35, 0.8], [0.12, 0.3]], // green
  [[205, 230], [0.4, 0.8], [0.15, 0.35]], // blue
  [[0, 360], [0, 0.1], [0.05, 0.12]], // black
  [[350, 365], [0.5, 0.8], [0.2, 0.35]], // red
  [[265, 290], [0.3, 0.6], [0.15, 0.3]], // purple
];

/** A printed circuit board: solder mask, Manhattan / 45-degree traces, pads, vias and SMD pads. */
export const renderCircuit: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const [mh, ms, ml] = rng.pick(SOLDER_MASKS);
  const bg = randomHsl(rng, mh, ms, ml);
  const trace = mixRgb(bg, hsl(60, 0.5, 0.6), rng.range(0.2, 0.45));
  const metal = rng.chance(0.6) ? randomHsl(rng, [40, 50], [0.5, 0.7], [0.5, 0.6]) : randomHsl(rng, [0, 360], [0, 0.05], [0.65, 0.8]);
  const holeC = randomHsl(rng, [0, 360], [0, 0.1], [0.02, 0.12]);
  const pitch = Math.max(3, rng.range(6, 13) * k);
  const tw = Math.max(0.6, rng.range(0.8, 2.2) * k);
  const traces = createCoverage(size, size);
  const pads = createCoverage(size, size);
  const holes = createCoverage(size, size);
  const grid = Math.floor(size / pitch);
  const dirs = [
    [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1],
  ] as const;
  const nTraces = rng.int(14, 36);
  for (let t = 0; t < nTraces; t++) {
    let x = rng.int(0, grid) * pitch;
    let y = rng.int(0, grid) * pitch;
    let dir = rng.chance(0.75) ? rng.int(0, 3) * 2 : rng.int(0, 7);
    const padR = tw * rng.range(1.8, 3);
    const via = rng.chance(0.5);
    fillDisc(pads, x, y, padR);
    if (via) fillDisc(holes, x, y, padR * 0.45);
    const segs = rng.int(2, 6);
    for (let s = 0; s < segs; s++) {
      const len = rng.int(2, 8) * pitch;
      const [dx, dy] = dirs[dir]!;
      const nx = x + dx * len;
      const ny = y + dy * len;
      strokeSegment(traces, x, y, nx, ny, tw);
      x = nx;
      y = ny;
      dir = (dir + rng.pick([-1, 1, -2, 2, 0]) + 8) % 8;
    }
    fillDisc(pads, x, y, padR);
    if (rng.chance(0.5)) fillDisc(holes, x, y, padR * 0.45);
  }
  const rows = rng.int(0, 3);
  for (let r = 0; r < rows; r++) {
    const n = rng.int(4, 10);
    const pw = pitch * rng.range(0.3, 0.5);
    const ph = pitch * rng.range(0.8, 1.6);
    const x0 = rng.range(-0.1, 0.7) * size;
    const y0 = rng.range(0, 0.9) * size;
    for (let i = 0; i < n; i++) fillRect(pads, x0 + i * pitch, y0, x0 + i * pitch + pw, y0 + ph);
  }
  const n1 = new LatticeNoise(rng.nextU32());
  const texScale = Math.max(1, 2 * k);
  for (let p = 0; p < size * size; p++) {
    const x = p % size;
    const y = (p - x) / size;
    const tex = 1 + 0.08 * (n1.value(x / texScale, y / texScale) - 0.5);
    const ta = traces.data[p]!;
    const pa = pads.data[p]!;
    const ha = holes.data[p]!;
    for (let c = 0; c < 3; c++) {
      let v = bg[c]! + (trace[c]! - bg[c]!) * ta;
      v += (metal[c]! - v) * pa;
      v += (holeC[c]! - v) * ha;
      buf[p * 3 + c] = v * tex;
    }
  }
};

/** A lattice of dots: perforated sheet (holes), embossed bumps or printed dots. */
export const renderDots: FamilyRenderer = (buf, size, rng) => {
  const k = size / 224;
  const pitch = Math.max(4, rng.range(7, 22) * k);
  const radius = Math.max(1, pitch * rng.range(0.15, 0.38));
  const hex = rng.chance(0.5);
  const theta = rng.range(0, Math.PI / 2);
  const style = rng.int(0, 2);
  const bg = rng.chance(0.5) ? randomHsl(rng, [190, 230], [0, 0.08], [0.4, 0.75]) : randomHsl(rng, [0, 360], [0.1, 0.6], [0.25, 0.7]);
  const holeC = randomHsl(rng, [0, 360], [0, 0.1], [0.02, 0.15]);
  const dotC = randomHsl(rng, [0, 360], [0.1, 0.8], [0.1, 0.9]);
  const la = rng.range(0, 2 * Math.PI);
  const lx = Math.cos(la);
  const ly = Math.sin(la);
  const n1 = new LatticeNoise(rng.nextU32());
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const rowH = pitch * 0.8660254;
  const texScale = Math.max(1, 3 * k);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      let du = 0;
      let dv = 0;
      if (hex) {
        let best = 1e9;
        const r0 = Math.floor(v / rowH);
        for (let row = r0; row <= r0 + 1; row++) {
          const off = (row & 1) * pitch * 0.5;
          const cu = Math.round((u - off) / pitch) * pitch + off;
          const eu = u - cu;
          const ev = v - row * rowH;
          const d2 = eu * eu + ev * ev;
          if (d2 < best) {
            best = d2;
            du = eu;
            dv = ev;
          }
        }
      } else {
        du = u - Math.round(u / pitch) * pitch;
        dv = v - Math.round(v / pitch) * pitch;
      }
      const d = Math.sqrt(du * du + dv * dv);
      const cov = clamp(radius + 0.5 - d, 0, 1);
      const tex = 1 + 0.06 * (n1.value(x / texScale, y / texScale) - 0.5);
      const p = y * size + x;
      if (cov <= 0) {
        putRgb(buf, p, bg, tex);
        continue;
      }
      const facing = -(du * lx + dv * ly) / radius;
      if (style === 0) {
        // inner wall of the hole catches light on the far side
        const t = 0.5 * Math.max(0, -facing) * (d / radius) ** 3;
        const o = p * 3;
        for (let c = 0; c < 3; c++) {
          const hole = holeC[c]! + (bg[c]! - holeC[c]!) * t;
          buf[o + c] = (bg[c]! + (hole - bg[c]!) * cov) * tex;
        }
      } else if (style === 1) {
        const sh = 1 + 0.45 * clamp(facing, -1, 1) * (d / radius);
        putRgb(buf, p, bg, (1 + (sh - 1) * cov) * tex);
      } else {
        putMix(buf, p, bg, dotC, cov, tex);
      }
    }
  }
};
