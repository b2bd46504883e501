import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bpeVocabPath } from '../../../../test-utils/fixtures';
import { nchwToNhwc } from '../../../../test-utils/read-safetensors-lite';
import { fixtureTensors, loadTinyClip, tinyAdapters } from '../../../../test-utils/tiny-clip';
import { createClipTokenizerFromBpeGz } from '../tokenizer/index';
import { createDetector } from './detector';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - Number(b[i])));
  return m;
};

describe('createDetector / detect', () => {
  const inputs = fixtureTensors('inputs.safetensors');
  const expected = fixtureTensors('expected.safetensors');
  const im = inputs.get('images')!;
  const S = im.shape[2]!;
  const tokenizer = createClipTokenizerFromBpeGz(readFileSync(bpeVocabPath));

  it('reproduces the reference test maps and image scores from class names, then from exported anchors alone', async () => {
    const start = tf.memory().numTensors;
    const images = tf.tensor4d(nchwToNhwc(im.data as Float32Array, im.shape), [2, S, S, 3]);
    const det = createDetector({ clip: loadTinyClip(), adapters: tinyAdapters(), tokenizer, classNames: ['bottle'], prompts: { dataset: 'mvtec' } });
    expect(det.classes).toEqual(['bottle']);
    const res = await det.detect(images, { className: 'bottle', levelMaps: true });
    const refMap = expected.get('test.anomaly_map.industrial')!.data as Float64Array;
    const refPred = expected.get('test.image_pred')!.data as Float64Array;
    expect(res).toHaveLength(2);
    for (let b = 0; b < 2; b++) {
      expect(res[b]!.size).toBe(S);
      expect(maxDiff(res[b]!.anomalyMap, refMap.subarray(b * S * S, (b + 1) * S * S))).toBeLessThan(2e-4);
      expect(Math.abs(res[b]!.imageScore - refPred[b]!)).toBeLessThan(1e-6);
      expect(res[b]!.levelMaps).toHaveLength(4);
      const p = res[b]!.probabilityMap;
      expect(Math.min(...p)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...p)).toBeLessThanOrEqual(1);
      expect(res[b]!.score).toBeCloseTo(0.5 * res[b]!.mapMax + 0.5 * res[b]!.imageScore, 6);
    }
    const medical = await det.detect(images, { className: 'bottle', domain: 'medical' });
    const refMed = expected.get('test.anomaly_map.medical')!.data as Float64Array;
    expect(maxDiff(medical[0]!.anomalyMap, refMed.subarray(0, S * S))).toBeLessThan(2e-4);
    expect(medical[0]!.score).toBe(medical[0]!.mapMax);
    // anchors exported, then a detector with no tokenizer uses them
    const anchors = det.exportAnchors();
    expect(anchors.get('bottle')!.shape).toEqual([32, 2]);
    const anchorsAsync = await det.exportAnchorsAsync();
    expect(anchorsAsync.get('bottle')!.data).toEqual(anchors.get('bottle')!.data);
    expect(maxDiff(anchors.get('bottle')!.data, expected.get('anchors.adapted.bottle')!.data as Float64Array)).toBeLessThan(3e-6);
    det.dispose();
    const det2 = createDetector({ clip: loadTinyClip(), adapters: tinyAdapters(), anchors });
    const res2 = await det2.detect(images, { className: 'bottle' });
    expect(maxDiff(res2[1]!.anomalyMap, res[1]!.anomalyMap)).toBe(0);
    await expect(det2.detect(images, { className: 'screw' })).rejects.toThrow('no anchors for class "screw" (known: bottle) and no tokenizer/text tower to compute them');
    await expect(det2.detect(images, { className: '' })).rejects.toThrow(/className must be a non-empty string/);
    await expect(det2.detect(tf.zeros([1, S, S, 1]) as tf.Tensor4D, { className: 'bottle' })).rejects.toThrow(/NHWC \[B, S, S, 3\], got shape \[1,140,140,1\]/);
    det2.dispose();
    det2.dispose(); // idempotent
    await expect(det2.detect(images, { className: 'bottle' })).rejects.toThrow('used after dispose()');
    images.dispose();
    expect(tf.memory().numTensors).toBe(start + 1); // the zeros tensor of the bad-input check
  });

  it('computes anchors lazily for new classes and caches them', async () => {
    const det = createDetector({ clip: loadTinyClip(), adapters: tinyAdapters(), tokenizer });
    const a1 = det.anchors('screw');
    const a2 = det.anchors('screw');
    expect(a1).toBe(a2);
    expect(maxDiff(a1.dataSync(), expected.get('anchors.adapted.screw')!.data as Float64Array)).toBeLessThan(3e-6);
    det.dispose();
  });

  it('setAnchors gives a detector without a text tower the anchors computed elsewhere, bit for bit', async () => {
    const images = tf.tensor4d(nchwToNhwc(im.data as Float32Array, im.shape), [2, S, S, 3]);
    const withText = createDetector({ clip: loadTinyClip(), adapters: tinyAdapters(), tokenizer });
    const want = await withText.detect(images, { className: 'screw' });
    const a = withText.exportAnchors().get('screw')!;
    withText.dispose();
    const start = tf.memory().numTensors;
    const det = createDetector({ clip: loadTinyClip(), adapters: tinyAdapters(), anchors: new Map() });
    det.setAnchors('screw', { shape: a.shape, data: a.data.map((v) => v + 1) }); // replaced below
    det.setAnchors('screw', a);
    expect(det.classes).toEqual(['screw']);
    const got = await det.detect(images, { className: 'screw' });
    expect(maxDiff(got[0]!.anomalyMap, want[0]!.anomalyMap)).toBe(0);
    expect(got[1]!.imageScore).toBe(want[1]!.imageScore);
    expect(() => det.setAnchors('screw', { shape: [3, 2], data: new Float32Array(6) })).toThrow(/expected \[32, 2\]/);
    expect(() => det.setAnchors('', a)).toThrow(/non-empty string/);
    det.dispose();
    images.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(start);
  });

  it('refuses adapters without image adapters, and missing anchors and tokenizer', () => {
    const clip = loadTinyClip();
    const textOnly = new Map([...tinyAdapters()].filter(([k]) => k.startsWith('text_adapter.')));
    expect(() => createDetector({ clip, adapters: textOnly, tokenizer })).toThrow(/no image_adapter\.\* weights/);
    expect(() => createDetector({ clip, adapters: tinyAdapters() })).toThrow(/give `anchors`, or a `tokenizer`/);
    clip.dispose();
  });
});
