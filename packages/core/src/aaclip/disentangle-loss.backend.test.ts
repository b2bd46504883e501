import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DISENTANGLE_WEIGHT, disentangleLoss, orthogonalLoss } from './disentangle-loss';

/** [E, 2] anchors from their two columns. */
const anchors = (normal: number[], abnormal: number[]): tf.Tensor2D => tf.tensor2d(normal.flatMap((n, i) => [n, abnormal[i]!]), [normal.length, 2]);

describe('disentangle loss', () => {
  it('is (mean_b <A_b[:, 0], A_b[:, 1]>)^2 and frees its intermediates', async () => {
    const a = [anchors([1, 0, 0], [0.5, 0.5, 0.7071]), anchors([0.6, 0.8, 0], [0.6, 0, 0.8])]; // dots 0.5 and 0.36
    const before = tf.memory().numTensors;
    const l = disentangleLoss(a);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect((await l.data())[0]).toBeCloseTo(((0.5 + 0.36) / 2) ** 2, 6);
    l.dispose();
    const o = disentangleLoss([anchors([1, 0], [0, 1])]); // orthogonal anchors: 0
    expect((await o.data())[0]).toBe(0);
    tf.dispose([o, ...a]);
  });

  it('keeps its former name for one release, and its weight is the official 0.1', () => {
    expect(orthogonalLoss).toBe(disentangleLoss);
    expect(DISENTANGLE_WEIGHT).toBe(0.1);
  });

  it('names the problem when the batch has no images', () => {
    expect(() => disentangleLoss([])).toThrow('disentangle loss: no anchors (the batch has no images)');
  });
});
