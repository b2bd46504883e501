/*
 * Joint image/mask augmentation of the official training data pipeline, on HWC uint8 RGB
 * images and single-channel masks of the same size. Everything random comes from the `rand`
 * argument (a seeded PRNG), so a seed reproduces a run exactly.
 */

export interface AugmentImage {
  width: number;
  height: number;
  /** HWC RGB, 3 channels */
  data: Uint8Array;
}

export interface AugmentOptions {
  /** Rotation up to this many degrees either way, with probability `rotateP`. Default 30, 0.5. */
  maxRotation?: number;
  rotateP?: number;
  /** Translation up to this fraction of the size either way, with probability `translateP`. Default 0.15, 0.5. */
  maxTranslate?: number;
  translateP?: number;
  /** Flip probabilities. Default 0.5 each. */
  hflipP?: number;
  vflipP?: number;
  /** Brightness / contrast / saturation jitter strength (stage 2: 0.5), each with probability `jitterP` (0.7). 0 disables. */
  colorJitter?: number;
  jitterP?: number;
}

/** The stage presets: stage 1 geometric only, stage 2 also colour jitter. */
export function stageAugmentOptions(stage: 1 | 2): AugmentOptions {
  return stage === 1 ? { colorJitter: 0 } : { colorJitter: 0.5, jitterP: 0.7 };
}

/** Inverse-mapped affine warp (rotation about the centre + translation); bilinear for images, nearest for masks, zero fill. */
function warp(img: AugmentImage, mask: Uint8Array | null, angleDeg: number, tx: number, ty: number): { img: AugmentImage; mask: Uint8Array | null } {
  const { width: W, height: H, data } = img;
  const out = new Uint8Array(data.length);
  const outMask = mask ? new Uint8Array(mask.length) : null;
  const a = (angleDeg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // destination -> source: undo translation, then rotate by -angle about the centre
      const dx = x - tx - cx;
      const dy = y - ty - cy;
      const sx = cos * dx + sin * dy + cx;
      const sy = -sin * dx + cos * dy + cy;
      const o = (y * W + x) * 3;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 >= -1 && y0 >= -1 && x0 < W && y0 < H) {
        const fx = sx - x0;
        const fy = sy - y0;
        for (let c = 0; c < 3; c++) {
          let v = 0;
          for (let j = 0; j < 2; j++)
            for (let i = 0; i < 2; i++) {
              const xx = x0 + i;
              const yy = y0 + j;
              if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
              v += (i ? fx : 1 - fx) * (j ? fy : 1 - fy) * data[(yy * W + xx) * 3 + c]!;
            }
          out[o + c] = Math.round(v);
        }
      }
      if (mask && outMask) {
        const nx = Math.round(sx);
        const ny = Math.round(sy);
        if (nx >= 0 && ny >= 0 && nx < W && ny < H) outMask[y * W + x] = mask[ny * W + nx]!;
      }
    }
  }
  return { img: { width: W, height: H, data: out }, mask: outMask };
}

function flip(img: AugmentImage, mask: Uint8Array | null, horizontal: boolean): { img: AugmentImage; mask: Uint8Array | null } {
  const { width: W, height: H, data } = img;
  const out = new Uint8Array(data.length);
  const outMask = mask ? new Uint8Array(mask.length) : null;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const sx = horizontal ? W - 1 - x : x;
      const sy = horizontal ? y : H - 1 - y;
      const s = sy * W + sx;
      const d = y * W + x;
      out[d * 3] = data[s * 3]!;
      out[d * 3 + 1] = data[s * 3 + 1]!;
      out[d * 3 + 2] = data[s * 3 + 2]!;
      if (mask && outMask) outMask[d] = mask[s]!;
    }
  return { img: { width: W, height: H, data: out }, mask: outMask };
}

const clip8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

function jitter(img: AugmentImage, kind: 'brightness' | 'contrast' | 'saturation', factor: number): AugmentImage {
  const d = img.data;
  const out = new Uint8Array(d.length);
  const n = img.width * img.height;
  if (kind === 'brightness') {
    for (let i = 0; i < d.length; i++) out[i] = clip8(d[i]! * factor);
  } else if (kind === 'contrast') {
    let mean = 0;
    for (let p = 0; p < n; p++) mean += 0.299 * d[p * 3]! + 0.587 * d[p * 3 + 1]! + 0.114 * d[p * 3 + 2]!;
    mean /= n;
    for (let i = 0; i < d.length; i++) out[i] = clip8(mean + factor * (d[i]! - mean));
  } else {
    for (let p = 0; p < n; p++) {
      const g = 0.299 * d[p * 3]! + 0.587 * d[p * 3 + 1]! + 0.114 * d[p * 3 + 2]!;
      for (let c = 0; c < 3; c++) out[p * 3 + c] = clip8(g + factor * (d[p * 3 + c]! - g));
    }
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * Applies, in order: rotation, translation (one affine warp), horizontal flip, vertical flip,
 * then (if enabled) brightness, contrast and saturation jitter in that order. The mask (0/1,
 * one byte per pixel) follows every geometric step with nearest sampling.
 */
export function augmentPair(
  img: AugmentImage,
  mask: Uint8Array | null,
  rand: () => number,
  opts: AugmentOptions = {},
): { image: AugmentImage; mask: Uint8Array | null } {
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`augmentPair: image data has ${img.data.length} bytes, expected ${img.width}x${img.height}x3`);
  }
  if (mask && mask.length !== img.width * img.height) {
    throw new Error(`augmentPair: mask has ${mask.length} values, image is ${img.width}x${img.height}`);
  }
  const maxRot = opts.maxRotation ?? 30;
  const maxT = opts.maxTranslate ?? 0.15;
  let angle = 0;
  let tx = 0;
  let ty = 0;
  if (rand() < (opts.rotateP ?? 0.5)) angle = (rand() * 2 - 1) * maxRot;
  if (rand() < (opts.translateP ?? 0.5)) {
    tx = Math.round((rand() * 2 - 1) * maxT * img.width);
    ty = Math.round((rand() * 2 - 1) * maxT * img.height);
  }
  let cur = { img, mask };
  if (angle !== 0 || tx !== 0 || ty !== 0) cur = warp(cur.img, cur.mask, angle, tx, ty);
  if (rand() < (opts.hflipP ?? 0.5)) cur = flip(cur.img, cur.mask, true);
  if (rand() < (opts.vflipP ?? 0.5)) cur = flip(cur.img, cur.mask, false);
  const cj = opts.colorJitter ?? 0;
  if (cj > 0) {
    for (const kind of ['brightness', 'contrast', 'saturation'] as const) {
      if (rand() < (opts.jitterP ?? 0.7)) cur = { img: jitter(cur.img, kind, 1 + (rand() * 2 - 1) * cj), mask: cur.mask };
    }
  }
  return { image: cur.img, mask: cur.mask };
}
