// Calibrated detection: thresholds set on the detector's own scores, stored in a checkpoint,
// read back, give Detection.isAnomalous and defectMask (and nothing without a calibration).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nchwToNhwc } from '../../../../test-utils/read-safetensors-lite';
import { fixtureTensors, loadTinyClip, tinyAdapters } from '../../../../test-utils/tiny-clip';
import { calibrateClass } from './calibrate';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { createDetector } from './detector';

describe('Detector with stored thresholds', () => {
  const expected = fixtureTensors('expected.safetensors');
  const im = fixtureTensors('inputs.safetensors').get('images')!;
  const S = im.shape[2]!;
  const a = expected.get('anchors.adapted.bottle')!;
  const anchors = new Map([['bottle', { shape: [...a.shape], data: Float32Array.from(a.data as Float64Array) }]]);

  it('isAnomalous = score >= image threshold, defectMask = anomalyMap >= pixel threshold, after a checkpoint round trip', async () => {
    const start = tf.memory().numTensors;
    const images = tf.tensor4d(nchwToNhwc(im.data as Float32Array, im.shape), [2, S, S, 3]);
    const plain = createDetector({ clip: loadTinyClip(), adapters: tinyAdapters(), anchors });
    const ref = await plain.detect(images, { className: 'bottle' });
    plain.dispose();
    expect(ref[0]!.isAnomalous).toBeUndefined();
    expect(ref[0]!.defectMask).toBeUndefined();
    // thresholds from image 0 alone (a normal reference): fpr 0.5 of one image -> its own score and the median pixel
    const t = calibrateClass('bottle', [{ score: ref[0]!.score, map: ref[0]!.anomalyMap }], { fpr: 0.5 });
    expect(t.image).toBe(ref[0]!.score);
    const sorted = Float64Array.from(ref[0]!.anomalyMap).sort();
    const pos = 0.5 * (sorted.length - 1);
    expect(t.pixel).toBeCloseTo(sorted[Math.floor(pos)]! + (sorted[Math.ceil(pos)]! - sorted[Math.floor(pos)]!) * (pos - Math.floor(pos)), 10);
    const stored = decodeCheckpoint(encodeCheckpoint({ adapters: tinyAdapters() as Map<string, { shape: number[]; data: Float32Array }>, anchors, calibration: { version: 1, domain: 'industrial', size: S, classes: { bottle: t } } }), 'cal');
    const det = createDetector({ clip: loadTinyClip(), adapters: stored.adapters, anchors: stored.anchors, calibration: stored.calibration });
    const res = await det.detect(images, { className: 'bottle' });
    for (let b = 0; b < 2; b++) {
      expect(res[b]!.score).toBe(ref[b]!.score);
      expect(res[b]!.isAnomalous).toBe(ref[b]!.score >= t.image);
      const want = Uint8Array.from(ref[b]!.anomalyMap, (v) => (v >= t.pixel ? 1 : 0));
      expect(res[b]!.defectMask).toEqual(want);
    }
    expect(res[0]!.isAnomalous).toBe(true); // its own score is the threshold
    // about half the pixels of image 0 are at or above its median
    const area = res[0]!.defectMask!.reduce((x, v) => x + v, 0) / (S * S);
    expect(area).toBeGreaterThanOrEqual(0.5);
    expect(area).toBeLessThan(0.51);
    // a class without thresholds gets no verdict
    det.setAnchors('other', anchors.get('bottle')!);
    const other = await det.detect(images, { className: 'other' });
    expect(other[0]!.isAnomalous).toBeUndefined();
    det.dispose();
    images.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
