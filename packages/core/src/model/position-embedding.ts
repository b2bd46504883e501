/*
 * Resizing the vision position embedding to another grid with the antialiased bicubic kernel
 * (PIL's, a = -0.5, align_corners false), computed in float64 on the host once per size.
 */

function cubic(x: number, a = -0.5): number {
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/**
 * The [outSize, inSize] resampling matrix of PIL's antialiased bicubic filter:
 * scale = in/out, support = 2 * max(scale, 1), centre c = (i + 0.5) * scale, taps
 * j = max(trunc(c - support + 0.5), 0) .. min(trunc(c + support + 0.5), in) - 1,
 * weight cubic((j - c + 0.5) / max(scale, 1)), normalised to sum 1.
 */
export function bicubicResampleMatrix(inSize: number, outSize: number): Float64Array {
  if (!(inSize > 0 && outSize > 0)) throw new Error(`bicubicResampleMatrix: sizes must be positive, got ${inSize} -> ${outSize}`);
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  for (let i = 0; i < outSize; i++) {
    const c = (i + 0.5) * scale;
    const j0 = Math.max(Math.trunc(c - support + 0.5), 0);
    const j1 = Math.min(Math.trunc(c + support + 0.5), inSize);
    let sum = 0;
    for (let j = j0; j < j1; j++) {
      const w = cubic((j - c + 0.5) / filterScale);
      m[i * inSize + j] = w;
      sum += w;
    }
    if (sum !== 0) for (let j = j0; j < j1; j++) m[i * inSize + j]! /= sum;
  }
  return m;
}

/**
 * Resizes a position embedding [1 + g0*g0, W] (class row first, grid row-major) to
 * [1 + g1*g1, W]. The class row is kept; each of the W channels is resized as a g0 x g0 image.
 */
export function resizePositionEmbedding(pos: Float32Array, width: number, g0: number, g1: number): Float32Array {
  if (pos.length !== (1 + g0 * g0) * width) {
    throw new Error(`resizePositionEmbedding: expected ${(1 + g0 * g0) * width} values ([${1 + g0 * g0}, ${width}]), got ${pos.length}`);
  }
  const out = new Float32Array((1 + g1 * g1) * width);
  out.set(pos.subarray(0, width), 0);
  if (g0 === g1) {
    out.set(pos.subarray(width), width);
    return out;
  }
  const m = bicubicResampleMatrix(g0, g1); // [g1, g0]
  // rows first: tmp[y1, x0, c] = sum_y0 m[y1, y0] * grid[y0, x0, c]
  const tmp = new Float64Array(g1 * g0 * width);
  for (let y1 = 0; y1 < g1; y1++) {
    for (let y0 = 0; y0 < g0; y0++) {
      const w = m[y1 * g0 + y0]!;
      if (w === 0) continue;
      for (let x0 = 0; x0 < g0; x0++) {
        const src = width * (1 + y0 * g0 + x0);
        const dst = (y1 * g0 + x0) * width;
        for (let c = 0; c < width; c++) tmp[dst + c]! += w * pos[src + c]!;
      }
    }
  }
  // then columns: out[y1, x1, c] = sum_x0 m[x1, x0] * tmp[y1, x0, c]
  const acc = new Float64Array(width);
  for (let y1 = 0; y1 < g1; y1++) {
    for (let x1 = 0; x1 < g1; x1++) {
      acc.fill(0);
      for (let x0 = 0; x0 < g0; x0++) {
        const w = m[x1 * g0 + x0]!;
        if (w === 0) continue;
        const src = (y1 * g0 + x0) * width;
        for (let c = 0; c < width; c++) acc[c]! += w * tmp[src + c]!;
      }
      out.set(acc, width * (1 + y1 * g1 + x1));
    }
  }
  return out;
}
