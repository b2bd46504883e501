import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tinyClipWeights } from '../../../../test-utils/tiny-clip';
import type { ClipConfig } from './clip-config';
import { ClipModel } from './clip-model';
import { isInferenceOnlyWeight } from './inference-weights';
import { frozenLinear } from './matmul-2d';
import { randomClipWeights } from './random-weights';

describe('inference-only CLIP weights', () => {
  it('give the same outputs as the full model and free every tensor', () => {
    const { tensors, config } = tinyClipWeights();
    const start = tf.memory().numTensors;
    const full = ClipModel.fromWeights(tensors, config);
    const inf = ClipModel.fromWeights(tensors, config, { inferenceOnly: true });
    expect(full.inferenceOnly).toBe(false);
    expect(inf.inferenceOnly).toBe(true);
    expect(isInferenceOnlyWeight(inf.visual.resblocks[3]!.attn.inProjT)).toBe(true);
    expect(isInferenceOnlyWeight(inf.text!.resblocks[0]!.cProjT)).toBe(true);
    const images = tf.randomNormal([2, 112, 112, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const ids = new Int32Array(2 * 77);
    ids.set([49406, 320, 1125, 49407]);
    ids.set([49406, 1929, 49407], 77);
    for (let pass = 0; pass < 2; pass++) {
      const a = full.encodeImage(images, { collect: [6, 24] });
      const b = inf.encodeImage(images, { collect: [6, 24] });
      // the same kernels on the same (packed) weights: equal to the bit
      expect(b.pooled!.dataSync()).toEqual(a.pooled!.dataSync());
      expect(b.tokens.get(6)!.dataSync()).toEqual(a.tokens.get(6)!.dataSync());
      const ta = full.encodeText(ids);
      const tb = inf.encodeText(ids);
      expect(tb.dataSync()).toEqual(ta.dataSync());
      tf.dispose([a.pooled!, b.pooled!, ...a.tokens.values(), ...b.tokens.values(), ta, tb]);
    }
    tf.dispose(images);
    full.dispose();
    inf.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('refuse what would read the released weights: gradients through them, the surgery branch', () => {
    const { tensors, config } = tinyClipWeights();
    const full = ClipModel.fromWeights(tensors, config);
    const inf = ClipModel.fromWeights(tensors, config, { inferenceOnly: true });
    const images = tf.zeros([1, 112, 112, 3]) as tf.Tensor4D;
    expect(() => inf.encodeImage(images, { collect: [24], surgery: { from: 6 } })).toThrow(/inference only/);
    const w = inf.visual.resblocks[0]!.cFcT;
    const x = tf.ones([3, w.shape[0]]) as tf.Tensor2D;
    expect(() => tf.grad((v: tf.Tensor) => tf.sum(frozenLinear(v as tf.Tensor2D, w)))(x)).toThrow(/inference only/);
    // the full model still trains through the same layer
    const g = tf.grad((v: tf.Tensor) => tf.sum(frozenLinear(v as tf.Tensor2D, full.visual.resblocks[0]!.cFcT)))(x);
    expect(g.shape).toEqual(x.shape);
    tf.dispose([x, g, images]);
    full.dispose();
    inf.dispose();
  });

  it('can be built from lazy random weights, made as the build reads them', () => {
    const cfg: ClipConfig = { embedDim: 16, activation: 'gelu', vision: { imageSize: 32, patchSize: 16, width: 32, layers: 2, heads: 2 } };
    const eager = randomClipWeights(cfg, 3, { visionOnly: true });
    const lazy = randomClipWeights(cfg, 3, { visionOnly: true, lazy: true });
    expect([...lazy.keys()]).toEqual([...eager.keys()]);
    const key = 'visual.transformer.resblocks.1.mlp.c_fc.weight';
    const a = lazy.get(key)!.data;
    expect(a.length).toBe(eager.get(key)!.data.length);
    expect(lazy.get(key)!.data).toEqual(a); // the same values on every read
    expect(a).not.toBe(lazy.get(key)!.data); // and not kept
    const clip = ClipModel.fromWeights(lazy, cfg, { inferenceOnly: true });
    const x = tf.ones([1, 32, 32, 3]) as tf.Tensor4D;
    const r = clip.encodeImage(x);
    expect(Number.isFinite(r.pooled!.dataSync()[0])).toBe(true);
    tf.dispose([x, r.pooled!]);
    clip.dispose();
  });

  it('a forward pass holds the collected sequences and one block, not every block\'s output', () => {
    const { tensors, config } = tinyClipWeights(); // 24 blocks
    const clip = ClipModel.fromWeights(tensors, config, { inferenceOnly: true });
    const images = tf.randomNormal([2, 112, 112, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const N = 1 + (112 / config.vision.patchSize) ** 2;
    const seqBytes = 2 * N * config.vision.width * 4;
    const live: number[] = [];
    const r = clip.encodeImage(images, {
      collect: [6, 12, 18, 24],
      // a hook that replaces every block's output, as the image adapters do
      afterBlock: (i, x) => {
        live[i] = tf.memory().numBytes;
        return tf.mul(x, 1) as tf.Tensor2D;
      },
    });
    // between blocks 7 and 24 only blocks 12 and 18 are collected: +2 sequences; holding every
    // block's output and its hook's input to the end of the pass would be +34
    const grew = (live[24]! - live[7]!) / seqBytes;
    console.log(`live tensors, block 7 -> 24: +${grew.toFixed(2)} sequences of [${2 * N}, ${config.vision.width}]`);
    expect(grew).toBeLessThanOrEqual(2);
    tf.dispose([r.pooled!, ...r.tokens.values(), images]);
    clip.dispose();
  });
});
