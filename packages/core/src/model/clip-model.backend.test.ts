import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadTinyClip, tinyClipWeights } from '../../../../test-utils/tiny-clip';
import { ClipModel } from './clip-model';
import { bicubicResampleMatrix, resizePositionEmbedding } from './position-embedding';

describe('ClipModel', () => {
  it('returns tf.memory().numTensors to its start after repeated forwards and dispose', () => {
    const start = tf.memory().numTensors;
    const clip = loadTinyClip();
    const loaded = tf.memory().numTensors;
    const images = tf.randomNormal([1, 140, 140, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const ids = new Int32Array(77);
    ids.set([49406, 320, 1125, 49407]);
    for (let i = 0; i < 3; i++) {
      const r = clip.encodeImage(images, { collect: [6, 24], surgery: i === 2 ? { from: 6 } : undefined });
      tf.dispose([r.pooled!, ...r.tokens.values()]);
      tf.dispose(clip.encodeText(ids));
    }
    // only the caches (position embedding per grid size, value-path weights) remain
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const r = clip.encodeImage(images, { collect: [6, 24], surgery: { from: 6 } });
      tf.dispose([r.pooled!, ...r.tokens.values()]);
    }
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(afterFirst - loaded).toBe(1 + 1 + 2 * 19); // images, position cache, 19 value-path weight pairs
    images.dispose();
    clip.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('gives shapes for any square input size, cropping to whole patches', () => {
    const clip = loadTinyClip();
    for (const [S, g] of [[112, 8], [140, 10], [150, 10], [28, 2]] as const) {
      const x = tf.zeros([2, S, S, 3]) as tf.Tensor4D;
      const r = clip.encodeImage(x, { collect: [1] });
      expect(r.grid).toBe(g);
      expect(r.pooled!.shape).toEqual([2, 32]);
      expect(r.tokens.get(1)!.shape).toEqual([2, 1 + g * g, 64]);
      tf.dispose([x, r.pooled!, ...r.tokens.values()]);
    }
    clip.dispose();
  });

  it('validates inputs with the actual values in the message', () => {
    const clip = loadTinyClip();
    const bad = tf.zeros([1, 140, 140, 4]) as tf.Tensor4D;
    expect(() => clip.encodeImage(bad)).toThrow(/3 channels, got shape \[1,140,140,4\]/);
    const rect = tf.zeros([1, 140, 112, 3]) as tf.Tensor4D;
    expect(() => clip.encodeImage(rect)).toThrow(/square, got 140 x 112/);
    expect(() => clip.encodeImage(tf.zeros([1, 28, 28, 3]) as tf.Tensor4D, { collect: [25] })).toThrow(/collect block 25 is outside 1..24/);
    expect(() => clip.encodeText(new Int32Array(76))).toThrow(/not a positive multiple of the context length 77/);
    const ids = new Int32Array(77);
    ids[3] = 60000;
    expect(() => clip.encodeText(ids)).toThrow(/token id 60000 at \[0, 3\] is outside 0..49407/);
    tf.dispose([bad, rect]);
    clip.dispose();
  });

  it('checks every key and shape, naming the key and both shapes', () => {
    const { tensors, config } = tinyClipWeights();
    const broken = new Map(tensors);
    const e = broken.get('visual.transformer.resblocks.3.mlp.c_fc.bias')!;
    broken.set('visual.transformer.resblocks.3.mlp.c_fc.bias', { ...e, shape: [255], data: e.data.slice(0, 255) });
    expect(() => ClipModel.fromWeights(broken, config)).toThrow('key "visual.transformer.resblocks.3.mlp.c_fc.bias" has shape [255], expected [256]');
    const missing = new Map(tensors);
    missing.delete('visual.ln_post.weight');
    const before = tf.memory().numTensors;
    expect(() => ClipModel.fromWeights(missing, config)).toThrow('missing key "visual.ln_post.weight" (expected shape [64])');
    expect(tf.memory().numTensors).toBe(before); // a failed build frees what it made
    expect(() => ClipModel.fromWeights(tensors, { ...config, vision: { ...config.vision, heads: 5 } })).toThrow(/width 64 is not divisible by heads 5/);
  });
});

describe('position embedding resize (PIL antialiased bicubic)', () => {
  it('has rows that sum to one and is the identity at the same size', () => {
    for (const [a, b] of [[8, 10], [24, 37], [37, 24], [16, 16]] as const) {
      const m = bicubicResampleMatrix(a, b);
      for (let i = 0; i < b; i++) {
        let s = 0;
        for (let j = 0; j < a; j++) s += m[i * a + j]!;
        expect(s).toBeCloseTo(1, 12);
      }
    }
    const pos = Float32Array.from({ length: 65 * 3 }, (_, i) => Math.sin(i));
    expect(resizePositionEmbedding(pos, 3, 8, 8)).toEqual(pos);
  });

  it('keeps the class row and reproduces PIL weights for 8 -> 10', () => {
    // PIL bicubic 8 -> 10, output 0: centre 0.4, taps 0..2 with cubic((j - 0.4 + 0.5)) normalised
    const m = bicubicResampleMatrix(8, 10);
    const cubic = (x: number): number => {
      const t = Math.abs(x);
      return t < 1 ? (1.5 * t - 2.5) * t * t + 1 : t < 2 ? (((t - 5) * t + 8) * t - 4) * -0.5 : 0;
    };
    const w = [0, 1, 2].map((j) => cubic(j + 0.1));
    const sum = w[0]! + w[1]! + w[2]!;
    expect(m[0]).toBeCloseTo(w[0]! / sum, 14);
    expect(m[1]).toBeCloseTo(w[1]! / sum, 14);
    expect(m[2]).toBeCloseTo(w[2]! / sum, 14);
    const pos = Float32Array.from({ length: 65 * 2 }, (_, i) => i);
    const out = resizePositionEmbedding(pos, 2, 8, 10);
    expect(out.length).toBe(101 * 2);
    expect(Array.from(out.subarray(0, 2))).toEqual([0, 1]);
  });
});
