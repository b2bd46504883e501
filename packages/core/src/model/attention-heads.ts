// The heads of attention on a stacked projection (attention.ts), per image and head:
//
//   P = softmax(q k^T s + mask),  O = P v,   s = 1 / sqrt(d)
//   backward: dv = P^T dO, dP = dO v^T, dS = P (dP - rowsum(dP P)), dq = s dS k, dk = s dS^T q
import * as tf from '@tensorflow/tfjs-core';
import { headSlice } from '../kernels/fused-ops';
import { headDims, type AttentionHeadsOptions } from './attention-head-dims';
import { attentionHeadsBatched, attentionModeInUse } from './attention-heads-batched';
import { matMul2d } from './matmul-2d';
import { providedAttention, providedMatMul } from './matmul-provider';

export type { AttentionHeadsOptions } from './attention-head-dims';

/**
 * The multi-head core of attention on the stacked projection: qkv [B*N, 3W] without its bias
 * (+ bias [3W]) -> the heads' outputs side by side [B*N, W], as 2-D products per image and head.
 *
 * Its gradient is written by hand: differentiating the forward op by op would give every
 * per-head slice of q, kᵀ and v a zero-padded gradient the size of the whole projection
 * (48 of [B*N, 3W] per block for ViT-L, 1.6 GB per image pair at 518 px), all alive until the
 * backward pass ends. Here the backward recomputes one head's softmax at a time and writes
 * dq, dk, dv straight into one [B*N, 3W] gradient, with plain 2-D matMuls only:
 *   P = softmax(q kᵀ s + mask), O = P v
 *   dv = Pᵀ dO, dP = dO vᵀ, dS = P ⊙ (dP - rowsum(dP ⊙ P)), dq = s dS k, dk = s dSᵀ q.
 */
export function attentionHeads(qkv: tf.Tensor2D, bias: tf.Tensor1D, opts: AttentionHeadsOptions): tf.Tensor2D {
  if (attentionModeInUse() === 'batched') return attentionHeadsBatched(qkv, bias, opts);
  const { batch, heads, mask } = opts;
  const { N, W, d, scale } = headDims(qkv, opts);
  /** One head of one image: q (scaled) [N, d], kᵀ [d, N], v [N, d]. */
  const cut = (x: tf.Tensor2D, b: tf.Tensor1D, row: number, h: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] => [
    headSlice(x, b, { row, rows: N, col: h * d, cols: d, scale }),
    headSlice(x, b, { row, rows: N, col: W + h * d, cols: d, transpose: true }),
    headSlice(x, b, { row, rows: N, col: 2 * W + h * d, cols: d }),
  ];
  const probs = (q: tf.Tensor2D, kT: tf.Tensor2D, m: tf.Tensor2D | undefined): tf.Tensor2D => {
    let logits = matMul2d(q, kT); // [N, N]
    if (m) logits = tf.add(logits, m);
    return tf.softmax(logits) as tf.Tensor2D;
  };
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save(mask ? [x, b, mask] : [x, b]); // the mask too: the caller may free it before the backward pass
    // a provider (the own GEMM engine) may run every head at once on its threads; not masked ones
    const value = (mask ? null : providedAttention(x, b, { batch, tokens: N, heads, scale })) ?? tf.tidy(() => {
      const rows: tf.Tensor2D[] = [];
      for (let i = 0; i < batch; i++) {
        const outs: tf.Tensor2D[] = [];
        for (let h = 0; h < heads; h++) {
          // one head at a time: its N x N logits and probabilities are freed before the next
          outs.push(tf.tidy(() => {
            const [q, kT, v] = cut(x, b, i * N, h);
            return matMul2d(probs(q, kT, mask), v); // [N, d]
          }));
        }
        rows.push(outs.length === 1 ? outs[0]! : tf.concat(outs, 1)); // [N, W]
      }
      return rows.length === 1 ? rows[0]! : tf.concat(rows, 0); // [B*N, W]
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sb, sm] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D | undefined];
        const dqkv = tf.tidy(() => {
          const rows: tf.Tensor2D[] = [];
          for (let i = 0; i < batch; i++) {
            const dq: tf.Tensor2D[] = [];
            const dk: tf.Tensor2D[] = [];
            const dv: tf.Tensor2D[] = [];
            for (let h = 0; h < heads; h++) {
              const g = tf.tidy(() => {
                const row = i * N;
                const q = headSlice(sx, sb, { row, rows: N, col: h * d, cols: d, scale });
                const P = probs(q, headSlice(sx, sb, { row, rows: N, col: W + h * d, cols: d, transpose: true }), sm); // [N, N]
                // k and vᵀ cut as the products below want them (no transposes of kᵀ and v)
                const k = headSlice(sx, sb, { row, rows: N, col: W + h * d, cols: d }); // [N, d]
                const vT = headSlice(sx, sb, { row, rows: N, col: 2 * W + h * d, cols: d, transpose: true }); // [d, N]
                const dO = tf.slice(dy as tf.Tensor2D, [row, h * d], [N, d]); // [N, d]
                const dP = providedMatMul(dO, vT) ?? tf.matMul(dO, vT); // [N, N]
                const dS: tf.Tensor2D = tf.mul(P, tf.sub(dP, tf.sum(tf.mul(dP, P), 1, true))); // [N, N]
                // Sᵀ X: a provider reads S transposed in place
                const tMul = (s: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D => providedMatMul(s, x, { transposeA: true }) ?? tf.matMul(tf.transpose(s), x);
                return [
                  tf.mul(providedMatMul(dS, k) ?? tf.matMul(dS, k), scale), // dq [N, d]
                  tMul(dS, q), // dk [N, d] (q already scaled)
                  tMul(P, dO), // dv [N, d]
                ] as tf.Tensor2D[];
              });
              dq.push(g[0]!);
              dk.push(g[1]!);
              dv.push(g[2]!);
            }
            rows.push(tf.concat([...dq, ...dk, ...dv], 1)); // [N, 3W]
          }
          return rows.length === 1 ? rows[0]! : tf.concat(rows, 0); // [B*N, 3W]
        });
        return [dqkv, tf.sum(dqkv, 0)];
      },
    };
  });
  return op(qkv, bias) as tf.Tensor2D;
}
