import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadTinyClip, tinyAdapters } from '../../../../test-utils/tiny-clip';
import { AAClipModel } from './aaclip-model';
import { stage2GradientsCheckpointed } from './checkpointed-gradients';
import { adapterGradients, stage2Loss } from './stage-losses';

describe('stage2GradientsCheckpointed', () => {
  it('gives the loss and every adapter gradient of the plain tape, and frees what it made', () => {
    const clip = loadTinyClip(); // the fixture's tiny CLIP: 24 blocks, adapters after blocks 1-6
    const model = AAClipModel.create({ clip, adapters: tinyAdapters() });
    const anchors = new Map([
      ['a', tf.tensor2d(Array.from({ length: clip.config.embedDim * 2 }, (_, i) => Math.sin(i * 0.7)), [clip.config.embedDim, 2])],
      ['b', tf.tensor2d(Array.from({ length: clip.config.embedDim * 2 }, (_, i) => Math.cos(i * 0.3)), [clip.config.embedDim, 2])],
    ]);
    const S = 56;
    const images = tf.randomNormal([2, S, S, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const masks = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, S, S], 0, 1, 'float32', 4), 0.8), 'float32')) as tf.Tensor3D;
    const batch = { images, masks, labels: [1, 0], classes: ['a', 'b'] };
    const plain = adapterGradients(model, 2, () => stage2Loss(model, batch, anchors).loss);
    const start = tf.memory().numTensors;
    const ck = stage2GradientsCheckpointed(model, batch, anchors);
    expect(tf.memory().numTensors - start).toBe(ck.grads.size); // only the gradients it returns
    expect(Math.abs(ck.value - plain.value) / plain.value).toBeLessThan(1e-6); // the terms are summed in float64
    expect([...ck.grads.keys()].sort()).toEqual([...plain.grads.keys()].sort());
    expect(ck.grads.size).toBe(6 + 4 + 1); // 6 block adapters, 4 seg projections, det projection
    for (const [key, g] of plain.grads) {
      const a = g.dataSync();
      const b = ck.grads.get(key)!.dataSync();
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      }
      expect(maxAbs, key).toBeGreaterThan(0);
      expect(maxDiff / maxAbs, key).toBeLessThan(1e-5);
    }
    tf.dispose([...plain.grads.values(), ...ck.grads.values(), images, masks, ...anchors.values()]);
    model.dispose();
    clip.dispose();
  });
});
