// The per-class evaluation metrics in their own process: the paper's four numbers
// (OfficialMetricAccumulator: pixel/image AUROC and AP, as metrics_eval) and, separately, what
// `aaclip eval` adds (PixelMetricAccumulator: AUPRO at FPR 0.3, F1-max), over `images` maps of
// size x size, fed in batches of 4 as evaluateClass does. Synthetic maps: smooth random fields,
// defect squares on half of the images (as bench/pytorch/aaclip_bench.py metrics).
//   node bench/metrics.mjs --images 167 --size 518
import { OfficialMetricAccumulator, PixelMetricAccumulator } from '@aaclip/core/metrics';
import { gaussianSampler } from '@aaclip/core/train';
import { emit, parseArgs, peakRssMiB } from './lib.mjs';

const args = parseArgs();
const count = Number(args.images ?? 167);
const size = Number(args.size ?? 518);
const rand = gaussianSampler(5);
const n = size * size;
const maps = [];
const masks = [];
const labels = [];
for (let i = 0; i < count; i++) {
  const m = new Float32Array(n);
  const mask = new Uint8Array(n);
  const label = i % 2;
  const s = Math.floor(size / 8);
  const x0 = (i * 37) % (size - s);
  const y0 = (i * 91) % (size - s);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const inside = label && x >= x0 && x < x0 + s && y >= y0 && y < y0 + s;
    if (inside) mask[y * size + x] = 1;
    m[y * size + x] = 0.3 * Math.sin(x / 17 + i) * Math.cos(y / 23) + 0.2 * rand() + (inside ? 0.6 : 0);
  }
  maps.push(m);
  masks.push(mask);
  labels.push(label);
}
const scores = labels.map((l, i) => 0.4 + 0.3 * l + 0.1 * Math.sin(i));
const run = (withPixelExtras) => {
  const t = performance.now();
  const official = new OfficialMetricAccumulator({ domain: 'industrial' });
  const pixels = withPixelExtras ? new PixelMetricAccumulator({ fprLimit: 0.3 }) : null;
  for (let b0 = 0; b0 < count; b0 += 4) {
    const m = Math.min(4, count - b0);
    const pm = new Float32Array(m * n);
    const pl = new Uint8Array(m * n);
    for (let k = 0; k < m; k++) {
      pm.set(maps[b0 + k], k * n);
      pl.set(masks[b0 + k], k * n);
    }
    official.update({ pixelPreds: pm, pixelLabels: pl, imagePreds: Float32Array.from(scores.slice(b0, b0 + m)), imageLabels: Float32Array.from(labels.slice(b0, b0 + m)), shape: [m, size, size] });
    pixels?.update(pm, pl, [m, size, size]);
  }
  const r = { official: official.compute(), pixels: pixels?.compute() ?? null };
  return { seconds: (performance.now() - t) / 1000, r };
};
const a = run(false);
const b = run(true);
emit({
  case: `metrics of one class (${count} images, ${size} px)`,
  images: count,
  size,
  seconds: a.seconds,
  secondsWithAuproF1: b.seconds,
  official: a.r.official,
  aupro: b.r.pixels?.aupro,
  peakRssMiB: peakRssMiB(),
});
