// Greedy coreset (k-center) of a memory bank, as PatchCore (Roth et al., CVPR 2022,
// "Towards Total Recall in Industrial Anomaly Detection", Alg. 1) reduces its bank:
//
//   c_0 = a seeded random row;  c_t = argmax_m min_{s < t} || x_m - c_s ||_2
//
// so the kept rows cover the bank with the smallest largest gap. Run on the unit-normalised
// features themselves (||a - b||^2 = 2 - 2 a.b), one plain [M, C] x [C, 1] matMul per pick; the
// index of each pick stays on the device until the end (no read per iteration).
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../aaclip/aaclip-model';

export interface CoresetOptions {
  /** Rows to keep. */
  size?: number;
  /** Fraction of the rows to keep (PatchCore's default is 0.1), when `size` is not given. */
  ratio?: number;
  /** Seed of the first pick. Default 0. */
  seed?: number;
}

/** The number of rows a coreset of `rows` keeps under `opts`; checks the options. */
export function coresetSize(rows: number, opts: CoresetOptions): number {
  if (opts.size !== undefined) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`coreset: size must be a whole number >= 1, got ${String(opts.size)}`);
    return Math.min(rows, opts.size);
  }
  const ratio = opts.ratio ?? 0.1;
  if (!(ratio > 0 && ratio <= 1)) throw new Error(`coreset: ratio must be in (0, 1], got ${String(ratio)}`);
  return Math.max(1, Math.min(rows, Math.round(rows * ratio)));
}

/**
 * Indices (in pick order) of a greedy coreset of the unit rows of `bank` [M, C]. Every tensor it
 * makes is disposed before it returns.
 */
export async function greedyCoreset(bank: tf.Tensor2D, opts: CoresetOptions = {}): Promise<Int32Array> {
  const [M] = bank.shape;
  const k = coresetSize(M, opts);
  if (k >= M) return Int32Array.from({ length: M }, (_, i) => i);
  const first = Math.floor(mulberry32(opts.seed ?? 0)() * M);
  const picks: tf.Tensor[] = [tf.tensor1d([first], 'int32')];
  let minD = tf.tidy(() => tf.fill([M], Infinity) as tf.Tensor1D);
  try {
    for (let t = 1; t < k; t++) {
      const last = picks[picks.length - 1]!;
      const next = tf.tidy(() => {
        const row = tf.gather(bank, last); // [1, C]
        const dot = tf.reshape(tf.matMul(bank, tf.transpose(row)), [M]); // [M]: plain matMul, explicit transpose
        const d = tf.sub(2, tf.mul(dot, 2)); // squared distances to the last pick
        const m = tf.minimum(minD, d);
        return { m, idx: tf.reshape(tf.argMax(m), [1]) };
      });
      minD.dispose();
      minD = next.m as tf.Tensor1D;
      picks.push(tf.cast(next.idx, 'int32'));
      next.idx.dispose();
    }
    const all = tf.concat(picks);
    try {
      // a bank with repeated rows can pick a row twice once every gap is 0: keep the first
      return Int32Array.from(new Set((await all.data()) as Int32Array));
    } finally {
      all.dispose();
    }
  } finally {
    minD.dispose();
    tf.dispose(picks);
  }
}
