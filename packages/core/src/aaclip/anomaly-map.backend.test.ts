import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { anomalyMaps, levelSum } from './anomaly-map';

describe('anomaly map', () => {
  it('M is the sum of the level maps', async () => {
    const a = tf.tensor3d([[[1, 2], [3, 4]]]);
    const b = tf.tensor3d([[[10, 20], [30, 40]]]);
    const m = levelSum([a, b]);
    expect(Array.from(await m.data())).toEqual([11, 22, 33, 44]);
    tf.dispose([a, b, m]);
    expect(() => levelSum([])).toThrow('anomaly map: no feature levels');
  });

  it('gives m_l = (s_1 - s_0 + 1) / 2 per level, M over two levels and P in 0..1; the caller owns only what it gets', async () => {
    // every patch equals the abnormal anchor: s = 100 (0, 1), so m_l = 50.5 everywhere (a blur and an
    // upsampling of a constant stay constant), M = 101 over two levels and P = softmax(0, 100)[1] ~ 1
    const g = 3;
    const S = 7;
    const anchors = tf.tensor2d([[1, 0], [0, 1]]); // [E, 2]: column 0 normal, column 1 abnormal
    const feats = tf.tidy(() => tf.tile(tf.tensor3d([[[0, 1]]]), [2, g * g, 1]) as tf.Tensor3D); // [B=2, g*g, E=2]
    const before = tf.memory().numTensors;
    const r = anomalyMaps([feats, feats], anchors, g, S, 'industrial', { probability: true });
    expect(tf.memory().numTensors).toBe(before + 4); // two levels, M, P
    expect(r.anomaly.shape).toEqual([2, S, S]);
    for (const v of await r.levels[0]!.data()) expect(v).toBeCloseTo(50.5, 4);
    for (const v of await r.anomaly.data()) expect(v).toBeCloseTo(101, 4);
    for (const v of await r.probability!.data()) expect(v).toBeCloseTo(1, 6);
    tf.dispose([r.anomaly, r.probability!, ...r.levels]);
    const plain = anomalyMaps([feats], anchors, g, S, 'medical');
    expect(plain.probability).toBeNull();
    for (const v of await plain.anomaly.data()) expect(v).toBeCloseTo(50.5, 4);
    tf.dispose([plain.anomaly, ...plain.levels]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([anchors, feats]);
  });
});
