// Parity with the reference metrics of the tiny fixture (expected.json -> metrics).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { binaryMetrics } from './binary-metrics';
import { OfficialMetricAccumulator, officialMetricsEval } from '../eval/official-eval';
import { PixelMetricAccumulator, pixelMetrics } from './pixel-metric-accumulator';

/** Minimal safetensors parse: u64 LE header length, JSON header, raw little-endian data. */
function readTensors(path: string): Map<string, { shape: number[]; data: Float32Array }> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of Object.entries(header)) {
    if (!k.startsWith('metrics.')) continue;
    if (v.dtype !== 'F32') throw new Error(`${path}: ${k} has dtype ${v.dtype}, expected F32`);
    const [s, e] = v.data_offsets;
    const bytes = new Uint8Array(buf.subarray(8 + n + s, 8 + n + e));
    out.set(k, { shape: v.shape, data: new Float32Array(bytes.buffer) });
  }
  return out;
}

interface ExpectedMetrics {
  'pixel_aupro_0.3': number;
  aupro_regions_8_connected: number;
  pixel_auroc: number;
  pixel_ap: number;
  image_auroc_raw: number;
  image_ap_raw: number;
  official_metrics_eval_industrial: Record<string, number>;
  official_metrics_eval_medical: Record<string, number>;
}

const tensors = readTensors(fixture('inputs.safetensors'));
const expected = (JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as { metrics: ExpectedMetrics }).metrics;
const get = (k: string) => {
  const t = tensors.get(k);
  if (!t) throw new Error(`inputs.safetensors: missing ${k}`);
  return t;
};
const imageLabel = get('metrics.image_label');
const imagePred = get('metrics.image_pred');
const pixelLabel = get('metrics.pixel_label');
const pixelPred = get('metrics.pixel_pred');

describe('metrics parity with expected.json', () => {
  it('has the documented input shapes', () => {
    expect(imageLabel.shape).toEqual([6]);
    expect(imagePred.shape).toEqual([6]);
    expect(pixelLabel.shape).toEqual([6, 1, 48, 48]);
    expect(pixelPred.shape).toEqual([6, 48, 48]);
  });

  it('pixel AUROC, AP, AUPRO@0.3 and the 8-connected region count', () => {
    const m = pixelMetrics(pixelPred.data, pixelLabel.data, pixelPred.shape);
    expect(Math.abs(m.auroc - expected.pixel_auroc)).toBeLessThan(1e-9);
    expect(Math.abs(m.averagePrecision - expected.pixel_ap)).toBeLessThan(1e-9);
    expect(Math.abs(m.aupro - expected['pixel_aupro_0.3'])).toBeLessThan(1e-9);
    expect(m.regions).toBe(expected.aupro_regions_8_connected);
    expect(m.regions).toBe(8);
    expect(m.exact).toBe(true);
    expect(m.positives + m.negatives).toBe(6 * 48 * 48);
  });

  it('AnomalyCLIP-style aupro200 matches a numpy port of cal_pro_score', () => {
    // 0.461006194015628: AnomalyCLIP's cal_pro_score (numpy 2.4, float32 maps, own 8-connected
    // labelling in place of skimage) run on these inputs.
    const m = pixelMetrics(pixelPred.data, pixelLabel.data, pixelPred.shape);
    expect(Math.abs(m.aupro200 - 0.461006194015628)).toBeLessThan(1e-12);
  });

  it('raw image AUROC and AP', () => {
    const m = binaryMetrics(imagePred.data, imageLabel.data);
    expect(Math.abs(m.auroc - expected.image_auroc_raw)).toBeLessThan(1e-9);
    expect(Math.abs(m.averagePrecision - expected.image_ap_raw)).toBeLessThan(1e-9);
  });

  for (const domain of ['industrial', 'medical'] as const) {
    it(`official per-class evaluation (${domain}) is exactly equal`, () => {
      const batch = {
        pixelPreds: pixelPred.data,
        pixelLabels: pixelLabel.data,
        imagePreds: imagePred.data,
        imageLabels: imageLabel.data,
        shape: pixelLabel.shape,
      };
      const got = officialMetricsEval(batch, domain);
      const want = expected[`official_metrics_eval_${domain}`];
      expect(got).toEqual(want);
      expect(got['pixel AUC']).toBe(79.80000000000001);
      // float64 arithmetic gives the same rounded numbers here
      expect(officialMetricsEval(batch, domain, { arithmetic: 'float64' })).toEqual(want);
    });
  }

  it('streamed one image at a time gives identical numbers', () => {
    const hw = 48 * 48;
    const pix = new PixelMetricAccumulator();
    const off = new OfficialMetricAccumulator({ domain: 'industrial' });
    for (let b = 0; b < 6; b++) {
      const p = pixelPred.data.subarray(b * hw, (b + 1) * hw);
      const l = pixelLabel.data.subarray(b * hw, (b + 1) * hw);
      pix.update(p, l, [1, 1, 48, 48]);
      off.update({
        pixelPreds: p,
        pixelLabels: l,
        imagePreds: imagePred.data.subarray(b, b + 1),
        imageLabels: imageLabel.data.subarray(b, b + 1),
        shape: [1, 48, 48],
      });
    }
    expect(pix.compute()).toEqual(pixelMetrics(pixelPred.data, pixelLabel.data, [6, 48, 48]));
    expect(off.compute()).toEqual(expected.official_metrics_eval_industrial);
  });
});
