// The per-level maps of AA-CLIP (official forward_utils.py; test-data/fixtures/README.md, "Maps and
// losses" and "Inference"), from patch features F [g*g, E] and anchors A [E, 2]:
//
//   similarity     s = 100 F A                                       [g*g, 2]   (similarity)
//   training map   P = softmax_c( Up_S(s) )                          [2, S, S]  (trainingSoftmaxMap)
//   test map       m = Up_S( Blur_domain( (s_1 - s_0 + 1) / 2 ) )    [S, S]     (testLevelMap)
//
// Up_S: bilinear, align_corners; Blur: the domain's Gaussian (DOMAIN_BLUR). Their sum over levels
// is anomaly-map.ts; the image score is score.ts.
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../model/matmul-2d';

// Every spatial operation on the g x g grid (bilinear upsampling with align_corners, Gaussian blur
// with reflect padding) is linear and separable, so it is written as L M L^T with a host-computed
// [S, g] matrix L: two plain 2-D matMuls, exact, differentiable on every backend (no
// ResizeBilinearGrad needed).

// One Domain for the whole SDK: @aaclip/prompts' ('industrial' | 'medical'), not a second declaration
import type { Domain } from '@aaclip/prompts';
export type { Domain };

/** Bilinear interpolation matrix [outSize, inSize] with align_corners = true. */
export function bilinearAlignCornersMatrix(inSize: number, outSize: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const src = outSize === 1 ? 0 : (i * (inSize - 1)) / (outSize - 1);
    const j0 = Math.min(Math.floor(src), inSize - 1);
    const j1 = Math.min(j0 + 1, inSize - 1);
    const f = src - j0;
    m[i * inSize + j0]! += 1 - f;
    m[i * inSize + j1]! += f;
  }
  return m;
}

/** The blur each domain uses (official code): industrial kernel 7, sigma 1; medical kernel 9, sigma 1.5. */
export const DOMAIN_BLUR: Readonly<Record<Domain, { kernel: number; sigma: number }>> = {
  industrial: { kernel: 7, sigma: 1 },
  medical: { kernel: 9, sigma: 1.5 },
};

/** 1-D Gaussian blur as a [size, size] matrix: normalised exp(-x^2 / 2 sigma^2), reflect padding (edge not repeated). */
export function gaussianBlurMatrix(size: number, kernel: number, sigma: number): Float64Array {
  if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0) throw new Error(`gaussian blur: kernel must be a positive odd integer, got ${kernel}`);
  if (!(sigma > 0)) throw new Error(`gaussian blur: sigma must be > 0, got ${sigma}`);
  const r = (kernel - 1) / 2;
  const w: number[] = [];
  let sum = 0;
  for (let t = -r; t <= r; t++) {
    const v = Math.exp(-(t * t) / (2 * sigma * sigma));
    w.push(v);
    sum += v;
  }
  const reflect = (j: number): number => {
    if (size === 1) return 0;
    const period = 2 * (size - 1);
    let k = ((j % period) + period) % period;
    if (k >= size) k = period - k;
    return k;
  };
  const m = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let t = -r; t <= r; t++) m[i * size + reflect(i + t)]! += w[t + r]! / sum;
  return m;
}

function matMulHost(a: Float64Array, b: Float64Array, n: number, k: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
    const v = a[i * k + j]!;
    if (v !== 0) for (let q = 0; q < p; q++) out[i * p + q]! += v * b[j * p + q]!;
  }
  return out;
}

/** L M L^T for every map: maps [K, g, g], left [S, g] -> [K, S, S]. */
export function separableApply(maps: tf.Tensor3D, left: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [K, g] = maps.shape;
    const S = left.shape[0];
    const leftT = tf.transpose(left) as tf.Tensor2D; // [g, S]
    const x = matMul2d(tf.reshape(maps, [K * g, g]) as tf.Tensor2D, leftT); // [K*g, S] (columns)
    const y = tf.reshape(tf.transpose(tf.reshape(x, [K, g, S]), [1, 0, 2]), [g, K * S]) as tf.Tensor2D; // [g, K*S]
    const z = matMul2d(left, y); // [S, K*S] (rows)
    return tf.transpose(tf.reshape(z, [S, K, S]), [1, 0, 2]) as tf.Tensor3D; // [K, S, S]
  });
}

/** Cached host matrices by (grid, size, domain). */
const matrixCache = new Map<string, Float32Array>();

