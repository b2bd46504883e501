import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTinyClip } from '../../../../test-utils/tiny-clip';
import type { Detection } from '../aaclip/detector';
import type { ClipModel } from '../model/clip-model';
import { combineFewShot, fewShotClassScores } from './combine';
import { greedyCoreset } from './coreset';
import { createNormalReferences, defaultReferenceLayers } from './normal-references';

const S = 56; // 4 x 4 patches of the tiny CLIP's 14 px
const G = 4;

/** Unit patch tokens [B][P][C] of block `l`, on the host (the definition, not the SDK's path). */
async function unitTokens(clip: ClipModel, x: tf.Tensor4D, l: number): Promise<number[][][]> {
  const r = clip.encodeImage(x, { collect: [l], pooled: false });
  const t = r.tokens.get(l)!;
  const [B, N, C] = t.shape;
  const d = await t.data();
  t.dispose();
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: N - 1 }, (_, p) => {
      const v = Array.from(d.subarray((b * N + 1 + p) * C, (b * N + 2 + p) * C));
      const n = Math.hypot(...v);
      return v.map((a) => a / n);
    }),
  );
}

describe('few-shot normal references on the tiny fixture CLIP', () => {
  let clip: ClipModel;
  beforeAll(() => {
    clip = loadTinyClip();
  });
  afterAll(() => clip.dispose());
  const images = (n: number, seed: number): tf.Tensor4D => tf.randomNormal([n, S, S, 3], 0, 1, 'float32', seed) as tf.Tensor4D;

  it('maps 1 - max cosine to the bank, summed over layers, and frees every tensor', async () => {
    const refs = images(3, 1);
    const test = images(2, 2);
    clip.visual.positionEmbedding(G);
    const before = tf.memory().numTensors;
    const bank = createNormalReferences({ clip });
    expect(bank.layers).toEqual([6, 12, 18, 24]);
    expect(defaultReferenceLayers(24)).toEqual([6, 12, 18, 24]);
    const info = await bank.addNormalReferences('bottle', refs);
    expect(info).toEqual({ className: 'bottle', images: 3, patches: 48, bankSize: 48, ratio: 1, size: S });
    const [a, b] = await bank.score('bottle', test);
    // the definition on the host, at the three corners (align_corners puts patches 0, 3, 15 there)
    const want = [0, 0, 0];
    for (const l of bank.layers) {
      const q = (await unitTokens(clip, test, l))[0]!;
      const mem = (await unitTokens(clip, refs, l)).flat();
      [0, 3, 15].forEach((p, k) => {
        let best = -Infinity;
        for (const m of mem) best = Math.max(best, m.reduce((s, v, c) => s + v * q[p]![c]!, 0));
        want[k]! += 1 - best;
      });
    }
    expect(a!.map[0]).toBeCloseTo(want[0]!, 4);
    expect(a!.map[S - 1]).toBeCloseTo(want[1]!, 4);
    expect(a!.map[S * S - 1]).toBeCloseTo(want[2]!, 4);
    expect(a!.max).toBeGreaterThan(0.01);
    expect(b!.map.length).toBe(S * S);
    // a reference image matches itself everywhere: its map is 0
    const [self] = await bank.score('bottle', tf.slice(refs, [1, 0, 0, 0], [1, S, S, 3]));
    expect(self!.max).toBeLessThan(1e-5);
    expect(Math.min(...self!.map)).toBeGreaterThan(-1e-5);
    // more references extend the bank
    const more = await bank.addNormalReferences('bottle', test);
    expect(more).toMatchObject({ images: 5, patches: 80, bankSize: 80 });
    const [now] = await bank.score('bottle', tf.slice(test, [0, 0, 0, 0], [1, S, S, 3]));
    expect(now!.max).toBeLessThan(1e-5);
    bank.dispose();
    expect(tf.memory().numTensors).toBe(before + 2); // the two slices above
    tf.dispose([refs, test]);
  });

  it('reduces the bank with a greedy coreset and reports its size and ratio', async () => {
    const refs = images(4, 3);
    const bank = createNormalReferences({ clip, layers: [12, 24], coreset: { ratio: 0.25, seed: 1 } });
    const info = await bank.addNormalReferences('screw', refs);
    expect(info).toMatchObject({ images: 4, patches: 64, bankSize: 16, ratio: 0.25 });
    expect(bank.info('screw')).toEqual(info);
    bank.dispose();
    refs.dispose();
    // three tight clusters: a coreset of 3 takes one point of each
    const pts = [
      [1, 0, 0], [0.99, 0.1, 0], [0.98, 0, 0.1],
      [0, 1, 0], [0.1, 0.99, 0],
      [0, 0, 1], [0, 0.1, 0.99], [0.1, 0, 0.99],
    ].map((v) => v.map((x) => x / Math.hypot(...v)));
    const t = tf.tensor2d(pts);
    const idx = await greedyCoreset(t, { size: 3, seed: 0 });
    t.dispose();
    expect(new Set([...idx].map((i) => (i < 3 ? 'a' : i < 5 ? 'b' : 'c'))).size).toBe(3);
  });

  it('refuses an empty reference set, an unknown class, another size and NaN pixels', async () => {
    const bank = createNormalReferences({ clip, layers: [24] });
    await expect(bank.addNormalReferences('bottle', tf.zeros([0, S, S, 3]) as tf.Tensor4D)).rejects.toThrow(/reference set for class "bottle" is empty/);
    const refs = images(1, 4);
    await bank.addNormalReferences('bottle', refs);
    await expect(bank.score('screw', refs)).rejects.toThrow(/no normal references for class "screw" \(classes with references: bottle\)/);
    const big = tf.zeros([1, 70, 70, 3]) as tf.Tensor4D;
    await expect(bank.score('bottle', big)).rejects.toThrow(/references of class "bottle" are 56 px; these images are 70 px/);
    await expect(bank.addNormalReferences('bottle', big)).rejects.toThrow(/has 56 px references; these are 70 px/);
    const nan = tf.fill([1, S, S, 3], Number.NaN) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await expect(bank.addNormalReferences('cable', nan)).rejects.toThrow(/image 0 has non-finite tokens at block 24/);
    expect(tf.memory().numTensors).toBe(before);
    expect(bank.classes).toEqual(['bottle']);
    bank.dispose();
    tf.dispose([refs, big, nan]);
  });
});

