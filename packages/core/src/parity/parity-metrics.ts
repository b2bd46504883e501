// The metrics outputs of the parity check (computed from inputs.safetensors' metrics.* arrays).
import { binaryMetrics } from '../metrics/binary-metrics';
import { officialMetricsEval } from '../eval/official-eval';
import { pixelMetrics } from '../metrics/pixel-metric-accumulator';
import { toFloat32, type NamedTensor, type TensorMap } from '../weights/named-tensor';
import type { WritableTensor } from '../weights/safetensors-writer';
import { flattenParityMetrics } from './compare-parity';
import type { ParityExpectedJson } from './parity-types';

/**
 * Computes the metrics expected.json lists (pixel/image AUROC and AP, AUPRO at FPR 0.3, its
 * region count, the official per-class evaluation in both domains) and stores each as a
 * float64 `metrics.<key>` output.
 */
export function computeParityMetrics(inputs: TensorMap, ej: ParityExpectedJson, outputs: Map<string, WritableTensor>): void {
  const get = (k: string): NamedTensor => {
    const t = inputs.get(k);
    if (!t) throw new Error(`parity: inputs.safetensors has no "${k}" (needed for metrics)`);
    return t;
  };
  const pp = get('metrics.pixel_pred');
  const ip = toFloat32(get('metrics.image_pred'));
  const il = toFloat32(get('metrics.image_label'));
  const pred = toFloat32(pp);
  const lab = toFloat32(get('metrics.pixel_label'));
  const shape = pp.shape;
  const pix = pixelMetrics(pred, lab, shape, { fprLimit: 0.3 });
  const img = binaryMetrics(ip, il);
  const values: Record<string, number> = {
    pixel_auroc: pix.auroc,
    pixel_ap: pix.averagePrecision,
    image_auroc_raw: img.auroc,
    image_ap_raw: img.averagePrecision,
    'pixel_aupro_0.3': pix.aupro,
    aupro_regions_8_connected: pix.regions,
  };
  for (const d of ['industrial', 'medical'] as const) {
    const o = officialMetricsEval({ pixelPreds: pred, pixelLabels: lab, imagePreds: ip, imageLabels: il, shape }, d);
    for (const [k, v] of Object.entries(o)) values[`official_metrics_eval_${d}.${k}`] = v;
  }
  for (const key of flattenParityMetrics(ej.metrics).keys()) {
    if (key in values) outputs.set(`metrics.${key}`, { dtype: 'float64', shape: [1], data: Float64Array.of(values[key]!) });
  }
}
