// LNAMD (MuSc, Li et al., ICLR 2024, Sec. 3.2): local neighbourhood aggregation with multiple degrees.
//
//   z = LN_(C,G,G)(tokens without the class token)                      (no affine, eps 1e-5)
//   a_r(p) = 1/r^2 * sum_{q in N_r(p)} z(q)      (r x r window, stride 1, zero padding (r-1)/2:
//                                                  torch.nn.Unfold then adaptive_avg_pool1d C*r*r -> C)
//   Z_r(p) = a_r(p) / ||a_r(p)||_2                                        (r = 1: a_1 = z)
//
// The official module is models/modules/_LNAMD.py of xrli-U/MuSc; the fixture README's "MuSc"
// section step 1 is the specification this follows.
import * as tf from '@tensorflow/tfjs-core';

/** LayerNorm epsilon of the official module (torch.nn.LayerNorm default). */
export const LNAMD_EPS = 1e-5;

/** The aggregation degrees of the paper and the official configuration. */
export const DEFAULT_R_LIST: readonly number[] = [1, 3, 5];

/** Checks an aggregation degree: a positive odd integer (an even r has no centred window). */
export function assertDegree(r: number, where = 'r_list'): void {
  if (!Number.isInteger(r) || r < 1 || r % 2 === 0) throw new Error(`MuSc: ${where} entries must be positive odd integers (1, 3, 5...), got ${String(r)}`);
}

/**
 * Patch tokens of one layer, class token first: [B, 1 + G*G, C] -> [B, G*G, C] aggregated with
 * degree `r` and L2-normalised per patch. Patch tokens are row-major (index y*G + x).
 */
export function lnamd(tokens: tf.Tensor3D, r: number): tf.Tensor3D {
  assertDegree(r);
  const [B, N, C] = tokens.shape;
  const G = Math.round(Math.sqrt(N - 1));
  if (G * G !== N - 1) throw new Error(`MuSc: ${N - 1} patch tokens (after the class token) do not form a square grid`);
  return tf.tidy(() => {
    const patches = tf.slice(tokens, [0, 1, 0], [B, G * G, C]); // [B, P, C]
    return lnamdPatches(patches, G, r);
  });
}

/** {@link lnamd} on patch tokens without the class token: [B, G*G, C] -> [B, G*G, C]. */
export function lnamdPatches(patches: tf.Tensor3D, grid: number, r: number): tf.Tensor3D {
  assertDegree(r);
  const [B, P, C] = patches.shape;
  if (P !== grid * grid) throw new Error(`MuSc: ${P} patch tokens do not form a ${grid} x ${grid} grid`);
  return tf.tidy(() => {
    // one LayerNorm over all of (C, G, G) per image; centred twice, so that a float32 mean of
    // 1.4 M values (518 px, width 1024) does not leave its rounding in the variance
    const m1 = tf.mean(patches, [1, 2], true); // [B, 1, 1]
    const c1 = tf.sub(patches, m1);
    const centred = tf.sub(c1, tf.mean(c1, [1, 2], true)); // [B, P, C]
    const variance = tf.mean(tf.square(centred), [1, 2], true); // [B, 1, 1] (biased, as torch)
    const z = tf.mul(centred, tf.rsqrt(tf.add(variance, LNAMD_EPS))); // [B, P, C]
    let a: tf.Tensor3D = z as tf.Tensor3D;
    if (r > 1) {
      const pad = (r - 1) / 2;
      const img = tf.reshape(z, [B, grid, grid, C]) as tf.Tensor4D; // [B, G, G, C] (NHWC of the (C, G, G) map)
      const padded = tf.pad(img, [[0, 0], [pad, pad], [pad, pad], [0, 0]]); // zeros count in the mean, as Unfold's padding does
      const pooled = tf.avgPool(padded, [r, r], [1, 1], 'valid'); // [B, G, G, C]
      a = tf.reshape(pooled, [B, P, C]) as tf.Tensor3D;
    }
    return tf.div(a, tf.sqrt(tf.sum(tf.square(a), -1, true))) as tf.Tensor3D; // [B, P, C], unit rows
  });
}
