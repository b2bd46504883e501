import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTinyClip } from '../../../../test-utils/tiny-clip';
import { mulberry32 } from '../aaclip/aaclip-model';
import type { ClipModel } from '../model/clip-model';
import { assertMsmBatch, minImagesForMsm, msmInterval, mutualScores } from './msm';
import { divideSubsets, defaultMuscLayers } from './musc-config';
import { createMuscScorer } from './musc-scorer';
import { appendMuscImage, emptyMuscTokens } from './musc-tokens';
import { scoreMuscTokens } from './musc-scorer';
import { rscin } from './rscin';

/** N random unit rows of [P, C] per image. */
function unitFeatures(N: number, P: number, C: number, seed: number): Float32Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: N }, () => {
    const a = Float32Array.from({ length: P * C }, () => rand() - 0.5);
    for (let p = 0; p < P; p++) {
      let n = 0;
      for (let c = 0; c < C; c++) n += a[p * C + c]! ** 2;
      for (let c = 0; c < C; c++) a[p * C + c]! /= Math.sqrt(n);
    }
    return a;
  });
}

/** MSM by its definition, in float64: every distance, sorted, interval mean. */
function naiveMsm(f: Float32Array[], P: number, C: number, tmin: number, tmax: number): Float64Array {
  const N = f.length;
  const { kMin, kMax } = msmInterval(N - 1, tmin, tmax);
  const out = new Float64Array(N * P);
  for (let i = 0; i < N; i++) {
    for (let p = 0; p < P; p++) {
      const d: number[] = [];
      for (let j = 0; j < N; j++) {
        if (j === i) continue;
        let best = Infinity;
        for (let q = 0; q < P; q++) {
          let s = 0;
          for (let c = 0; c < C; c++) s += (f[i]![p * C + c]! - f[j]![q * C + c]!) ** 2;
          best = Math.min(best, Math.sqrt(s));
        }
        d.push(best);
      }
      d.sort((a, b) => a - b);
      out[i * P + p] = d.slice(kMin, kMax).reduce((a, b) => a + b, 0) / (kMax - kMin);
    }
  }
  return out;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('MSM (mutual scoring)', () => {
  it('equals the definition for every pair-block size, and frees its tensors', async () => {
    const [N, P, C] = [7, 9, 16];
    const f = unitFeatures(N, P, C, 1);
    const ref = naiveMsm(f, P, C, 0, 0.5);
    const before = tf.memory().numTensors;
    for (const pairBlock of [1, 3, 8]) {
      const got = await mutualScores(f, P, C, { topminMax: 0.5, pairBlock });
      expect(maxAbs(got, ref)).toBeLessThan(2e-6);
    }
    // another interval: ranks 1..3 of the 6 others
    expect(maxAbs(await mutualScores(f, P, C, { topminMin: 0.2, topminMax: 0.6 }), naiveMsm(f, P, C, 0.2, 0.6))).toBeLessThan(2e-6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the batch size an interval needs', () => {
    expect(minImagesForMsm(0, 0.3)).toBe(5); // int(4 * 0.3) = 1
    expect(minImagesForMsm(0, 0.5)).toBe(3);
    expect(minImagesForMsm(0, 2)).toBe(3); // a count: the 2 nearest of >= 2 others
    expect(() => assertMsmBatch(1)).toThrow(/needs at least 5 images for topmin_max 0\.3.*got 1/);
    expect(() => assertMsmBatch(4)).toThrow(/at least 5 images/);
    expect(() => assertMsmBatch(5)).not.toThrow();
    expect(() => msmInterval(9, 0, -1)).toThrow(/topmin_max must be a fraction/);
  });
});

describe('RsCIN', () => {
  it('is P_k s averaged over k, with P_k the row-normalised k largest similarities', () => {
    // three images: 0 and 1 alike, 2 apart
    const cls = Float32Array.of(1, 0, 0.8, 0.6, 0, 1);
    const s = [0.2, 1.0, 0.6]; // normalised: 0, 1, 0.5
    const out = rscin(s, cls, 2, [1, 2]);
    // k = 1 keeps the diagonal: s itself; k = 2: row 0 keeps (1, 0.8) -> (0 + 0.8 * 1) / 1.8
    expect(out[0]).toBeCloseTo((0 + 0.8 / 1.8) / 2, 6);
    expect(out[1]).toBeCloseTo((1 + (0.8 * 0 + 1 * 1) / 1.8) / 2, 6);
    expect(out[2]).toBeCloseTo((0.5 + (0.6 * 1 + 1 * 0.5) / 1.6) / 2, 6);
    expect(Array.from(rscin(s, cls, 2, [0]))).toEqual(s); // 0 turns it off, as the official code
  });
});

describe('divide_num subsets', () => {
  it('deals each group round-robin after a seeded shuffle', () => {
    const sub = divideSubsets(10, 3, 0, ['good', 'good', 'good', 'good', 'good', 'good', 'crack', 'crack', 'crack', 'crack']);
    expect(sub.length).toBe(3);
    expect(sub.flat().sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(sub.map((s) => s.length)).toEqual([4, 3, 3]); // 6 good -> 2+2+2, 4 crack -> 2+1+1
    expect(divideSubsets(5, 1, 0)).toEqual([[0, 1, 2, 3, 4]]);
    expect(defaultMuscLayers(24)).toEqual([5, 11, 17, 23]);
  });

  it('scores each subset on its own and RsCIN over all', async () => {
    const [N, G, C, E] = [10, 3, 8, 4];
    const rand = mulberry32(5);
    const store = emptyMuscTokens(2, G, C, E);
    const all = Array.from({ length: N }, () => ({ t: [0, 1].map(() => Float32Array.from({ length: (1 + G * G) * C }, () => rand())), c: Float32Array.from({ length: E }, () => rand()) }));
    for (const x of all) appendMuscImage(store, x.t, x.c);
    const cfg = { rList: [1, 3], divideNum: 2, seed: 3, topminMax: 0.5 };
    const whole = await scoreMuscTokens(store, 6, cfg);
    const subsets = divideSubsets(N, 2, 3);
    const P = G * G;
    for (const ids of subsets) {
      const part = emptyMuscTokens(2, G, C, E);
      for (const i of ids) appendMuscImage(part, all[i]!.t, all[i]!.c);
      const alone = await scoreMuscTokens(part, 6, { ...cfg, divideNum: 1 });
      ids.forEach((i, t) => expect(maxAbs(whole.patchMaps.subarray(i * P, (i + 1) * P), alone.patchMaps.subarray(t * P, (t + 1) * P))).toBe(0));
    }
  });
});

describe('createMuscScorer on the tiny fixture CLIP', () => {
  let clip: ClipModel;
  const S = 56; // 4 x 4 patches of 14 px
  beforeAll(() => {
    clip = loadTinyClip();
  });
  afterAll(() => clip.dispose());
  const images = (n: number, seed: number): tf.Tensor4D => tf.randomNormal([n, S, S, 3], 0, 1, 'float32', seed) as tf.Tensor4D;

  it('scores a batch at once or streamed in parts alike, and frees every tensor', async () => {
    const x = images(6, 1);
    clip.visual.positionEmbedding(4); // the CLIP's cached position embedding for a 4 x 4 grid
    const before = tf.memory().numTensors;
    const musc = createMuscScorer({ clip, batchSize: 4 });
    expect(musc.layers).toEqual([5, 11, 17, 23]);
    const once = await musc.scoreBatch(x);
    expect(once.length).toBe(6);
    for (const r of once) {
      expect(r.size).toBe(S);
      expect(r.grid).toBe(4);
      expect(r.anomalyMap.length).toBe(S * S);
      expect(r.patchMap.length).toBe(16);
      let m = -Infinity;
      for (const v of r.anomalyMap) m = Math.max(m, v);
      expect(r.mapMax).toBe(m);
      // MSM distances of unit vectors lie in [0, 2]
      expect(r.mapMax).toBeGreaterThan(0);
      expect(r.mapMax).toBeLessThanOrEqual(2);
      expect(Number.isFinite(r.score)).toBe(true);
    }
    // streamed: 2 + 4 images, then finish
    const a = tf.slice(x, [0, 0, 0, 0], [2, S, S, 3]);
    const b = tf.slice(x, [2, 0, 0, 0], [4, S, S, 3]);
    expect(await musc.add(a)).toBe(2);
    expect(await musc.add(b)).toBe(6);
    const streamed = await musc.finish();
    tf.dispose([a, b]);
    expect(musc.count).toBe(0);
    for (let i = 0; i < 6; i++) {
      expect(maxAbs(streamed[i]!.anomalyMap, once[i]!.anomalyMap)).toBeLessThan(1e-6);
      expect(streamed[i]!.score).toBeCloseTo(once[i]!.score, 6);
    }
    musc.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('refuses a batch too small for topmin_max, mixed sizes and NaN pixels with clear errors', async () => {
    const musc = createMuscScorer({ clip });
    const one = images(1, 2);
    await expect(musc.scoreBatch(one)).rejects.toThrow(/MuSc scores each image against the others of its batch, so a batch needs at least 5 images for topmin_max 0\.3.*got 1/);
    await expect(createMuscScorer({ clip, topminMax: 0.5 }).scoreBatch(one)).rejects.toThrow(/at least 3 images for topmin_max 0\.5/);
    one.dispose();
    const small = images(2, 3);
    const big = tf.randomNormal([2, 70, 70, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    await musc.add(small);
    await expect(musc.add(big)).rejects.toThrow(/these images are 70 px but the 2 already added are 56 px/);
    await expect(musc.finish()).rejects.toThrow(/at least 5 images.*got 2/);
    tf.dispose([small, big]);
    const nan = tf.tidy(() => tf.concat([images(1, 5), tf.fill([1, S, S, 3], Number.NaN)]) as tf.Tensor4D);
    const fresh = createMuscScorer({ clip });
    await expect(fresh.add(nan)).rejects.toThrow(/image 1 \(batch index 1\) has a non-finite token value \(NaN\) at layer block 5/);
    expect(fresh.count).toBe(0); // nothing half-added
    nan.dispose();
    expect(() => createMuscScorer({ clip, layers: [0, 5] })).toThrow(/layers entries must be blocks 1\.\.24/);
    expect(() => createMuscScorer({ clip, rList: [2] })).toThrow(/rList entries must be positive odd integers/);
  });
});