/** [S, g] matrix: bilinear align-corners upsampling, optionally after the domain's Gaussian blur. */
export function mapOperator(grid: number, size: number, domain?: Domain): Float32Array {
  const key = `${grid}:${size}:${domain ?? 'none'}`;
  let m = matrixCache.get(key);
  if (!m) {
    const up = bilinearAlignCornersMatrix(grid, size);
    const op = domain ? matMulHost(up, gaussianBlurMatrix(grid, DOMAIN_BLUR[domain].kernel, DOMAIN_BLUR[domain].sigma), size, grid, grid) : up;
    m = Float32Array.from(op);
    if (matrixCache.size > 64) matrixCache.clear();
    matrixCache.set(key, m);
  }
  return m;
}

/**
 * Similarity of patch features with per-image anchors: feats [B, P, E], anchors [E, 2] (shared)
 * or one [E, 2] per image -> 100 * f A as [B, P, 2].
 */
export function similarity(feats: tf.Tensor3D, anchors: tf.Tensor2D | tf.Tensor2D[]): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, P, E] = feats.shape;
    if (!Array.isArray(anchors)) {
      const s = matMul2d(tf.reshape(feats, [B * P, E]) as tf.Tensor2D, anchors); // [B*P, 2]
      return tf.reshape(tf.mul(s, 100), [B, P, 2]) as tf.Tensor3D; // [B, P, 2]
    }
    if (anchors.length !== B) throw new Error(`similarity: ${anchors.length} anchor sets for a batch of ${B}`);
    const rows = anchors.map((a, b) => matMul2d(tf.reshape(tf.slice(feats, [b, 0, 0], [1, P, E]), [P, E]) as tf.Tensor2D, a)); // [P, 2]
    return tf.mul(tf.stack(rows), 100) as tf.Tensor3D;
  });
}

/** [B, P, 2] grid scores -> [B, 2, g, g] (patch tokens are row-major). */
function toChannelMaps(sim: tf.Tensor3D, grid: number): tf.Tensor4D {
  const [B, P] = sim.shape;
  if (P !== grid * grid) throw new Error(`maps: ${P} patch scores do not form a ${grid} x ${grid} grid`);
  return tf.reshape(tf.transpose(sim, [0, 2, 1]), [B, 2, grid, grid]) as tf.Tensor4D; // [B, 2, g, g]
}

/**
 * Training maps: bilinear (align_corners) upsampling of the two score channels to S x S, then a
 * softmax over the channels. sim [B, g*g, 2] -> [B, 2, S, S].
 */
export function trainingSoftmaxMap(sim: tf.Tensor3D, grid: number, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const B = sim.shape[0];
    const maps = tf.reshape(toChannelMaps(sim, grid), [B * 2, grid, grid]) as tf.Tensor3D; // [B*2, g, g]
    const up = tf.reshape(separableApply(maps, tf.tensor2d(mapOperator(grid, size), [size, grid])), [B, 2, size, size]); // [B, 2, S, S]
    const u0 = tf.slice(up, [0, 0, 0, 0], [B, 1, size, size]);
    const u1 = tf.slice(up, [0, 1, 0, 0], [B, 1, size, size]);
    // softmax over two channels = sigmoid of the difference
    return tf.concat([tf.sigmoid(tf.sub(u0, u1)), tf.sigmoid(tf.sub(u1, u0))], 1) as tf.Tensor4D;
  });
}

/**
 * Test map of one level: m = (s_1 + 1 - s_0) / 2 on the 100-scaled scores, the domain's blur,
 * then bilinear (align_corners) upsampling. sim [B, g*g, 2] -> [B, S, S].
 */
export function testLevelMap(sim: tf.Tensor3D, grid: number, size: number, domain: Domain): tf.Tensor3D {
  return tf.tidy(() => {
    const B = sim.shape[0];
    const ch = toChannelMaps(sim, grid);
    const s0 = tf.slice(ch, [0, 0, 0, 0], [B, 1, grid, grid]);
    const s1 = tf.slice(ch, [0, 1, 0, 0], [B, 1, grid, grid]);
    const m = tf.reshape(tf.div(tf.add(tf.sub(s1, s0), 1), 2), [B, grid, grid]) as tf.Tensor3D; // [B, g, g]
    return separableApply(m, tf.tensor2d(mapOperator(grid, size, domain), [size, grid]));
  });
}
