import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadTinyClip, tinyAdapters } from '../../../../test-utils/tiny-clip';
import { anchorsFor, promptTokens, source as simpleSource } from '../../../../test-utils/simple-defects';
import { AAClipModel } from './aaclip-model';
import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from './checkpoint';
import { trainStage } from './trainer';

const SIZE = 56; // resume test: 4 x 4 patches of the fixture CLIP's 14 px
const source = (n: number, seed: number) => simpleSource(n, seed, SIZE);

function weightsOf(model: AAClipModel, stage: 1 | 2): Float32Array[] {
  return model.trainableAdapters(stage).map((p) => p.exportWeight());
}

describe('trainStage', () => {
  it('resumes after an interrupt to the same weights as an uninterrupted run (stage 1 and 2)', async () => {
    const start = tf.memory().numTensors;
    const clip = loadTinyClip();
    const data = source(6, 1);
    for (const stage of [1, 2] as const) {
      const common = { stage, epochs: 2, batchSize: 2, lr: 1e-3, seed: 5, classTokens: promptTokens } as const;
      // uninterrupted
      const m1 = AAClipModel.create({ clip, adapters: tinyAdapters() });
      const a1 = anchorsFor(m1);
      const full = await trainStage(m1, data, { ...common, anchors: a1 });
      expect(full.steps).toBe(6);
      expect(full.epochLosses).toHaveLength(2);
      // interrupted after 4 steps (mid-epoch 2), checkpoint through bytes, then resumed in a new model
      const m2 = AAClipModel.create({ clip, adapters: tinyAdapters() });
      const a2 = anchorsFor(m2);
      let saved: Uint8Array | null = null;
      let steps = 0;
      const part = await trainStage(m2, data, {
        ...common,
        anchors: a2,
        shouldStop: () => ++steps === 4,
        onCheckpoint: (ck) => {
          saved = encodeCheckpoint({ adapters: ck.adapters, anchors: new Map(), training: ck });
        },
      });
      expect(part.stopped).toBe(true);
      const ck = decodeCheckpoint(saved!).training as TrainingCheckpoint;
      expect([ck.epoch, ck.step, ck.globalStep]).toEqual([1, 1, 4]);
      const m3 = AAClipModel.create({ clip, adapters: tinyAdapters() });
      const resumed = await trainStage(m3, data, { ...common, anchors: a2, resume: ck });
      expect(resumed.steps).toBe(6);
      expect(resumed.epochLosses).toEqual(full.epochLosses);
      expect(weightsOf(m3, stage)).toEqual(weightsOf(m1, stage));
      // and training changed something
      const untouched = AAClipModel.create({ clip, adapters: tinyAdapters() });
      expect(weightsOf(untouched, stage)).not.toEqual(weightsOf(m1, stage));
      for (const m of [m1, m2, m3, untouched]) m.dispose();
      tf.dispose([...a1.values(), ...a2.values()]);
    }
    clip.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
