// Bit-exact re-implementation of Pillow's `Image.resize(size, Image.BICUBIC)` for 8-bit
// images (libImaging/Resample.c: precompute_coeffs, normalize_coeffs_8bpc,
// ImagingResampleHorizontal_8bpc / ImagingResampleVertical_8bpc, ImagingResampleInner).
import { assertPositiveInt, assertRawImage8, type RawImage, type RawImage8 } from './raw-image';

/** Fixed-point precision of Pillow's 8-bit resampler: 32 - 8 (result) - 2 (overflow). */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
/** Half-width of the bicubic kernel in source pixels (before scaling by max(scale, 1)). */
const BICUBIC_SUPPORT = 2;

/** Keys cubic convolution kernel with a = -0.5, written in Pillow's operation order. */
function bicubicFilter(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Per-output-pixel taps of a separable pass: source window and fixed-point weights. */
interface PassCoeffs {
  /** Taps per output pixel (row stride of `weights`). */
  ksize: number;
  /** `first[i]`: first source index used by output i. */
  first: Int32Array;
  /** `count[i]`: number of source samples used by output i. */
  count: Int32Array;
  /** Fixed-point weights, `weights[i * ksize + t]` for source index first[i] + t. */
  weights: Int32Array;
}

/**
 * Pillow's `precompute_coeffs` followed by `normalize_coeffs_8bpc` for a resize of
 * `inSize` samples to `outSize` (box = the whole input).
 */
function precomputeCoeffs(inSize: number, outSize: number): PassCoeffs {
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = BICUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1.0 / filterScale;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubicFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const kx = ww !== 0 ? k[x] / ww : k[x];
      weights[i * ksize + x] = kx < 0 ? Math.trunc(-0.5 + kx * ONE) : Math.trunc(0.5 + kx * ONE);
    }
    first[i] = xmin;
    count[i] = xmax;
  }
  return { ksize, first, count, weights };
}

/** Pillow's clip8: arithmetic shift of the accumulator, clamped to 0..255. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass over source rows [rowStart, rowStart + rows). */
function resampleHorizontal(
  src: Uint8Array,
  srcW: number,
  channels: number,
  rowStart: number,
  rows: number,
  outW: number,
  c: PassCoeffs,
): Uint8Array {
  const out = new Uint8Array(outW * rows * channels);
  const srcStride = srcW * channels;
  const { ksize, first, count, weights } = c;
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + rowStart) * srcStride;
    let o = y * outW * channels;
    for (let xx = 0; xx < outW; xx++) {
      const kBase = xx * ksize;
      const n = count[xx];
      let s = rowBase + first[xx] * channels;
      if (channels === 3) {
        // The common case, unrolled over channels.
        let a0 = HALF;
        let a1 = HALF;
        let a2 = HALF;
        for (let t = 0; t < n; t++, s += 3) {
          const w = weights[kBase + t];
          a0 += src[s] * w;
          a1 += src[s + 1] * w;
          a2 += src[s + 2] * w;
        }
        out[o++] = clip8(a0);
        out[o++] = clip8(a1);
        out[o++] = clip8(a2);
      } else {
        for (let ch = 0; ch < channels; ch++) {
          let acc = HALF;
          for (let t = 0; t < n; t++) acc += src[s + t * channels + ch] * weights[kBase + t];
          out[o++] = clip8(acc);
        }
      }
    }
  }
  return out;
}

/** Vertical pass; `rowOffset` is subtracted from the coefficient windows (cropped input). */
function resampleVertical(
  src: Uint8Array,
  width: number,
  channels: number,
  rowOffset: number,
  outH: number,
  c: PassCoeffs,
): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(outH * stride);
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < outH; yy++) {
    const kBase = yy * c.ksize;
    const n = c.count[yy];
    const inBase = (c.first[yy] - rowOffset) * stride;
    acc.fill(HALF);
    // Row-wise accumulation (same integer sums, in any order: they are exact).
    for (let t = 0; t < n; t++) {
      const w = c.weights[kBase + t];
      const r = inBase + t * stride;
      for (let i = 0; i < stride; i++) acc[i] += src[r + i] * w;
    }
    const outBase = yy * stride;
    for (let i = 0; i < stride; i++) out[outBase + i] = clip8(acc[i]);
  }
  return out;
}

/**
 * Resizes an 8-bit image exactly like Pillow's `img.resize((outW, outH), Image.BICUBIC)`:
 * antialiased separable cubic kernel (a = -0.5, support 2 * max(scale, 1)), coefficients in
 * 22-bit fixed point, horizontal pass first into an 8-bit intermediate (only the source rows
 * the vertical pass reads), then the vertical pass. A pass whose size does not change is
 * skipped, and an unchanged size returns a copy.
 *
 * Every channel is filtered independently, so results equal Pillow for modes L and RGB.
 * (Pillow premultiplies alpha for LA/RGBA before resizing; this function does not.)
 *
 * @param img 8-bit image (`Uint8Array` data), 1..4 channels.
 * @param outW output width in pixels (positive integer).
 * @param outH output height in pixels (positive integer).
 * @returns a new 8-bit image with the same channel count.
 * @example
 * const small = resizeBicubicPil(rgb, 336, 336); // same bytes as PIL's BICUBIC resize
 */
export function resizeBicubicPil(img: RawImage, outW: number, outH: number): RawImage8 {
  assertRawImage8(img, 'resizeBicubicPil: img');
  assertPositiveInt(outW, 'resizeBicubicPil: outW');
  assertPositiveInt(outH, 'resizeBicubicPil: outH');
  const { width, height, channels } = img;
  const needHorizontal = outW !== width;
  const needVertical = outH !== height;
  if (!needHorizontal && !needVertical) {
    return { width, height, channels, data: img.data.slice() };
  }
  const vert = precomputeCoeffs(height, outH);
  let data: Uint8Array = img.data;
  let rowOffset = 0;
  if (needHorizontal) {
    // Only rows [first used, last used) of the source feed the vertical pass.
    const rowFirst = vert.first[0];
    const rowLast = vert.first[outH - 1] + vert.count[outH - 1];
    const horiz = precomputeCoeffs(width, outW);
    data = resampleHorizontal(data, width, channels, rowFirst, rowLast - rowFirst, outW, horiz);
    rowOffset = rowFirst;
  }
  if (needVertical) {
    data = resampleVertical(data, outW, channels, rowOffset, outH, vert);
  }
  return { width: outW, height: outH, channels, data };
}