describe('combining with a zero-shot head', () => {
  it('adds the maps and scores as APRIL-GAN: 1/2 (image score + class-normalised max)', () => {
    const zs = (v: number[], imageScore: number): Detection => ({ size: 2, anomalyMap: Float32Array.from(v), probabilityMap: Float32Array.from(v), imageScore, mapMax: Math.max(...v), score: imageScore });
    const a = combineFewShot(zs([0.1, 0.2, 0.3, 0.4], 0.6), { size: 2, map: Float32Array.of(0, 0.5, 0, 0), max: 0.5 });
    expect(Array.from(a.anomalyMap)).toEqual([0.1, 0.7, 0.3, 0.4].map(Math.fround));
    expect(a.combinedMax).toBeCloseTo(0.7, 6);
    expect(a.score).toBeCloseTo(0.5 * (0.6 + 0.7), 6);
    expect(a.fewShotMax).toBe(0.5);
    const b = combineFewShot(zs([0, 0, 0, 0.2], 0.2), { size: 2, map: Float32Array.of(0, 0, 0, 0.1), max: 0.1 });
    const s = fewShotClassScores([a, b]);
    expect(s[0]).toBeCloseTo(0.5 * (0.6 + 1), 6);
    expect(s[1]).toBeCloseTo(0.5 * (0.2 + 0), 6);
    expect(() => combineFewShot(zs([0, 0, 0, 0], 0), { size: 1, map: Float32Array.of(0), max: 0 })).toThrow(/zero-shot map is 2 px and the few-shot map 1 px/);
  });
});
