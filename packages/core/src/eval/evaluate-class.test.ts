import type * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Detection } from '../aaclip/detector';
import { evaluateClass, type EvalHead, type EvalSample } from './evaluate-class';

// Four 2 x 2 test images: 0 and 1 normal, 2 and 3 anomalous in their first pixel. Each image's
// pixels hold its index, which the fake head reads to answer with the map and score below.
const MAPS = [
  [0.1, 0.2, 0.1, 0.2],
  [0.1, 0.3, 0.2, 0.1],
  [0.9, 0.3, 0.2, 0.1],
  [0.8, 0.2, 0.3, 0.1],
];
const SCORES = [0.2, 0.3, 0.7, 0.6];
const sample = (i: number, anomalous: boolean): EvalSample => ({
  image: new Float32Array(12).fill(i),
  rgb: new Uint8Array(12),
  mask: anomalous ? Uint8Array.of(1, 0, 0, 0) : null,
  label: anomalous ? 1 : 0,
  path: `img${i}.png`,
});
const head: EvalHead = {
  async detect(images: tf.Tensor4D): Promise<Detection[]> {
    const px = await images.data();
    return Array.from({ length: images.shape[0] }, (_, b) => {
      const i = px[b * 12]!;
      const anomalyMap = Float32Array.from(MAPS[i]!);
      return { size: 2, anomalyMap, probabilityMap: anomalyMap, imageScore: SCORES[i]!, mapMax: 0, score: 0 };
    });
  },
};

describe('evaluateClass (core, backend-free)', () => {
  it('gives the paper metrics, the fused scores of score.ts, the cases and their overlays', async () => {
    const drawn: { min: number; max: number }[] = [];
    const r = await evaluateClass(head, 'bottle', 'industrial', 4, async (i) => sample(i, i >= 2), {
      batchSize: 3,
      cases: 1,
      renderOverlay: async (_rgb, size, map, _mask, range) => {
        drawn.push(range);
        return Uint8Array.of(size, map.length);
      },
    });
    // anomalous pixels (0.9, 0.8) above every normal one (<= 0.3), anomalous images above normal ones
    expect(r.official).toEqual({ 'pixel AUC': 100, 'pixel AP': 100, 'image AUC': 100, 'image AP': 100 });
    expect(r.report.metrics).toMatchObject({ pixelAuroc: 1, pixelAp: 1, imageAuroc: 1, imageAp: 1, aupro: 1, f1MaxPixel: 1, f1MaxImage: 1 });
    expect(r.report.counts).toEqual({ normal: 2, anomalous: 2 });
    // f_eval = 0.5 (max M - 0.1) / 0.8 + 0.5 (s - 0.2) / 0.5
    const f = [0.5 * 0.125 + 0, 0.5 * 0.25 + 0.5 * 0.2, 0.5 * 1 + 0.5 * 1, 0.5 * 0.875 + 0.5 * 0.8];
    expect(r.report.histogram.normal.map((v) => +v.toFixed(5))).toEqual([f[0]!, f[1]!].map((v) => +v.toFixed(5)));
    expect(r.report.histogram.anomalous.map((v) => +v.toFixed(5))).toEqual([f[2]!, f[3]!].map((v) => +v.toFixed(5)));
    // best: the most confidently right (image 2, f = 1); worst: the most wrong (image 1, the higher normal score)
    expect(r.report.best.map((c) => [c.imagePath, c.label])).toEqual([['img2.png', 1]]);
    expect(r.report.worst.map((c) => [c.imagePath, c.label])).toEqual([['img1.png', 0]]);
    expect(Array.from(r.report.best[0]!.overlayPng)).toEqual([2, 4]);
    expect(drawn).toEqual([{ min: Math.fround(0.1), max: Math.fround(0.9) }, { min: Math.fround(0.1), max: Math.fround(0.9) }]);
    expect(r.undefinedMetrics).toBeUndefined();
  });

  it('a class with normal images only: image AUROC and AP undefined (NaN, said why), or 0 as the official code with `official`', async () => {
    const normal = async (i: number) => sample(i, false);
    const r = await evaluateClass(head, 'bottle', 'industrial', 2, normal);
    expect(r.report.metrics.imageAuroc).toBeNaN();
    expect(r.undefinedMetrics).toEqual({ keys: ['imageAuroc', 'imageAp'], reason: 'its test images are all normal' });
    expect(r.report.best[0]!.overlayPng.length).toBe(0); // no renderer: no picture
    const o = await evaluateClass(head, 'bottle', 'industrial', 2, normal, { official: true });
    expect([o.report.metrics.imageAuroc, o.report.metrics.imageAp]).toEqual([0, 0]);
  });

  it('names the class when no image could be read', async () => {
    await expect(evaluateClass(head, 'bottle', 'industrial', 2, async () => null)).rejects.toThrow('class "bottle": no image could be evaluated');
  });
});
