// The heads of attention (attention-heads.ts' equations) as batched products: all heads of a group
// of images in one [c*H, N, N] product each, for backends where a kernel launch costs more than
// a small product.
import * as tf from '@tensorflow/tfjs-core';
import { headDims, type AttentionHeadsOptions } from './attention-head-dims';

/**
 * How `Attention` runs its heads:
 * - `'per-head'`: 2-D matMuls per image and head (the fast XNNPACK path of tfjs-wasm, and the
 *   only fast matMul of pure-JS cpu);
 * - `'batched'`: all heads of a group of images in one batched matMul each, a handful of
 *   kernel launches per block instead of ~6 per head and image (GPU backends, where a launch
 *   costs more than a small product);
 * - `'auto'` (default): `'batched'` on webgpu, webgl and tensorflow (tfjs-node / -gpu),
 *   `'per-head'` elsewhere.
 */
export type AttentionMode = 'auto' | 'per-head' | 'batched';

const MODES: readonly AttentionMode[] = ['auto', 'per-head', 'batched'];
const BATCHED_BACKENDS = new Set(['webgpu', 'webgl', 'tensorflow']);
let mode: AttentionMode = 'auto';

/** Chooses how attention heads run (see `AttentionMode`); returns the previous mode. */
export function setAttentionMode(next: AttentionMode): AttentionMode {
  if (!MODES.includes(next)) throw new Error(`setAttentionMode: unknown mode '${String(next)}' (known: ${MODES.join(', ')})`);
  const prev = mode;
  mode = next;
  return prev;
}

/** The mode in effect for the active backend: `'per-head'` or `'batched'`. */
export function attentionModeInUse(): Exclude<AttentionMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return BATCHED_BACKENDS.has(tf.getBackend()) ? 'batched' : 'per-head';
}

/** Largest [images * heads, N, N] probability tensor made at once (bytes, float32). */
const MAX_SCORE_BYTES = 256 * 2 ** 20;

/**
 * `attentionHeads` with batched matMuls: qkv [B*N, 3W] without its bias (+ bias [3W]) ->
 * [B*N, W]. Images go in groups whose scores stay under `maxScoreBytes` (256 MiB); the hand-written gradient
 * recomputes each group's softmax, as the per-head version does.
 */
export function attentionHeadsBatched(
  qkv: tf.Tensor2D,
  bias: tf.Tensor1D,
  opts: AttentionHeadsOptions,
  maxScoreBytes = MAX_SCORE_BYTES,
): tf.Tensor2D {
  const { batch, heads: H, mask } = opts;
  const { N, W, d, scale } = headDims(qkv, opts);
  const group = Math.max(1, Math.min(batch, Math.floor(maxScoreBytes / (4 * H * N * N))));

  /** Rows of images [i, i + c) as heads: q (scaled), k, v, each [c*H, N, d]. */
  const split = (x: tf.Tensor2D, b: tf.Tensor1D, i: number, c: number): [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D] => {
    const rows = tf.add(tf.slice(x, [i * N, 0], [c * N, 3 * W]), b); // [c*N, 3W]
    const t = tf.transpose(tf.reshape(rows, [c, N, 3 * H, d]), [0, 2, 1, 3]); // [c, 3H, N, d]
    const part = (p: number): tf.Tensor3D =>
      tf.reshape(tf.slice(t, [0, p * H, 0, 0], [c, H, N, d]), [c * H, N, d]); // [c*H, N, d]
    return [tf.mul(part(0), scale), part(1), part(2)];
  };
  const probs = (q: tf.Tensor3D, k: tf.Tensor3D, m: tf.Tensor2D | undefined): tf.Tensor3D => {
    let logits: tf.Tensor3D = tf.matMul(q, k, false, true); // [c*H, N, N]
    if (m) logits = tf.add(logits, m);
    return tf.softmax(logits);
  };
  /** [c*H, N, d] per head -> [c*N, H*d] with heads side by side. */
  const merge = (o: tf.Tensor3D, c: number): tf.Tensor2D =>
    tf.reshape(tf.transpose(tf.reshape(o, [c, H, N, d]), [0, 2, 1, 3]), [c * N, H * d]); // [c, H, N, d] -> [c, N, H, d] -> [c*N, W]
  const groups = (fn: (i: number, c: number) => tf.Tensor2D): tf.Tensor2D => {
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < batch; i += group) {
      const c = Math.min(group, batch - i);
      parts.push(tf.tidy(() => fn(i, c)));
    }
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  };

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save(mask ? [x, b, mask] : [x, b]);
    const value = tf.tidy(() =>
      groups((i, c) => {
        const [q, k, v] = split(x, b, i, c);
        return merge(tf.matMul(probs(q, k, mask), v), c); // [c*N, W]
      }),
    );
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sb, sm] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D | undefined];
        const dqkv = tf.tidy(() =>
          groups((i, c) => {
            const [q, k, v] = split(sx, sb, i, c);
            const P = probs(q, k, sm); // [c*H, N, N]
            const dRows = tf.slice(dy as tf.Tensor2D, [i * N, 0], [c * N, W]); // [c*N, W]
            const dO = tf.reshape(tf.transpose(tf.reshape(dRows, [c, N, H, d]), [0, 2, 1, 3]), [c * H, N, d]); // [c*H, N, d]
            const dP = tf.matMul(dO, v, false, true); // [c*H, N, N]
            const dS = tf.mul(P, tf.sub(dP, tf.sum(tf.mul(dP, P), 2, true))); // [c*H, N, N]
            const dq = tf.mul(tf.matMul(dS, k), scale); // [c*H, N, d]
            const dk = tf.matMul(dS, q, true, false); // [c*H, N, d] (q already scaled)
            const dv = tf.matMul(P, dO, true, false); // [c*H, N, d]
            const heads = tf.concat([dq, dk, dv].map((g) => tf.reshape(g, [c, H, N, d])), 1); // [c, 3H, N, d]
            return tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [c * N, 3 * W]); // [c*N, 3W]
          }),
        );
        return [dqkv, tf.sum(dqkv, 0)];
      },
    };
  });
  return op(qkv, bias) as tf.Tensor2D;
}
