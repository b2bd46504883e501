// The training pool against one thread: the same loss and adapter gradients for a batch split
// across this thread and a worker, once per backend (the worker runs the test project's
// backend). Needs the built worker (npm test builds).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AAClipModel, ClipModel, CLIP_PRESETS, type ClipConfig } from '@aaclip/core';
import { Adam, randomClipWeights, stage2Gradients, trainStage, type TrainingSample } from '@aaclip/core/train';
import type { NodeBackendName } from '../backend';
import { maxRelDiff } from '../../../../test-utils/compare';
import { createTrainingPool } from './training-pool';

const BACKEND = (process.env.AACLIP_TEST_BACKEND ?? 'cpu') as NodeBackendName;
const SIZE = 56; // a 4 x 4 grid of the tiny preset's 14 px patches
const cfg: ClipConfig = { ...CLIP_PRESETS.tiny, text: undefined };

function tinyModel(): AAClipModel {
  const w = randomClipWeights(cfg, 5, { visionOnly: true });
  const clip = ClipModel.fromWeights(w, cfg);
  w.clear();
  return AAClipModel.create({ clip, seed: 3 });
}

function batch(B: number): { images: tf.Tensor4D; masks: tf.Tensor3D; labels: number[]; classes: string[] } {
  const labels = Array.from({ length: B }, (_, b) => (b + 1) % 2);
  const mask = new Float32Array(B * SIZE * SIZE);
  labels.forEach((l, b) => {
    if (l) for (let y = 10; y < 30; y++) for (let x = 20; x < 40; x++) mask[b * SIZE * SIZE + y * SIZE + x] = 1;
  });
  return {
    images: tf.randomNormal([B, SIZE, SIZE, 3], 0, 1, 'float32', 17) as tf.Tensor4D,
    masks: tf.tensor3d(mask, [B, SIZE, SIZE]),
    labels,
    classes: labels.map((_, b) => (b === 2 ? 'screw' : 'bottle')),
  };
}

function anchorsFor(classes: string[]): Map<string, tf.Tensor2D> {
  return new Map(
    classes.map((c, i) => [
      c,
      tf.tidy(() => {
        const a = tf.randomNormal([cfg.embedDim, 2], 0, 1, 'float32', 40 + i);
        return tf.div(a, tf.norm(a, 'euclidean', 0, true)) as tf.Tensor2D;
      }),
    ]),
  );
}


describe('createTrainingPool', () => {
  it('gives the loss and every adapter gradient of the whole batch on one thread, split across two', async () => {
    const model = tinyModel();
    const data = batch(3);
    const anchors = anchorsFor(['bottle', 'screw']);
    const want = await stage2Gradients(model, data, anchors, false);
    const pool = await createTrainingPool({ weights: { random: { config: cfg, seed: 5 } }, model, workers: 1, backend: BACKEND });
    expect(pool.threads).toBe(2);
    const start = tf.memory().numTensors;
    const got = await pool.stage2Gradients(model, data, anchors); // images 0-1 here, 2 in the worker
    expect(Math.abs(got.value - want.value) / want.value).toBeLessThan(2e-5); // float32: XNNPACK rounds by batch shape
    expect([...got.grads.keys()].sort()).toEqual([...want.grads.keys()].sort());
    for (const [k, g] of want.grads) expect(maxRelDiff(g, got.grads.get(k)!), k).toBeLessThan(2e-5);
    tf.dispose([...got.grads.values()]);
    expect(tf.memory().numTensors).toBe(start);
    // a batch of one stays on this thread
    const one = await pool.stage2Gradients(model, batch(1), anchors);
    expect(Number.isFinite(one.value)).toBe(true);
    tf.dispose([...one.grads.values()]);
    await pool.dispose();
    await expect(pool.stage2Gradients(model, data, anchors)).rejects.toThrow('TrainingPool: disposed');
    tf.dispose([...want.grads.values(), data.images, data.masks, ...anchors.values()]);
    model.dispose();
    model.clip.dispose();
  });

  it('trains stage 2 with trainStage to the same weights as one thread', async () => {
    const samples: TrainingSample[] = Array.from({ length: 4 }, (_, i) => {
      const image = new Uint8Array(SIZE * SIZE * 3).map((_, j) => (j * 7 + i * 31) % 251);
      const mask = new Uint8Array(SIZE * SIZE);
      if (i % 2) for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) mask[y * SIZE + x] = 1;
      return { image: { width: SIZE, height: SIZE, data: image }, mask: i % 2 ? mask : null, label: (i % 2) as 0 | 1, className: 'bottle' };
    });
    const anchors = anchorsFor(['bottle']);
    const run = async (withPool: boolean): Promise<Float32Array> => {
      const model = tinyModel();
      const pool = withPool ? await createTrainingPool({ weights: { random: { config: cfg, seed: 5 } }, model, workers: 1, backend: BACKEND }) : null;
      await trainStage(model, { length: samples.length, get: async (i) => samples[i]! }, {
        stage: 2,
        epochs: 1,
        batchSize: 2,
        anchors,
        augment: false,
        checkpoint: false,
        ...(pool ? { stage2Gradients: pool.stage2Gradients } : {}),
      });
      await pool?.dispose();
      const w = (await model.imageAdapters.detProj.weightT.data()) as Float32Array;
      model.dispose();
      model.clip.dispose();
      return w;
    };
    const single = await run(false);
    const pooled = await run(true);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < single.length; i++) {
      scale = Math.max(scale, Math.abs(single[i]!));
      diff = Math.max(diff, Math.abs(single[i]! - pooled[i]!));
    }
    expect(diff / scale).toBeLessThan(1e-4);
    tf.dispose([...anchors.values()]);
  });
});
